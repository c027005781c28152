// SPDX-License-Identifier: MIT
// Turns raw ring buffer records into output lines, keeping the process table and the counters.
#pragma once

#include "event_format.hpp"
#include "process_table.hpp"
#include "record.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace winbpf::monitor
{

/// Output format of process_monitor.
enum class OutputFormat { human, json };

/// Consumes records one by one and appends a line per event to a caller-owned buffer. Records that cannot be
/// decoded are counted (malformed()), never dropped silently.
class EventPrinter
{
  public:
    explicit EventPrinter(OutputFormat format);

    /// Handles one record: decodes it, joins a DELETE with its CREATE, appends the event's line to out.
    /// Returns the decode status (out is untouched unless ok).
    DecodeStatus handle(std::span<const std::byte> record, std::string &out);

    /// Records handed to handle().
    std::uint64_t received() const noexcept { return received_; }
    /// Records handle() could not decode.
    std::uint64_t malformed() const noexcept { return malformed_; }
    /// Status of the last malformed record.
    DecodeStatus last_error() const noexcept { return last_error_; }
    /// The live processes (e.g. to add those running before the monitor attached).
    ProcessTable &table() noexcept { return table_; }

  private:
    OutputFormat format_;
    EventFormatter formatter_;
    ProcessTable table_;
    Record record_;
    std::uint64_t received_ = 0;
    std::uint64_t malformed_ = 0;
    DecodeStatus last_error_ = DecodeStatus::ok;
};

} // namespace winbpf::monitor
