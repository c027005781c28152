// SPDX-License-Identifier: MIT
// The measured workload: exec_generator, a process of its own that forks + execs a short program and waits for it,
// over and over.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace winbpf::bench
{

/// Outcome of one workload run.
struct WorkloadResult {
    unsigned execs = 0;                  ///< fork+execs completed
    unsigned failures = 0;               ///< children that did not exit 0, plus execs the generator never made
    std::chrono::nanoseconds elapsed{};  ///< wall time of the fork+exec loop, measured by the generator
    std::optional<double> steal_percent; ///< host steal time during the run, % of all CPU time (/proc/stat)
};

/// Runs generator (exec_generator) for execs fork+execve+waitpid cycles of program (no arguments), split over
/// parallel worker processes, and waits for it. Throws Interrupted when the bench is interrupted (the generator is
/// killed), std::runtime_error when the generator fails or prints no counts.
WorkloadResult run_workload(const std::string &generator, const std::string &program, unsigned execs,
                            unsigned parallel);

} // namespace winbpf::bench
