// SPDX-License-Identifier: MIT
// bind_monitor's records to lines: decoding of bind_monitor_event (bpf/bind_monitor.h) and its human and JSON lines.
#pragma once

#include "common/format.hpp"
#include "common/loss_reporter.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

extern "C" {
#include "bind_monitor.h"
}

namespace winbpf::monitor
{

/// bind_operation_t values carried in bind_monitor_event::operation.
enum class BindOperation : std::uint8_t { bind = 0, post_bind = 1, unbind = 2 };

/// BIND_MONITOR_ACTION_* values carried in bind_monitor_event::action.
enum class BindAction : std::uint8_t { permit = 0, deny = 1, redirect = 2 };

/// A decoded bind_monitor_event record: a copy of its fixed part plus a view of its app id into the record bytes.
struct BindMonitorEvent {
    bind_monitor_event fixed{};
    std::span<const std::byte> app_id; ///< UTF-16LE, without the trailing NUL

    BindOperation operation() const noexcept { return static_cast<BindOperation>(fixed.operation); }
    BindAction action() const noexcept { return static_cast<BindAction>(fixed.action); }
    /// 4 (Windows AF_INET 2, 16-byte SOCKADDR_IN) or 6 (AF_INET6 23, 28-byte SOCKADDR_IN6).
    unsigned family() const noexcept;
    /// Port in host order (socket_address holds it in network order at offset 2).
    std::uint16_t port() const noexcept;
};

/// Decodes one record: the fixed part (sizeof(bind_monitor_event)), then app_id_size bytes of UTF-16LE app id, with up
/// to 7 bytes of ring buffer alignment padding after it. Malformed (with the reason): "record too short", "unknown
/// operation", "unknown action", "unknown address family" (family/length neither 2/16 nor 23/28), "app_id_size too
/// large" (over BIND_MONITOR_APP_ID_MAX), "odd app_id_size", "size mismatch". On success out.app_id points into
/// bytes, which must outlive it.
RecordStatus decode_bind_event(std::span<const std::byte> bytes, BindMonitorEvent &out) noexcept;

/// The event's address in network order: 4 bytes (family 4) or 16 (family 6) inside its socket_address.
const std::uint8_t *bind_address_bytes(const BindMonitorEvent &event) noexcept;

/// Appends the text form of the event's address ("127.0.0.1", "::1").
void append_bind_address(const BindMonitorEvent &event, std::string &out);

/// Turns records into lines, one per event, appended to a caller-owned buffer:
///   Bind: PID:<pid>, AppId:"<app id>", Protocol:<tcp|udp|n>, Address:<addr>:<port>, Action:<action>,
///   BindCount:<n>, Time:<time>
/// (address and port as every tool writes them, IPv6 in brackets: "127.0.0.1:8080", "[::1]:8080")
/// ("Post-bind:" / "Unbind:" for the other operations; the app id terminal-escaped, '"' as \"), or JSON objects with
/// keys in this order: type ("bind", "post_bind", "unbind"), timestamp, process_id, app_id, family (4 or 6),
/// address, port, protocol ("tcp", "udp", else the number), action ("permit", "deny", "redirect"), bind_count.
/// Times are ISO-8601 UTC µs. One formatter per thread.
class BindMonitorFormatter
{
  public:
    /// realtime_minus_boottime_ns: CLOCK_REALTIME - CLOCK_BOOTTIME (realtime_minus_boottime_ns()), turns the
    /// records' CLOCK_BOOTTIME timestamps into wall-clock times.
    BindMonitorFormatter(OutputFormat format, std::int64_t realtime_minus_boottime_ns);

    /// Decodes one record and appends its line to out (untouched unless ok).
    RecordStatus format(std::span<const std::byte> record, std::string &out);

  private:
    void append_human(std::string &out);
    void append_json(std::string &out);

    OutputFormat format_;
    std::int64_t realtime_minus_boottime_ns_;
    BindMonitorEvent event_; ///< the record being formatted
    std::string app_id_;     ///< its app id as UTF-8
    FiletimeFormatter times_;
};

} // namespace winbpf::monitor
