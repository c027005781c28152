// SPDX-License-Identifier: MIT
// One measurement: the workload with nothing or one tool attached.
#pragma once

#include "bpf_programs.hpp"
#include "generator.hpp"
#include "options.hpp"
#include "workload.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace winbpf::bench
{

/// Index of what is attached while the workload runs: 0 nothing (bare), i + 1 the tool tools[i].
using Mode = std::size_t;
constexpr Mode bare_mode = 0;

/// Figures of one measurement. Tool figures cover the window from just after the tool attached to settle time
/// after the workload ended; event counts cover the tool's whole run (so include other processes' events).
struct Measurement {
    Mode mode = bare_mode;
    WorkloadResult workload;
    std::optional<std::uint64_t> received; ///< events the tool says it received (its summary)
    std::optional<std::uint64_t> lost;     ///< events the tool says it lost (its summary)
    std::optional<std::uint64_t> lines;    ///< event lines the tool wrote to the bench's pipe (header excluded)
    BpfCounters bpf;                       ///< run time / runs of the tool's programs in the window
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
