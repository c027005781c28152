// SPDX-License-Identifier: MIT
// connection_monitor's records to lines: decoding of connection_monitor_event (bpf/connection_monitor.h) and its
// human and JSON lines.
#pragma once

#include "common/format.hpp"
#include "common/loss_reporter.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>

extern "C" {
#include "connection_monitor.h"
}

namespace winbpf::monitor
{

/// Decodes one record (exactly sizeof(connection_monitor_event), up to 7 bytes of ring buffer padding after it).
/// Malformed (with the reason): "record too short", "size mismatch", "unknown type", "unknown address family".
RecordStatus decode_connection_event(std::span<const std::byte> bytes, connection_monitor_event &out) noexcept;

/// Executable file names of processes: the name /proc/PID/exe links to after its last '/', or where that link is not
/// readable (the monitor holds no capability once attached: a process with capabilities it lacks hides its link) the
/// file name of its argv[0] (/proc/PID/cmdline). Read once per process id and kept (at most 4096 processes, then
/// forgotten all at once): a close often comes after its process has exited. Empty when the process is gone before
/// its first event.
class AppIds
{
  public:
    const std::string &of(std::uint64_t process_id);

  private:
    std::unordered_map<std::uint64_t, std::string> names_;
};

/// Turns records into lines, one per flow start and end, appended to a caller-owned buffer:
///   Connect: PID:<pid>, AppId:"<name>", Protocol:<tcp|udp>, Local:<addr>:<port>, Remote:<addr>:<port>,
///   FlowId:<id>, Time:<time>
/// ("Accept:" for inbound flows; "Close:" adds Duration:<µs>us before Time), addresses as every tool writes them
/// (IPv6 in brackets, standard text form), or JSON objects with keys in this order: type ("connect", "accept",
/// "close"), timestamp (ISO-8601 UTC, µs), process_id, app_id, protocol ("tcp", "udp", else the number), family (4 or
/// 6), local_address, local_port, remote_address, remote_port, flow_id, and duration_us on close. One formatter per
/// thread.
class ConnectionMonitorFormatter
{
  public:
    /// realtime_minus_boottime_ns turns the records' CLOCK_BOOTTIME timestamps into wall-clock times; app_ids: where
    /// names come from (a replay's names are read now: processes that are gone have none).
    ConnectionMonitorFormatter(OutputFormat format, std::int64_t realtime_minus_boottime_ns);

    /// Decodes one record and appends its line to out (untouched unless ok).
    RecordStatus format(std::span<const std::byte> record, std::string &out);

  private:
    void append_human(std::string &out);
    void append_json(std::string &out);

    OutputFormat format_;
    std::int64_t realtime_minus_boottime_ns_;
    connection_monitor_event event_{};
    AppIds app_ids_;
    FiletimeFormatter times_;
};

} // namespace winbpf::monitor
