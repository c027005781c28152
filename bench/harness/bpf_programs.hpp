// SPDX-License-Identifier: MIT
// BPF run-time statistics (bpf_stats) of a group of programs.
#pragma once

#include "winbpf/unique_fd.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace winbpf::bench
{

/// While alive, the kernel accounts run_time_ns / run_cnt of every BPF program (BPF_STATS_RUN_TIME).
class BpfStatsEnabled
{
  public:
    /// Throws std::system_error when the kernel refuses (needs CAP_SYS_ADMIN).
    BpfStatsEnabled();

  private:
    UniqueFd fd_;
};

/// Summed counters of a group of programs.
struct BpfCounters {
    std::uint64_t run_time_ns = 0;
    std::uint64_t run_count = 0;
};

/// Counters of one program, by id and name (from BTF when available).
struct ProgramCounters {
    std::uint32_t id = 0;
    std::string name;
    BpfCounters counters;
};

/// Programs, held open by id so their counters stay readable while the owning tool runs.
class ProgramGroup
{
  public:
    ProgramGroup() = default;
    /// Opens the programs with these ids; ids that vanished are skipped.
    explicit ProgramGroup(const std::set<std::uint32_t> &ids);

    /// Current counters of each program, in id order.
    std::vector<ProgramCounters> sample() const;

  private:
    struct Program {
        std::uint32_t id;
        std::string name;
        UniqueFd fd;
    };
    std::vector<Program> programs_;
};

/// Sum of the counters of all programs.
BpfCounters total(const std::vector<ProgramCounters> &programs);

/// Per-program counter growth from before to after (same group, same order).
std::vector<ProgramCounters> growth(const std::vector<ProgramCounters> &before,
                                    const std::vector<ProgramCounters> &after);

/// Ids of every BPF program loaded in the system.
std::set<std::uint32_t> all_program_ids();

/// Number of BPF links in the system.
std::size_t count_links();

} // namespace winbpf::bench
