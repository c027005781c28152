// SPDX-License-Identifier: MIT
// The measured workload: fork + execve of a short program, waited for one at a time by each worker.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace winbpf::bench
{

/// Outcome of one workload run.
struct WorkloadResult {
    unsigned execs = 0;                  ///< fork+execs completed
    unsigned failures = 0;               ///< children that did not exit 0
    std::chrono::nanoseconds elapsed{};  ///< wall time of the whole run
    std::optional<double> steal_percent; ///< host steal time during the run, % of all CPU time (/proc/stat)
};

/// Runs execs fork+execve+waitpid cycles of program (no arguments), split over parallel workers (threads).
/// Stops early when the bench is interrupted (see interrupt.hpp).
WorkloadResult run_workload(const std::string &program, unsigned execs, unsigned parallel);

} // namespace winbpf::bench
