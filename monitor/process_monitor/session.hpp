// SPDX-License-Identifier: MIT
// The monitoring session: load and attach the BPF object, print events until asked to stop.
#pragma once

#include "event_printer.hpp"
#include "stop_signals.hpp"

#include <chrono>
#include <cstddef>

namespace winbpf::monitor
{

/// Bytes of buffered lines at which run_session writes them out without waiting for the end of the drained batch
/// (its buffer is reserved at twice this). bench/monitor_bench flushes at the same size.
inline constexpr std::size_t flush_threshold = 64 * 1024;

struct SessionOptions {
    OutputFormat format = OutputFormat::human;
    /// Longest delay between an event and its line. The BPF side batches wake-ups, so the monitor drains on this
    /// timeout: each drain costs a context switch, a longer one costs less CPU per event.
    std::chrono::milliseconds poll_timeout{250};
};

/// Loads the embedded process_monitor object, attaches it, prints "Press Ctrl-C to stop" to stderr, then prints
/// one line per event to stdout (flushed after every drained batch) and loss reports to stderr, until stop is
/// requested or stdout is closed. Detaches (RAII), drains what is left and prints
/// "process_monitor: received N, lost M" to stderr. Returns the exit status (0, or 1 when writing stdout failed).
/// Throws winbpf::Error when loading or attaching fails.
int run_session(const SessionOptions &options, const StopSignals &stop);

} // namespace winbpf::monitor
