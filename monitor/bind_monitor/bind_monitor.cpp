// SPDX-License-Identifier: MIT
#include "bind_monitor.hpp"

#include "winbpf/utf16.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <iterator>

namespace winbpf::monitor
{

// bpf/bind_monitor.h: 56 bytes, no padding (decode_bind_event copies the fixed part as is).
static_assert(sizeof(bind_monitor_event) == 56 && offsetof(bind_monitor_event, socket_address) == 16 &&
              offsetof(bind_monitor_event, socket_address_length) == 44 && offsetof(bind_monitor_event, action) == 47 &&
              offsetof(bind_monitor_event, bind_count) == 48 && offsetof(bind_monitor_event, app_id_size) == 52);

namespace
{

// Windows address families and sizes in socket_address (docs/hooks/bind.md).
constexpr std::uint16_t windows_af_inet = 2;
constexpr std::uint16_t windows_af_inet6 = 23;
constexpr std::uint8_t sockaddr_in_size = 16;
constexpr std::uint8_t sockaddr_in6_size = 28;

/// socket_address's family field (u16, host order, offset 0).
std::uint16_t windows_family(const bind_monitor_event &fixed) noexcept
{
    std::uint16_t family;
    std::memcpy(&family, fixed.socket_address, sizeof(family));
    return family;
}

// Names indexed by BindOperation / BindAction (decode_bind_event lets no other value through).
constexpr const char *operation_types[] = {"bind", "post_bind", "unbind"};
constexpr const char *operation_labels[] = {"Bind: PID:", "Post-bind: PID:", "Unbind: PID:"};
constexpr const char *action_names[] = {"permit", "deny", "redirect"};
static_assert(std::size(operation_types) == static_cast<std::size_t>(BindOperation::unbind) + 1 &&
              std::size(operation_labels) == std::size(operation_types) &&
              std::size(action_names) == static_cast<std::size_t>(BindAction::redirect) + 1);

} // namespace

unsigned BindMonitorEvent::family() const noexcept
{
    return windows_family(fixed) == windows_af_inet6 ? 6 : 4;
}

std::uint16_t BindMonitorEvent::port() const noexcept
{
    std::uint16_t port;
    std::memcpy(&port, fixed.socket_address + 2, sizeof(port));
    return ntohs(port);
}

RecordStatus decode_bind_event(std::span<const std::byte> bytes, BindMonitorEvent &out) noexcept
{
    constexpr std::size_t fixed_size = sizeof(bind_monitor_event);
    if (bytes.size() < fixed_size)
        return RecordStatus::malformed("record too short");
    std::memcpy(&out.fixed, bytes.data(), fixed_size);
    const bind_monitor_event &f = out.fixed;
    if (f.operation > static_cast<std::uint8_t>(BindOperation::unbind))
        return RecordStatus::malformed("unknown operation");
    if (f.action > static_cast<std::uint8_t>(BindAction::redirect))
        return RecordStatus::malformed("unknown action");
    const std::uint16_t family = windows_family(f);
    if (!(family == windows_af_inet && f.socket_address_length == sockaddr_in_size) &&
        !(family == windows_af_inet6 && f.socket_address_length == sockaddr_in6_size))
        return RecordStatus::malformed("unknown address family");
    if (f.app_id_size > BIND_MONITOR_APP_ID_MAX)
        return RecordStatus::malformed("app_id_size too large");
    if (f.app_id_size % 2 != 0)
        return RecordStatus::malformed("odd app_id_size");
    const std::size_t expected = fixed_size + f.app_id_size;
    if (bytes.size() < expected || bytes.size() - expected >= 8)
        return RecordStatus::malformed("size mismatch");
    std::span<const std::byte> app_id = bytes.subspan(fixed_size, f.app_id_size);
    if (app_id.size() >= 2 && app_id[app_id.size() - 1] == std::byte{0} && app_id[app_id.size() - 2] == std::byte{0})
        app_id = app_id.first(app_id.size() - 2); // the NUL (absent when the BPF side cut a long app id)
    out.app_id = app_id;
    return RecordStatus::ok();
}

const std::uint8_t *bind_address_bytes(const BindMonitorEvent &event) noexcept
{
    // IPv4 address at offset 4 of a SOCKADDR_IN, IPv6 at offset 8 of a SOCKADDR_IN6 (both network order).
    return event.fixed.socket_address + (event.family() == 6 ? 8 : 4);
}

void append_bind_address(const BindMonitorEvent &event, std::string &out)
{
    append_ip_address(event.family(), bind_address_bytes(event), out);
}

BindMonitorFormatter::BindMonitorFormatter(OutputFormat format, std::int64_t realtime_minus_boottime_ns)
    : format_(format), realtime_minus_boottime_ns_(realtime_minus_boottime_ns)
{
}

void BindMonitorFormatter::append_human(std::string &out)
{
    const bind_monitor_event &f = event_.fixed;
    out += operation_labels[f.operation];
    append_decimal(f.process_id, out);
    out += ", AppId:";
    append_quoted(app_id_, out);
    out += ", Protocol:";
    if (const char *name = ip_protocol_name(f.protocol))
        out += name;
    else
        append_decimal(f.protocol, out);
    out += ", Address:";
    append_ip_endpoint(event_.family(), bind_address_bytes(event_), event_.port(), out);
    out += ", Action:";
    out += action_names[f.action];
    out += ", BindCount:";
    append_decimal(f.bind_count, out);
    out += ", Time:";
    times_.append(boottime_ns_to_filetime(f.timestamp_ns, realtime_minus_boottime_ns_), out);
    out += '\n';
}

void BindMonitorFormatter::append_json(std::string &out)
{
    // Written directly (common/format.hpp), in the bytes nlohmann::ordered_json::dump gave.
    const bind_monitor_event &f = event_.fixed;
    out += '{';
    append_json_string_field("type", operation_types[f.operation], out, true);
    times_.append_json_field("timestamp", boottime_ns_to_filetime(f.timestamp_ns, realtime_minus_boottime_ns_), out);
    append_json_number_field("process_id", f.process_id, out);
    append_json_string_field("app_id", app_id_, out);
    append_json_number_field("family", event_.family(), out);
    append_json_key("address", out);
    out += '"';
    append_bind_address(event_, out);
    out += '"';
    append_json_number_field("port", event_.port(), out);
    if (const char *name = ip_protocol_name(f.protocol))
        append_json_string_field("protocol", name, out);
    else
        append_json_number_field("protocol", f.protocol, out);
    append_json_string_field("action", action_names[f.action], out);
    append_json_number_field("bind_count", f.bind_count, out);
    out += "}\n";
}

RecordStatus BindMonitorFormatter::format(std::span<const std::byte> record, std::string &out)
{
    const RecordStatus status = decode_bind_event(record, event_);
    if (!status.is_ok())
        return status;
    utf16le_to_utf8(event_.app_id, app_id_);
    if (format_ == OutputFormat::json)
        append_json(out);
    else
        append_human(out);
    return status;
}

} // namespace winbpf::monitor
