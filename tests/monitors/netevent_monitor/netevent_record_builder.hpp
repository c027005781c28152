// SPDX-License-Identifier: MIT
// Builds ring buffer records as bpf/netevent_monitor.c writes them (both headers, then the captured payload), and
// the packets they carry, for the unit tests and bench/monitor_bench.
#pragma once

#include "netevent_monitor.hpp"

#include <arpa/inet.h>
#include <endian.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace winbpf::monitor::test
{

using Bytes = std::vector<std::byte>;

// 2023-11-14T22:13:20Z (Unix 1700000000) plus 123.4 µs, as FILETIME.
inline constexpr std::uint64_t event_filetime = filetime_unix_epoch + 1'700'000'000ULL * 10'000'000 + 1'234;
inline constexpr const char *event_time = "2023-11-14T22:13:20.000123Z";

inline Bytes bytes_of(std::initializer_list<unsigned> values)
{
    Bytes out;
    for (unsigned v : values)
        out.push_back(static_cast<std::byte>(v));
    return out;
}

inline void put_be16(Bytes &bytes, std::size_t at, std::uint16_t value)
{
    bytes[at] = static_cast<std::byte>(value >> 8);
    bytes[at + 1] = static_cast<std::byte>(value & 0xFF);
}

/// IPv4 header (20 bytes, no options) + 8-byte UDP or 20-byte TCP header + data.
inline Bytes ipv4_packet(std::uint8_t protocol, std::array<unsigned, 4> src, std::array<unsigned, 4> dst,
                         std::uint16_t sport, std::uint16_t dport, const std::string &data)
{
    const std::size_t l4 = protocol == IPPROTO_TCP ? 20 : 8;
    Bytes p(20 + l4);
    p[0] = std::byte{0x45};
    put_be16(p, 2, static_cast<std::uint16_t>(20 + l4 + data.size()));
    p[8] = std::byte{64};
    p[9] = static_cast<std::byte>(protocol);
    for (int i = 0; i < 4; ++i) {
        p[12 + i] = static_cast<std::byte>(src[i]);
        p[16 + i] = static_cast<std::byte>(dst[i]);
    }
    put_be16(p, 20, sport);
    put_be16(p, 22, dport);
    for (char c : data)
        p.push_back(static_cast<std::byte>(c));
    return p;
}

/// IPv6 header (::1 -> ::2 unless changed) with the given next header, then extra (extension headers), then the
/// UDP/TCP ports.
inline Bytes ipv6_packet(std::uint8_t next, const Bytes &extra, std::uint16_t sport, std::uint16_t dport)
{
    Bytes p(40);
    p[0] = std::byte{0x60};
    p[6] = static_cast<std::byte>(next);
    p[23] = std::byte{1};
    p[39] = std::byte{2};
    // resize + memcpy: GCC 12 misreads an insert at the end as out of bounds.
    p.resize(40 + extra.size() + 20);
    if (!extra.empty())
        std::memcpy(p.data() + 40, extra.data(), extra.size());
    const std::size_t at = 40 + extra.size();
    put_be16(p, at, sport);
    put_be16(p, at + 2, dport);
    return p;
}

/// The fields of one record.
struct NeteventRecordSpec {
    NeteventType type = NeteventType::drop;
    std::uint16_t version = 1;
    std::uint32_t original_length = 0; ///< 0: the payload's size
    std::uint16_t ethertype = 0x0800;
    std::uint16_t ifindex = 1;
    std::uint32_t reason = 2;
    Bytes payload;                     ///< As the hook gave it (cut to 128 bytes in the record).
    std::optional<std::size_t> logged; ///< PacketLoggedLength; default the payload's size.
};

/// Serializes spec as bpf/netevent_monitor.c does: the two headers, then min(logged, 128) payload bytes.
inline Bytes build_netevent_record(const NeteventRecordSpec &spec)
{
    netevent_data_header_t header{static_cast<std::uint8_t>(spec.type), spec.version};
    netevent_pktmon_header_t pktmon{};
    pktmon.EventId = header.type;
    pktmon.PacketOriginalLength =
        spec.original_length ? spec.original_length : static_cast<std::uint32_t>(spec.payload.size());
    pktmon.PacketLoggedLength = static_cast<std::uint32_t>(spec.logged.value_or(spec.payload.size()));
    pktmon.PacketMetaDataLength = 40;
    pktmon.PktCount = 1;
    pktmon.AppearanceCount = 1;
    if (spec.type == NeteventType::drop) {
        pktmon.PacketType = spec.ethertype;
        pktmon.ComponentId = spec.ifindex;
        pktmon.DropReason = spec.reason;
    }
    pktmon.TimeStamp = event_filetime;
    const std::size_t captured = std::min<std::size_t>({spec.payload.size(), NETEVENT_MONITOR_PAYLOAD_MAX});
    Bytes record(sizeof(header) + sizeof(pktmon) + captured);
    std::memcpy(record.data(), &header, sizeof(header));
    std::memcpy(record.data() + sizeof(header), &pktmon, sizeof(pktmon));
    if (captured)
        std::memcpy(record.data() + NETEVENT_MONITOR_HEADERS_SIZE, spec.payload.data(), captured);
    return record;
}

/// netevent_sim's payload (netevent_sim_payload_t): type, 192.168.1.1:12345 -> 10.11.12.1:80, counter.
inline Bytes sim_payload(NeteventType type, std::uint32_t counter)
{
    netevent_sim_payload_t sim{};
    sim.event_id = static_cast<std::uint8_t>(type);
    const std::uint8_t source[] = {192, 168, 1, 1}, destination[] = {10, 11, 12, 1};
    std::memcpy(sim.source_address, source, sizeof(source));
    std::memcpy(sim.destination_address, destination, sizeof(destination));
    sim.source_port = htole16(12345);
    sim.destination_port = htole16(80);
    sim.event_counter = htole32(counter);
    Bytes out(sizeof(sim));
    std::memcpy(out.data(), &sim, sizeof(sim));
    return out;
}

/// The record of a simulated event as netevent_sim pushes it: the sim payload, PacketType and ComponentId 0, a DROP's
/// reason the simulator's SECURITY_POLICY.
inline NeteventRecordSpec sim_record_spec(NeteventType type, std::uint32_t counter)
{
    NeteventRecordSpec spec;
    spec.type = type;
    spec.ethertype = 0;
    spec.ifindex = 0;
    spec.reason = NETEVENT_SIM_DROP_REASON_SECURITY_POLICY;
    spec.payload = sim_payload(type, counter);
    return spec;
}

} // namespace winbpf::monitor::test
