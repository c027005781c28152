// SPDX-License-Identifier: MIT
// What the bench reads from and sets up in the kernel: BPF program ids and run_time_ns / run_cnt (bpf_stats),
// CPU ticks and host steal (/proc/stat), and a cgroup-v2 directory of its own.
#pragma once

#include "winbpf/unique_fd.hpp"

#include <cstdint>
#include <optional>
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
    /// Where it is attached, as a libbpf section names it ("sockops", "cgroup/sock_create", "tp_btf/kfree_skb"), from
    /// the BPF link behind it (program_hook()).
    std::string hook;
    BpfCounters counters;
};

/// The attach point of program id as a libbpf section names it, from the first BPF link of the system that holds
/// it: a cgroup link's attach type ("cgroup/bind4", "sockops", "cgroup_skb/ingress"; libbpf's attach type name for
/// types without a cgroup section), "tp_btf/NAME" or "raw_tp/NAME" for a raw tracepoint link, "xdp", else libbpf's
/// link type name. Without a link: libbpf's name of its program type ("tracepoint"); "" when the program is gone.
std::string program_hook(std::uint32_t id);

/// Programs, held open by id so their counters stay readable while the owning tool runs.
class ProgramGroup
{
  public:
    ProgramGroup() = default;
    /// Opens the programs with these ids and names their hooks (program_hook()); ids that vanished are skipped.
    explicit ProgramGroup(const std::set<std::uint32_t> &ids);

    /// Current counters of each program, in id order.
    std::vector<ProgramCounters> sample() const;

  private:
    struct Program {
        std::uint32_t id;
        std::string name;
        std::string hook;
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

/// All-CPU tick counters of /proc/stat's "cpu" line (USER_HZ ticks).
struct CpuTicks {
    std::uint64_t total = 0; ///< every column summed
    std::uint64_t steal = 0; ///< the steal column
    std::uint64_t idle = 0;  ///< the idle and iowait columns
};

/// Reads /proc/stat; nullopt when it cannot be read or parsed.
std::optional<CpuTicks> read_cpu_ticks();

/// Steal as a percentage of all CPU ticks between two readings; nullopt when either is missing or no tick passed.
std::optional<double> steal_percent(const std::optional<CpuTicks> &before, const std::optional<CpuTicks> &after);

/// Creates <cgroup-v2 mount>/<prefix>.<pid> on construction (after removing leftovers of dead benches with the same
/// prefix) and removes it on destruction, killing what still runs in it. Throws std::system_error (or
/// winbpf::Error when cgroup v2 is not mounted) if it cannot be created.
class ChildCgroup
{
  public:
    explicit ChildCgroup(const std::string &prefix);
    ChildCgroup(const ChildCgroup &) = delete;
    ChildCgroup &operator=(const ChildCgroup &) = delete;
    ~ChildCgroup();

    /// The directory.
    const std::string &path() const noexcept { return path_; }
    /// Its cgroup.procs, open for writing: a process writing "0" to it moves itself into the cgroup.
    int procs_fd() const noexcept { return procs_.get(); }

  private:
    std::string path_;
    UniqueFd procs_;
};

} // namespace winbpf::bench
