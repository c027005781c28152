// SPDX-License-Identifier: MIT
// The measured workload: a generator, a single-threaded process of its own that does N operations, times its own
// loop and prints "<done> <failures> <elapsed ns>" on stdout.
#pragma once

#include <chrono>
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

} // namespace winbpf::bench
