// SPDX-License-Identifier: MIT
// One measurement: the workload's generator run bare or while one tool is attached, with the tool's BPF run time,
// CPU time, events, lines and losses.
#pragma once

#include "kernel.hpp"
#include "runner.hpp"
#include "workload.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace winbpf::bench
{

/// Outcome of one workload run.
struct WorkloadResult {
    unsigned done = 0;                   ///< operations completed
    unsigned failures = 0;               ///< operations that failed, plus those the generator never made
    std::chrono::nanoseconds elapsed{};  ///< wall time of the generator's loop, measured by the generator
    std::optional<double> steal_percent; ///< host steal time during the run, % of all CPU time (/proc/stat)
};

/// Runs the generator argv (argv[0] a path) for count operations and waits for it; with cgroup_procs >= 0 (an open
/// cgroup.procs), the generator is moved into that cgroup before it execs. Throws Interrupted when the bench is
/// interrupted (the generator is killed), std::runtime_error when the generator fails or prints no counts.
WorkloadResult run_generator(const std::vector<std::string> &argv, unsigned count, int cgroup_procs = -1);

/// Index of what is attached while the workload runs: 0 nothing (bare), i + 1 the tool tools[i].
using Mode = std::size_t;
constexpr Mode bare_mode = 0;

/// Figures of one measurement. Tool figures cover the window from just after the tool attached to settle time
/// after the workload ended; event counts cover the tool's whole run (so include other processes' events).
struct Measurement {
    Mode mode = bare_mode;
    unsigned round = 0; ///< the round it ran in (0-based; Report::add sets it): tools' figures are paired by round
    WorkloadResult workload;
    unsigned warmup_done = 0;              ///< operations of the unmeasured warm-up (Options::tool_warmup)
    std::optional<std::uint64_t> received; ///< events the tool says it received (its summary, warm-up included)
    std::optional<std::uint64_t> lost;     ///< events the tool says it lost (its summary)
    std::optional<std::uint64_t> lines; ///< event lines the tool wrote to the pipe (header excluded, warm-up included)
    bool bpf_stats = false;             ///< bpf_stats was on (ToolSpec::bpf_stats): bpf and programs are counted
    BpfCounters bpf;                    ///< run time / runs of the tool's programs in the window
    std::vector<ProgramCounters> programs; ///< the same, per program
    std::chrono::nanoseconds tool_cpu{};   ///< user + system CPU of the tool process in the window
    std::string problem;                   ///< empty unless something went wrong (exit status, failed ops, ...)

    /// Completed operations per second of wall time.
    double rate() const;
    /// Wall time per completed operation, in microseconds.
    double micros_per_op() const;
};

/// Everything a measurement needs: the workload, the options and the tools (mode i + 1 is tools[i]).
struct BenchSetup {
    const Workload &workload;
    const Options &options;
    std::vector<ToolSpec> tools;

    /// "bare" or the tool's name.
    std::string mode_name(Mode mode) const;
};

/// Runs one measurement of mode with count operations. Throws std::runtime_error when a tool cannot be started or
/// does not attach.
Measurement measure(const BenchSetup &setup, Mode mode, unsigned count);

} // namespace winbpf::bench
