// SPDX-License-Identifier: MIT
#include "connection_monitor.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iterator>

namespace winbpf::monitor
{

// bpf/connection_monitor.h: 72 bytes, no padding (decode_connection_event copies it as is).
static_assert(sizeof(connection_monitor_event) == 72 && offsetof(connection_monitor_event, local_address) == 32 &&
              offsetof(connection_monitor_event, local_port) == 64 && offsetof(connection_monitor_event, type) == 68);

namespace
{

// Names indexed by CONNECTION_MONITOR_* (decode_connection_event lets no other value through).
constexpr const char *event_types[] = {"connect", "accept", "close"};
constexpr const char *event_labels[] = {"Connect: PID:", "Accept: PID:", "Close: PID:"};
static_assert(std::size(event_types) == CONNECTION_MONITOR_CLOSE + 1 &&
              std::size(event_labels) == std::size(event_types));

} // namespace

RecordStatus decode_connection_event(std::span<const std::byte> bytes, connection_monitor_event &out) noexcept
{
    if (bytes.size() < sizeof(out))
        return RecordStatus::malformed("record too short");
    if (bytes.size() - sizeof(out) >= 8)
        return RecordStatus::malformed("size mismatch");
    std::memcpy(&out, bytes.data(), sizeof(out));
    if (out.type > CONNECTION_MONITOR_CLOSE)
        return RecordStatus::malformed("unknown type");
    if (out.family != 4 && out.family != 6)
        return RecordStatus::malformed("unknown address family");
    return RecordStatus::ok();
}

const std::string &AppIds::of(std::uint64_t process_id)
{
    if (auto found = names_.find(process_id); found != names_.end())
        return found->second;
    if (names_.size() >= 4096)
        names_.clear();
    const std::string proc = "/proc/" + std::to_string(process_id);
    std::string path;
    char buffer[4096];
    if (const ssize_t size = ::readlink((proc + "/exe").c_str(), buffer, sizeof(buffer)); size > 0) {
        path.assign(buffer, static_cast<std::size_t>(size));
        if (path.ends_with(" (deleted)"))
            path.resize(path.size() - 10);
    } else if (std::FILE *cmdline = std::fopen((proc + "/cmdline").c_str(), "re")) {
        // Once attached the monitor holds no capability: another user's or a more privileged process's exe link is
        // not readable, its command line is. argv[0] up to its NUL.
        const std::size_t size = std::fread(buffer, 1, sizeof(buffer) - 1, cmdline);
        std::fclose(cmdline);
        buffer[size] = '\0';
        path = buffer;
    }
    return names_.emplace(process_id, path.substr(path.rfind('/') + 1)).first->second;
}

FlowStarts::FlowStarts()
{
    starts_.reserve(4096);
}

void FlowStarts::start(std::uint64_t flow_id, std::uint64_t timestamp_ns)
{
    if (starts_.size() >= max_open)
        starts_.clear();
    starts_.insert_or_assign(flow_id, timestamp_ns);
}

std::uint64_t FlowStarts::end(std::uint64_t flow_id, std::uint64_t end_ns)
{
    const auto found = starts_.find(flow_id);
    if (found == starts_.end())
        return 0;
    const std::uint64_t start_ns = found->second;
    starts_.erase(found);
    return end_ns > start_ns ? end_ns - start_ns : 0;
}

ConnectionMonitorFormatter::ConnectionMonitorFormatter(OutputFormat format, std::int64_t realtime_minus_boottime_ns)
    : format_(format), realtime_minus_boottime_ns_(realtime_minus_boottime_ns)
{
}

void ConnectionMonitorFormatter::append_human(std::string &out)
{
    const connection_monitor_event &e = event_;
    out += event_labels[e.type];
    append_decimal(e.process_id, out);
    out += ", AppId:";
    append_quoted(app_ids_.of(e.process_id), out);
    out += ", Protocol:";
    if (const char *name = ip_protocol_name(e.protocol))
        out += name;
    else
        append_decimal(e.protocol, out);
    out += ", Local:";
    append_ip_endpoint(e.family, e.local_address, e.local_port, out);
    out += ", Remote:";
    append_ip_endpoint(e.family, e.remote_address, e.remote_port, out);
    out += ", FlowId:";
    append_decimal(e.flow_id, out);
    if (e.type == CONNECTION_MONITOR_CLOSE) {
        out += ", Duration:";
        append_decimal(e.duration_ns / 1000, out);
        out += "us";
    }
    out += ", Time:";
    times_.append(boottime_ns_to_filetime(e.timestamp_ns, realtime_minus_boottime_ns_), out);
    out += '\n';
}

void ConnectionMonitorFormatter::append_json(std::string &out)
{
    const connection_monitor_event &e = event_;
    out += '{';
    append_json_string_field("type", event_types[e.type], out, true);
    times_.append_json_field("timestamp", boottime_ns_to_filetime(e.timestamp_ns, realtime_minus_boottime_ns_), out);
    append_json_number_field("process_id", e.process_id, out);
    append_json_string_field("app_id", app_ids_.of(e.process_id), out);
    if (const char *name = ip_protocol_name(e.protocol))
        append_json_string_field("protocol", name, out);
    else
        append_json_number_field("protocol", e.protocol, out);
    append_json_number_field("family", e.family, out);
    append_json_key("local_address", out);
    out += '"';
    append_ip_address(e.family, e.local_address, out);
    out += '"';
    append_json_number_field("local_port", e.local_port, out);
    append_json_key("remote_address", out);
    out += '"';
    append_ip_address(e.family, e.remote_address, out);
    out += '"';
    append_json_number_field("remote_port", e.remote_port, out);
    append_json_number_field("flow_id", e.flow_id, out);
    if (e.type == CONNECTION_MONITOR_CLOSE)
        append_json_number_field("duration_us", e.duration_ns / 1000, out);
    out += "}\n";
}

RecordStatus ConnectionMonitorFormatter::format(std::span<const std::byte> record, std::string &out)
{
    const RecordStatus status = decode_connection_event(record, event_);
    if (!status.is_ok())
        return status;
    if (event_.type != CONNECTION_MONITOR_CLOSE)
        starts_.start(event_.flow_id, event_.timestamp_ns);
    else if (const std::uint64_t duration = starts_.end(event_.flow_id, event_.timestamp_ns); event_.duration_ns == 0)
        event_.duration_ns = duration;
    if (format_ == OutputFormat::json)
        append_json(out);
    else
        append_human(out);
    return status;
}

} // namespace winbpf::monitor
