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

/// Start times of the open flows, by flow id, for the durations of their ends (the BPF side keeps none). Holds at
/// most max_open flows, then forgets them all at once (a flow whose end was lost stays until then).
class FlowStarts
{
  public:
    static constexpr std::size_t max_open = 65536;

    FlowStarts();
    /// Records a flow's start (CLOCK_BOOTTIME ns).
    void start(std::uint64_t flow_id, std::uint64_t timestamp_ns);
    /// Forgets a flow and returns the ns from its start to end_ns; 0 when its start was not seen.
    std::uint64_t end(std::uint64_t flow_id, std::uint64_t end_ns);

  private:
    std::unordered_map<std::uint64_t, std::uint64_t> starts_;
};

/// Turns records into lines, one per flow start and end, appended to a caller-owned buffer:
///   Connect: PID:<pid>, AppId:"<name>", Protocol:<tcp|udp>, Local:<addr>:<port>, Remote:<addr>:<port>,
///   FlowId:<id>, Time:<time>
/// ("Accept:" for inbound flows; "Close:" adds Duration:<µs>us before Time), addresses as every tool writes them
/// (IPv6 in brackets, standard text form), or JSON objects with keys in this order: type ("connect", "accept",
/// "close"), timestamp (ISO-8601 UTC, µs), process_id, app_id, protocol ("tcp", "udp", else the number), family (4 or
/// 6), local_address, local_port, remote_address, remote_port, flow_id, and duration_us on close (from the flow's
/// start record, FlowStarts; a record's own duration_ns where non-zero). One formatter per thread.
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
    FlowStarts starts_;
    FiletimeFormatter times_;
};

} // namespace winbpf::monitor
