// SPDX-License-Identifier: MIT
#include "netevent_monitor.hpp"

#include "winbpf/error.hpp"

#include <bpf/btf.h>

#include <arpa/inet.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <endian.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace winbpf::monitor
{

// shim/include/ebpf_netevent_hooks.h: the packed 53-byte pktmon header after the 4-byte netevent header, and the
// 44-byte flow record (decode_netevent_event copies them as they are).
static_assert(sizeof(netevent_data_header_t) == 4 && offsetof(netevent_data_header_t, version) == 2);
static_assert(sizeof(netevent_pktmon_header_t) == 0x35 && offsetof(netevent_pktmon_header_t, PacketLoggedLength) == 5 &&
              offsetof(netevent_pktmon_header_t, PktGroupId) == 13 &&
              offsetof(netevent_pktmon_header_t, PacketType) == 27 &&
              offsetof(netevent_pktmon_header_t, ComponentId) == 29 &&
              offsetof(netevent_pktmon_header_t, DropReason) == 35 &&
              offsetof(netevent_pktmon_header_t, ProcNum) == 43 && offsetof(netevent_pktmon_header_t, TimeStamp) == 45);
static_assert(sizeof(netevent_flow_t) == 44 && offsetof(netevent_flow_t, source_port) == 4 &&
              offsetof(netevent_flow_t, process_id) == 8 && offsetof(netevent_flow_t, source_address) == 12 &&
              offsetof(netevent_flow_t, destination_address) == 28);
// netevent_sim's payload: upstream's packed netevent_payload_t.
static_assert(sizeof(netevent_sim_payload_t) == 17 && offsetof(netevent_sim_payload_t, source_port) == 9 &&
              offsetof(netevent_sim_payload_t, event_counter) == 13);
// bpf/netevent_monitor.h.
static_assert(NETEVENT_MONITOR_HEADERS_SIZE == sizeof(netevent_data_header_t) + sizeof(netevent_pktmon_header_t) &&
              sizeof(netevent_monitor_event) == NETEVENT_MONITOR_HEADERS_SIZE + NETEVENT_MONITOR_PAYLOAD_MAX);

namespace
{

constexpr std::uint16_t current_version = 1;
constexpr std::uint16_t ethertype_ipv4 = 0x0800;
constexpr std::uint16_t ethertype_ipv6 = 0x86DD;
constexpr std::size_t ipv4_header_min = 20;
constexpr std::size_t ipv6_header_size = 40;
constexpr const char *drop_reason_prefix = "SKB_DROP_REASON_";

std::uint8_t byte_at(std::span<const std::byte> bytes, std::size_t at) noexcept
{
    return static_cast<std::uint8_t>(bytes[at]);
}

std::uint16_t be16_at(std::span<const std::byte> bytes, std::size_t at) noexcept
{
    return static_cast<std::uint16_t>(byte_at(bytes, at) << 8 | byte_at(bytes, at + 1));
}

/// Ports of the TCP or UDP header at offset at of packet, when captured.
void parse_ports(std::span<const std::byte> packet, std::size_t at, PacketFacts &facts) noexcept
{
    if (facts.protocol != IPPROTO_TCP && facts.protocol != IPPROTO_UDP)
        return;
    if (packet.size() < at + 4)
        return;
    facts.source_port = be16_at(packet, at);
    facts.destination_port = be16_at(packet, at + 2);
}

void parse_ipv4(std::span<const std::byte> packet, PacketFacts &facts) noexcept
{
    if (packet.size() < ipv4_header_min)
        return;
    const std::size_t header_size = (byte_at(packet, 0) & 0xF) * 4u;
    if (header_size < ipv4_header_min)
        return;
    facts.family = 4;
    facts.protocol = byte_at(packet, 9);
    std::memcpy(facts.source_address.data(), packet.data() + 12, 4);
    std::memcpy(facts.destination_address.data(), packet.data() + 16, 4);
    const bool first_fragment = (be16_at(packet, 6) & 0x1FFF) == 0;
    if (first_fragment)
        parse_ports(packet, header_size, facts);
}

void parse_ipv6(std::span<const std::byte> packet, PacketFacts &facts) noexcept
{
    if (packet.size() < ipv6_header_size)
        return;
    facts.family = 6;
    std::memcpy(facts.source_address.data(), packet.data() + 8, 16);
    std::memcpy(facts.destination_address.data(), packet.data() + 24, 16);
    std::uint8_t next = byte_at(packet, 6);
    std::size_t at = ipv6_header_size;
    // Extension headers: hop-by-hop (0), routing (43), destination options (60): (length + 1) * 8 bytes;
    // fragment (44): 8 bytes, ports only in the first fragment.
    for (;;) {
        if (next != 0 && next != 43 && next != 60 && next != 44)
            break;
        if (packet.size() < at + 8)
            return; // the upper-layer protocol was not captured
        const std::uint8_t following = byte_at(packet, at);
        if (next == 44) {
            if ((be16_at(packet, at + 2) & 0xFFF8) != 0) {
                facts.protocol = following;
                return;
            }
            at += 8;
        } else {
            at += (byte_at(packet, at + 1) + 1u) * 8u;
        }
        next = following;
    }
    facts.protocol = next;
    parse_ports(packet, at, facts);
}

/// "<address>:<port>" ("[<v6>]:<port>"), "?" for what is unknown.
void append_endpoint(const PacketFacts &facts, const std::array<std::uint8_t, 16> &address,
                     const std::optional<std::uint16_t> &port, std::string &out)
{
    if (facts.family == 0) {
        out += "?:";
        if (port)
            append_decimal(*port, out);
        else
            out += '?';
        return;
    }
    append_ip_endpoint(facts.family == 6 ? 6 : 4, address.data(), port, out);
}

/// Names of the simulator's drop reasons (upstream's drop_reason enum), which a simulated DROP carries.
const EnumNames &sim_drop_reasons()
{
    static const EnumNames names({{NETEVENT_SIM_DROP_REASON_NONE, "NONE"},
                                  {NETEVENT_SIM_DROP_REASON_INVALID_PACKET, "INVALID_PACKET"},
                                  {NETEVENT_SIM_DROP_REASON_SECURITY_POLICY, "SECURITY_POLICY"},
                                  {NETEVENT_SIM_DROP_REASON_BANDWIDTH_LIMIT, "BANDWIDTH_LIMIT"},
                                  {NETEVENT_SIM_DROP_REASON_INACTIVE_TIMEOUT, "INACTIVE_TIMEOUT"}});
    return names;
}

/// The facts of netevent_sim's payload (is_sim_event): IPv4 addresses, little-endian ports; it names no protocol.
void decode_sim_payload(NeteventMonitorEvent &out) noexcept
{
    netevent_sim_payload_t sim;
    std::memcpy(&sim, out.payload.data(), sizeof(sim));
    out.sim_counter = le32toh(sim.event_counter);
    out.facts.family = 4;
    std::memcpy(out.facts.source_address.data(), sim.source_address, sizeof(sim.source_address));
    std::memcpy(out.facts.destination_address.data(), sim.destination_address, sizeof(sim.destination_address));
    out.facts.source_port = le16toh(sim.source_port);
    out.facts.destination_port = le16toh(sim.destination_port);
}

/// The name, terminal-escaped, or the number.
void append_name_or_number(const std::string *name, std::uint64_t value, std::string &out)
{
    if (name)
        append_terminal_escaped(*name, out);
    else
        append_decimal(value, out);
}

} // namespace

PacketFacts parse_packet(std::span<const std::byte> packet, std::uint16_t ethertype) noexcept
{
    PacketFacts facts;
    if (packet.empty())
        return facts;
    const unsigned version = byte_at(packet, 0) >> 4;
    if (version == 4 && (ethertype == 0 || ethertype == ethertype_ipv4))
        parse_ipv4(packet, facts);
    else if (version == 6 && (ethertype == 0 || ethertype == ethertype_ipv6))
        parse_ipv6(packet, facts);
    return facts;
}

bool is_sim_event(const NeteventMonitorEvent &event) noexcept
{
    constexpr std::size_t size = sizeof(netevent_sim_payload_t);
    const netevent_pktmon_header_t &pktmon = event.pktmon;
    if (event.payload.size() != size || pktmon.PacketOriginalLength != size || pktmon.PacketLoggedLength != size ||
        byte_at(event.payload, 0) != event.header.type || pktmon.PacketType != 0 || pktmon.ComponentId != 0)
        return false;
    return event.type() == NeteventType::drop ? pktmon.DropLocation == 0 : pktmon.PktGroupId == 0;
}

RecordStatus decode_netevent_event(std::span<const std::byte> bytes, NeteventMonitorEvent &out) noexcept
{
    if (bytes.size() < NETEVENT_MONITOR_HEADERS_SIZE)
        return RecordStatus::malformed("record too short");
    std::memcpy(&out.header, bytes.data(), sizeof(out.header));
    std::memcpy(&out.pktmon, bytes.data() + sizeof(out.header), sizeof(out.pktmon));
    if (out.header.type != static_cast<std::uint8_t>(NeteventType::drop) &&
        out.header.type != static_cast<std::uint8_t>(NeteventType::flow))
        return RecordStatus::malformed("unknown event type");
    if (out.header.version != current_version)
        return RecordStatus::malformed("unknown version");
    if (out.pktmon.EventId != out.header.type)
        return RecordStatus::malformed("event id mismatch");
    const std::size_t captured = std::min<std::size_t>(out.pktmon.PacketLoggedLength, NETEVENT_MONITOR_PAYLOAD_MAX);
    if (bytes.size() != NETEVENT_MONITOR_HEADERS_SIZE + captured)
        return RecordStatus::malformed("size mismatch");
    out.payload = bytes.subspan(NETEVENT_MONITOR_HEADERS_SIZE);
    out.flow = {};
    out.facts = {};
    out.sim_counter.reset();
    if (is_sim_event(out)) {
        decode_sim_payload(out);
        return RecordStatus::ok();
    }
    if (out.type() == NeteventType::drop) {
        out.facts = parse_packet(out.payload, out.pktmon.PacketType);
        return RecordStatus::ok();
    }
    if (out.payload.size() < sizeof(netevent_flow_t))
        return RecordStatus::malformed("flow record too short");
    std::memcpy(&out.flow, out.payload.data(), sizeof(out.flow));
    if (out.flow.family != 4 && out.flow.family != 6)
        return RecordStatus::malformed("unknown flow family");
    out.facts.family = out.flow.family;
    out.facts.protocol = out.flow.protocol;
    std::memcpy(out.facts.source_address.data(), out.flow.source_address, sizeof(out.flow.source_address));
    std::memcpy(out.facts.destination_address.data(), out.flow.destination_address,
                sizeof(out.flow.destination_address));
    out.facts.source_port = ntohs(out.flow.source_port);
    out.facts.destination_port = ntohs(out.flow.destination_port);
    return RecordStatus::ok();
}

EnumNames EnumNames::from_btf(const btf &types, std::string_view enum_name, std::string_view member,
                              std::string_view prefix)
{
    const unsigned count = btf__type_cnt(&types);
    for (unsigned id = 1; id < count; ++id) {
        const btf_type *type = btf__type_by_id(&types, id);
        if (!type || !(btf_is_enum(type) || btf_is_enum64(type)))
            continue;
        const char *name = btf__name_by_offset(&types, type->name_off);
        if (!enum_name.empty() && (!name || enum_name != name))
            continue;
        std::map<std::uint64_t, std::string> names;
        bool has_member = member.empty();
        const unsigned values = btf_vlen(type);
        for (unsigned i = 0; i < values; ++i) {
            std::uint64_t value;
            std::uint32_t name_off;
            if (btf_is_enum(type)) {
                value = static_cast<std::uint32_t>(btf_enum(type)[i].val);
                name_off = btf_enum(type)[i].name_off;
            } else {
                value = btf_enum64_value(btf_enum64(type) + i);
                name_off = btf_enum64(type)[i].name_off;
            }
            const char *value_name = btf__name_by_offset(&types, name_off);
            if (!value_name)
                continue;
            std::string_view text = value_name;
            has_member = has_member || text == member;
            if (!prefix.empty() && text.starts_with(prefix))
                text.remove_prefix(prefix.size());
            names.emplace(value, std::string(text));
        }
        if (has_member)
            return EnumNames(names);
    }
    return {};
}

EnumNames::EnumNames(const std::map<std::uint64_t, std::string> &names)
{
    for (const auto &[value, name] : names) {
        Entry entry{name, {}, true};
        append_json_string(name, entry.json);
        if (value < dense_limit) {
            if (dense_.size() <= value)
                dense_.resize(value + 1);
            dense_[value] = entry;
        }
        names_.emplace(value, std::move(entry));
    }
}

KernelNames kernel_names(const btf &types)
{
    return {EnumNames::from_btf(types, "skb_drop_reason", {}, drop_reason_prefix),
            EnumNames::from_btf(types, {}, "TCP_ESTABLISHED")};
}

KernelNames load_kernel_names()
{
    std::unique_ptr<btf, decltype(&btf__free)> vmlinux(btf__load_vmlinux_btf(), &btf__free);
    if (!vmlinux) {
        const int error = errno;
        throw Error(std::string("loading the kernel's BTF (drop reason and TCP state names): ") + std::strerror(error),
                    error);
    }
    KernelNames names = kernel_names(*vmlinux);
    if (names.drop_reasons.size() == 0)
        throw Error("the kernel's BTF has no enum skb_drop_reason", ENOENT);
    if (names.tcp_states.size() == 0)
        throw Error("the kernel's BTF has no enum with TCP_ESTABLISHED", ENOENT);
    return names;
}

char *put_hex(char *p, std::span<const std::byte> bytes) noexcept
{
    std::size_t i = 0;
#if defined(__SSE2__)
    // 16 bytes at a time: each nibble n becomes '0' + n, plus 'a' - '0' - 10 where n > 9, high and low nibbles
    // interleaved (the table below took 0.4 ns a byte, most of the formatting of a 64-byte datagram's line).
    const __m128i low_nibble = _mm_set1_epi8(0x0F);
    const auto digits = [](__m128i nibbles) {
        const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(nibbles, _mm_set1_epi8(9)), _mm_set1_epi8('a' - '0' - 10));
        return _mm_add_epi8(_mm_add_epi8(nibbles, _mm_set1_epi8('0')), letter);
    };
    for (; i + 16 <= bytes.size(); i += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(bytes.data() + i));
        const __m128i high = digits(_mm_and_si128(_mm_srli_epi16(v, 4), low_nibble));
        const __m128i low = digits(_mm_and_si128(v, low_nibble));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(p), _mm_unpacklo_epi8(high, low));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(p + 16), _mm_unpackhi_epi8(high, low));
        p += 32;
    }
#endif
    // Both digits of a byte in one copy from a table of the 256 pairs (digit by digit was a quarter of
    // netevent_monitor's user CPU on 64-byte datagrams).
    static constexpr std::array<char, 512> pairs = [] {
        constexpr char digits[] = "0123456789abcdef";
        std::array<char, 512> table{};
        for (unsigned value = 0; value < 256; ++value) {
            table[2 * value] = digits[value >> 4];
            table[2 * value + 1] = digits[value & 0xF];
        }
        return table;
    }();
    for (; i < bytes.size(); ++i) {
        std::memcpy(p, &pairs[2 * static_cast<unsigned>(bytes[i])], 2);
        p += 2;
    }
    return p;
}

void append_hex(std::span<const std::byte> bytes, std::string &out)
{
    const std::size_t start = out.size();
    out.resize(start + bytes.size() * 2);
    put_hex(out.data() + start, bytes);
}

NeteventMonitorFormatter::NeteventMonitorFormatter(OutputFormat format, KernelNames names)
    : format_(format), names_(std::move(names))
{
}

const EnumNames &NeteventMonitorFormatter::drop_reasons() const noexcept
{
    return event_.sim_counter ? sim_drop_reasons() : names_.drop_reasons;
}

void NeteventMonitorFormatter::append_human(std::string &out)
{
    const NeteventMonitorEvent &e = event_;
    const PacketFacts &facts = e.facts;
    const bool drop = e.type() == NeteventType::drop;
    if (drop) {
        out += "Drop: Reason:";
        const std::string *reason = drop_reasons().find(e.pktmon.DropReason);
        if (reason)
            append_terminal_escaped(*reason, out);
        else
            out += '?';
        out += '(';
        append_decimal(e.pktmon.DropReason, out);
        out += ')';
        if (e.sim_counter) {
            out += ", Simulated:";
            append_decimal(*e.sim_counter, out);
        }
    } else if (e.sim_counter) {
        out += "Flow: Simulated:";
        append_decimal(*e.sim_counter, out);
    } else {
        out += "Flow: ";
        append_name_or_number(names_.tcp_states.find(e.flow.old_state), e.flow.old_state, out);
        out += " -> ";
        append_name_or_number(names_.tcp_states.find(e.flow.new_state), e.flow.new_state, out);
        out += ", PID:";
        if (e.flow.process_id)
            append_decimal(e.flow.process_id, out);
        else
            out += '?';
    }
    out += ", Protocol:";
    if (!facts.protocol)
        out += '?';
    else if (const char *name = ip_protocol_name(*facts.protocol))
        out += name;
    else
        append_decimal(*facts.protocol, out);
    out += ", ";
    append_endpoint(facts, facts.source_address, facts.source_port, out);
    out += " -> ";
    append_endpoint(facts, facts.destination_address, facts.destination_port, out);
    if (drop) {
        out += ", IfIndex:";
        append_decimal(e.pktmon.ComponentId, out);
        out += ", Length:";
        append_decimal(e.pktmon.PacketOriginalLength, out);
        out += ", Captured:";
        append_decimal(e.payload.size(), out);
    }
    out += ", Time:";
    times_.append(e.pktmon.TimeStamp, out);
    out += ", Payload:";
    append_hex(e.payload, out);
    out += '\n';
}

void NeteventMonitorFormatter::append_json(std::string &out)
{
    // Written directly (common/format.hpp), in the bytes nlohmann::ordered_json::dump gave. What a record does not
    // have is null; names are JSON strings without <key>_bytes (they come from the kernel's BTF, not from a packet),
    // quoted once per name (EnumNames::find_json). The line is written through a pointer into room reserved for its
    // longest form, then cut to its length: no capacity check or library call per field.
    const NeteventMonitorEvent &e = event_;
    const PacketFacts &facts = e.facts;
    const bool drop = e.type() == NeteventType::drop;
    const bool flow = !drop && !e.sim_counter; // a real flow: states and process
    const std::string *reason = drop ? drop_reasons().find_json(e.pktmon.DropReason) : nullptr;
    const std::string *old_state = flow ? names_.tcp_states.find_json(e.flow.old_state) : nullptr;
    const std::string *new_state = flow ? names_.tcp_states.find_json(e.flow.new_state) : nullptr;

    // Room: each key with its longest value (a number 20 digits, an address ip_address_max, the time max_text, each
    // with quotes), the names, two hex digits a payload byte; the fixed part takes at most 625 bytes.
    constexpr std::size_t fixed_room = 640;
    const std::size_t room = fixed_room + (reason ? reason->size() : 0) + (old_state ? old_state->size() : 0) +
                             (new_state ? new_state->size() : 0) + 2 * e.payload.size();
    const std::size_t start = out.size();
    out.resize(start + room);
    char *p = out.data() + start;

    using Number = std::optional<std::uint64_t>;
    const auto number_or_null = [&p](std::string_view key, Number value) {
        p = value ? put_json_number_field(p, key, *value) : put_json_null_field(p, key);
    };
    const auto name_or_null = [&p](std::string_view key, const std::string *json) {
        if (!json) {
            p = put_json_null_field(p, key);
            return;
        }
        p = put_json_key(p, key);
        std::memcpy(p, json->data(), json->size());
        p += json->size();
    };
    const auto address_or_null = [&p, &facts](std::string_view key, const std::array<std::uint8_t, 16> &address) {
        if (!facts.family) {
            p = put_json_null_field(p, key);
            return;
        }
        p = put_json_key(p, key);
        *p++ = '"';
        p = put_ip_address(p, facts.family, address.data());
        *p++ = '"';
    };

    constexpr std::string_view drop_start = R"({"type":"drop")", flow_start = R"({"type":"flow")";
    std::memcpy(p, (drop ? drop_start : flow_start).data(), drop_start.size());
    p += drop_start.size();
    p = times_.put_quoted(put_json_key(p, "timestamp"), e.pktmon.TimeStamp);
    name_or_null("reason", reason);
    number_or_null("reason_code", drop ? Number(static_cast<std::uint64_t>(e.pktmon.DropReason)) : std::nullopt);
    number_or_null("protocol", facts.protocol);
    number_or_null("family", facts.family ? Number(facts.family) : std::nullopt);
    address_or_null("source_address", facts.source_address);
    number_or_null("source_port", facts.source_port);
    address_or_null("destination_address", facts.destination_address);
    number_or_null("destination_port", facts.destination_port);
    name_or_null("old_state", old_state);
    name_or_null("new_state", new_state);
    number_or_null("process_id", flow && e.flow.process_id ? Number(e.flow.process_id) : std::nullopt);
    number_or_null("ifindex", drop && e.pktmon.ComponentId ? Number(static_cast<std::uint64_t>(e.pktmon.ComponentId))
                                                           : std::nullopt);
    p = put_json_number_field(p, "packet_length", e.pktmon.PacketOriginalLength);
    p = put_json_number_field(p, "captured_length", e.payload.size());
    number_or_null("sim_counter", e.sim_counter ? Number(*e.sim_counter) : std::nullopt);
    p = put_json_key(p, "payload");
    *p++ = '"';
    p = put_hex(p, e.payload);
    std::memcpy(p, "\"}\n", 3);
    p += 3;
    out.resize(static_cast<std::size_t>(p - out.data()));
}

void NeteventMonitorFormatter::append_malformed(std::span<const std::byte> record, const char *reason,
                                                std::string &out) const
{
    if (format_ == OutputFormat::json) {
        out += R"({"type":"malformed")";
        append_json_string_field("error", reason, out);
        append_json_number_field("record_length", record.size(), out);
        append_json_key("record", out);
        out += '"';
        append_hex(record, out);
        out += "\"}\n";
        return;
    }
    out += "Malformed: Error:";
    out += reason;
    out += ", Length:";
    append_decimal(record.size(), out);
    out += ", Record:";
    append_hex(record, out);
    out += '\n';
}

RecordStatus NeteventMonitorFormatter::format(std::span<const std::byte> record, std::string &out)
{
    const RecordStatus status = decode_netevent_event(record, event_);
    if (status.is_ok())
        format_ == OutputFormat::json ? append_json(out) : append_human(out);
    else
        append_malformed(record, status.reason(), out);
    return status;
}

} // namespace winbpf::monitor
