// SPDX-License-Identifier: MIT
// Reports of lost events: records the BPF side could not write and records userspace could not decode.
#pragma once

#include "event_printer.hpp"

#include <cstdint>
#include <cstdio>
#include <functional>

namespace winbpf::monitor
{

/// Tracks both loss sources and prints a line whenever one grows:
///   process_monitor: lost N events (total M): ring buffer full
///   process_monitor: lost N events (total M): malformed record (<reason>)
class LossReporter
{
  public:
    /// kernel_lost reads the BPF side's counter (winbpf::Object::lost_events); lines go to stream.
    LossReporter(std::function<std::uint64_t()> kernel_lost, const EventPrinter &printer, std::FILE *stream);

    /// Reads both counters and prints one line per source that grew since the last check.
    void check();

    /// Every loss seen by the last check().
    std::uint64_t total() const noexcept { return kernel_ + malformed_; }

  private:
    std::function<std::uint64_t()> kernel_lost_;
    const EventPrinter &printer_;
    std::FILE *stream_;
    std::uint64_t kernel_ = 0;
    std::uint64_t malformed_ = 0;
};

} // namespace winbpf::monitor
