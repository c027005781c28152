// SPDX-License-Identifier: MIT
// Decoding of the ring buffer records of bpf/process_monitor.c (layout: bpf/process_monitor.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" {
#include "process_monitor.h"
}

namespace winbpf::monitor
{

/// process_operation_t values carried in process_monitor_event::operation.
enum class Operation : std::uint8_t { create = 0, destroy = 1 };

/// A decoded record: a copy of the fixed part plus views of its SID and UTF-16LE strings into the record bytes.
/// The string views are empty when the record carries no strings (see has_strings()).
struct Record {
    process_monitor_event fixed{};
    std::span<const std::uint8_t> token_sid; ///< binary SID, fixed.token_sid_size bytes
    std::span<const std::byte> account_name;
    std::span<const std::byte> account_domain;
    std::span<const std::byte> image_path;
    std::span<const std::byte> command_line;

    Operation operation() const noexcept { return static_cast<Operation>(fixed.operation); }
    bool has_strings() const noexcept { return (fixed.flags & PROCESS_MONITOR_FLAG_STRINGS) != 0; }
    /// FILETIME of the exit (DELETE records carry it as their timestamp).
    std::uint64_t exit_time() const noexcept { return fixed.timestamp; }
};

/// Why a record could not be decoded.
enum class DecodeStatus {
    ok,
    too_short,     ///< Smaller than the fixed part.
    bad_operation, ///< operation is neither CREATE nor DELETE.
    bad_sid_size,  ///< token_sid_size exceeds PROCESS_MONITOR_SID_MAX.
    odd_string,    ///< A UTF-16LE string with an odd byte count.
    size_mismatch, ///< The record size does not match the fixed part plus its strings.
};

/// Short English name of a status, for messages ("size mismatch").
const char *decode_status_name(DecodeStatus status) noexcept;

/// Decodes one record. The record's size must be the fixed part (sizeof(process_monitor_event)) plus
/// token_sid_size plus the four string sizes when PROCESS_MONITOR_FLAG_STRINGS is set, with up to 7 bytes of
/// alignment padding after it. On success out's SID and string views point into bytes, which must outlive them.
DecodeStatus decode_record(std::span<const std::byte> bytes, Record &out) noexcept;

} // namespace winbpf::monitor
