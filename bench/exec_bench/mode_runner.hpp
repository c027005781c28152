// SPDX-License-Identifier: MIT
// One measurement: the workload with nothing, process_monitor or execsnoop attached.
#pragma once

#include "bpf_programs.hpp"
#include "options.hpp"
#include "workload.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace winbpf::bench
{

/// What is attached while the workload runs.
enum class Mode { bare, monitor, execsnoop };

/// "bare", "process_monitor", "execsnoop".
std::string_view mode_name(Mode mode);

/// Figures of one measurement. Tool figures cover the window from just after the tool attached to settle time
/// after the workload ended; event counts cover the tool's whole run (so include other processes' events).
struct Measurement {
    Mode mode = Mode::bare;
    WorkloadResult workload;
    std::optional<std::uint64_t> received; ///< events the tool says it received (its summary)
    std::optional<std::uint64_t> lost;     ///< events the tool says it lost (its summary)
    std::optional<std::uint64_t> lines;    ///< event lines the tool wrote to the bench's pipe (header excluded)
    BpfCounters bpf;                       ///< run time / runs of the tool's programs in the window
    std::vector<ProgramCounters> programs; ///< the same, per program
    std::chrono::nanoseconds tool_cpu{};   ///< user + system CPU of the tool process in the window
    std::string problem;                   ///< empty unless something went wrong (exit status, failed execs, ...)

    /// Completed execs per second of wall time.
    double execs_per_second() const;
};

/// Runs one measurement of mode. Throws std::runtime_error when a tool cannot be started or does not attach.
Measurement measure(Mode mode, const Options &options);

} // namespace winbpf::bench
