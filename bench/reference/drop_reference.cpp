// SPDX-License-Identifier: MIT
// drop_reference: loads drop_reference.bpf.c (embedded skeleton), prints one JSON line per dropped packet
// (netevent_monitor --json's) until SIGINT or SIGTERM, then "drop_reference: received N, lost M" on stderr. A plain
// libbpf tool, winbpf_bench drop's reference for netevent_monitor (bench/README.md); not a winbpf monitor.
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <netinet/in.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "drop_reference.h"
#include "drop_reference.skel.h"
#include "reference_json.hpp"
#include "reference_session.hpp"

namespace
{

namespace json = reference::json;

/// Names of enum skb_drop_reason without "SKB_DROP_REASON_", indexed by value, from the kernel's BTF (what
/// netevent_monitor's "reason" holds); empty when the BTF has no such enum.
std::vector<std::string> drop_reason_names()
{
    std::vector<std::string> names;
    const std::unique_ptr<btf, decltype(&btf__free)> vmlinux(btf__load_vmlinux_btf(), &btf__free);
    if (!vmlinux)
        return names;
    const int id = btf__find_by_name_kind(vmlinux.get(), "skb_drop_reason", BTF_KIND_ENUM);
    if (id < 0)
        return names;
    const btf_type *type = btf__type_by_id(vmlinux.get(), static_cast<__u32>(id));
    const struct btf_enum *values = btf_enum(type);
    constexpr std::string_view prefix = "SKB_DROP_REASON_";
    for (unsigned i = 0; i < btf_vlen(type); ++i) {
        const auto value = static_cast<std::size_t>(values[i].val);
        if (value > 4096)
            continue;
        std::string_view name = btf__name_by_offset(vmlinux.get(), values[i].name_off);
        if (name.starts_with(prefix))
            name.remove_prefix(prefix.size());
        if (names.size() <= value)
            names.resize(value + 1);
        names[value] = name;
    }
    return names;
}

/// What the tool keeps between records.
struct State {
    std::vector<std::string> reasons = drop_reason_names();
    json::BoottimeClock clock;
} state;

/// Appends netevent_monitor --json's line for a drop: type, timestamp, reason, reason_code, protocol, family,
/// addresses and ports (from the IPv4 or IPv6 header at the start of the packet, TCP or UDP ports of a first
/// fragment), the flow fields null, ifindex, packet_length, captured_length, sim_counter null, payload in hex.
int on_record(void *context, void *data, std::size_t size)
{
    auto &lines = *static_cast<reference::Lines *>(context);
    ++lines.received;
    drop_reference_event event{};
    std::memcpy(&event, data, size < sizeof event ? size : sizeof event);
    const std::size_t captured = event.captured < sizeof event.packet ? event.captured : sizeof event.packet;
    const std::uint8_t *p = event.packet;

    // The packet's facts: family 4 or 6 (0: not IP), protocol, addresses, ports.
    int family = 0;
    int protocol = -1;
    const std::uint8_t *source = nullptr, *destination = nullptr;
    std::size_t transport = 0; // offset of the TCP/UDP header, 0: none
    const unsigned version = captured ? p[0] >> 4 : 0;
    if (version == 4 && (event.protocol == 0 || event.protocol == 0x0800) && captured >= 20 && (p[0] & 0xF) >= 5) {
        family = 4;
        protocol = p[9];
        source = p + 12;
        destination = p + 16;
        if (((p[6] << 8 | p[7]) & 0x1FFF) == 0)
            transport = (p[0] & 0xFu) * 4u;
    } else if (version == 6 && (event.protocol == 0 || event.protocol == 0x86DD) && captured >= 40) {
        family = 6;
        protocol = p[6];
        source = p + 8;
        destination = p + 24;
        transport = 40;
    }
    const bool ports = transport && (protocol == IPPROTO_TCP || protocol == IPPROTO_UDP) && captured >= transport + 4;

    std::string &out = lines.out;
    out += R"({"type":"drop")";
    state.clock.field("timestamp", event.timestamp_ns, out);
    if (event.reason < state.reasons.size() && !state.reasons[event.reason].empty())
        json::string_field("reason", state.reasons[event.reason], out);
    else
        json::null_field("reason", out);
    json::number_field("reason_code", event.reason, out);
    if (protocol >= 0)
        json::number_field("protocol", static_cast<unsigned>(protocol), out);
    else
        json::null_field("protocol", out);
    if (family) {
        json::number_field("family", static_cast<unsigned>(family), out);
        json::key("source_address", out);
        json::address(family, source, out);
    } else {
        json::null_field("family", out);
        json::null_field("source_address", out);
    }
    if (ports)
        json::number_field("source_port", static_cast<unsigned>(p[transport] << 8 | p[transport + 1]), out);
    else
        json::null_field("source_port", out);
    if (family) {
        json::key("destination_address", out);
        json::address(family, destination, out);
    } else {
        json::null_field("destination_address", out);
    }
    if (ports)
        json::number_field("destination_port", static_cast<unsigned>(p[transport + 2] << 8 | p[transport + 3]), out);
    else
        json::null_field("destination_port", out);
    out += R"(,"old_state":null,"new_state":null,"process_id":null)";
    if (event.ifindex)
        json::number_field("ifindex", event.ifindex, out);
    else
        json::null_field("ifindex", out);
    json::number_field("packet_length", event.packet_length, out);
    json::number_field("captured_length", captured, out);
    json::null_field("sim_counter", out);
    json::key("payload", out);
    json::hex(p, captured, out);
    out += "}\n";
    return 0;
}

} // namespace

int main()
{
    const std::unique_ptr<drop_reference_bpf, decltype(&drop_reference_bpf__destroy)> skel(
        drop_reference_bpf__open_and_load(), &drop_reference_bpf__destroy);
    if (!skel) {
        std::fprintf(stderr, "drop_reference: loading drop_reference.bpf.o: %s\n", std::strerror(errno));
        return 1;
    }
    std::vector<reference::Link> links;
    if (!reference::attach("drop_reference", skel->progs.drop_reference, links))
        return 1;
    return reference::report_until_stopped("drop_reference", bpf_map__fd(skel->maps.events), on_record, links,
                                           &skel->bss->lost);
}
