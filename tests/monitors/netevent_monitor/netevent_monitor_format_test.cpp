// SPDX-License-Identifier: MIT
// netevent_monitor's records: decoding (IPv4/IPv6, UDP/TCP drops, flows, cut payloads, malformed records) and the
// human and JSON lines, from records built by hand as bpf/netevent_monitor.c writes them.
#include "netevent_monitor.hpp"
#include "netevent_record_builder.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace winbpf::monitor
{
namespace
{

using namespace test; // the record builder
using RecordSpec = NeteventRecordSpec;

Bytes build_record(const RecordSpec &spec)
{
    return build_netevent_record(spec);
}

/// A FLOW payload.
Bytes flow_payload(unsigned family, std::uint8_t old_state, std::uint8_t new_state, std::uint32_t pid)
{
    netevent_flow_t flow{};
    flow.family = static_cast<std::uint8_t>(family);
    flow.protocol = IPPROTO_TCP;
    flow.old_state = old_state;
    flow.new_state = new_state;
    flow.source_port = htons(40000);
    flow.destination_port = htons(8080);
    flow.process_id = pid;
    if (family == 4) {
        const std::uint8_t source[] = {127, 0, 0, 1}, destination[] = {127, 0, 0, 2};
        std::memcpy(flow.source_address, source, sizeof(source));
        std::memcpy(flow.destination_address, destination, sizeof(destination));
    } else {
        flow.source_address[15] = 1;
        flow.destination_address[15] = 1;
    }
    Bytes out(sizeof(flow));
    std::memcpy(out.data(), &flow, sizeof(flow));
    return out;
}

KernelNames test_names()
{
    return {EnumNames({{2, "NO_SOCKET"}, {5, "TCP_CSUM"}}),
            EnumNames({{1, "TCP_ESTABLISHED"}, {2, "TCP_SYN_SENT"}, {7, "TCP_CLOSE"}})};
}

std::string format_line(OutputFormat format, const Bytes &record, KernelNames names = test_names())
{
    NeteventMonitorFormatter formatter(format, std::move(names));
    std::string out;
    const RecordStatus status = formatter.format(record, out);
    EXPECT_TRUE(status.is_ok()) << status.reason();
    return out;
}

nlohmann::json json_of(const Bytes &record, KernelNames names = test_names())
{
    const std::string line = format_line(OutputFormat::json, record, std::move(names));
    EXPECT_FALSE(line.empty());
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    return nlohmann::json::parse(line);
}

std::string hex(const Bytes &bytes)
{
    std::string out;
    append_hex(bytes, out);
    return out;
}

const char *malformed_reason(const Bytes &record)
{
    NeteventMonitorEvent event;
    const RecordStatus status = decode_netevent_event(record, event);
    return status.is_ok() ? "" : status.reason();
}

TEST(NeteventMonitorFormat, HexOfEveryByteValue)
{
    Bytes bytes;
    std::string expected;
    for (unsigned value = 0; value < 256; ++value) {
        bytes.push_back(static_cast<std::byte>(value));
        char digits[3];
        std::snprintf(digits, sizeof(digits), "%02x", value);
        expected += digits;
    }
    EXPECT_EQ(hex(bytes), expected);
    std::string out = "kept:";
    append_hex(Bytes{std::byte{0xab}}, out);
    EXPECT_EQ(out, "kept:ab");
    EXPECT_EQ(hex(Bytes{}), "");
}

// 16 bytes at a time, then byte by byte: every length from 0 to 100 at every start offset within 16 bytes gives
// snprintf's digits, and nothing is written beyond them.
TEST(NeteventMonitorFormat, HexOfEveryLengthAndAlignment)
{
    Bytes bytes(116);
    for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<std::byte>(i * 37 + 0x5a);
    for (std::size_t offset = 0; offset < 16; ++offset) {
        for (std::size_t length = 0; length <= 100; ++length) {
            const std::span<const std::byte> part(bytes.data() + offset, length);
            std::string expected;
            for (const std::byte b : part) {
                char digits[3];
                std::snprintf(digits, sizeof(digits), "%02x", static_cast<unsigned>(b));
                expected += digits;
            }
            std::string room(2 * length + 8, '#');
            const char *end = put_hex(room.data(), part);
            ASSERT_EQ(end, room.data() + 2 * length);
            EXPECT_EQ(room, expected + "########") << offset << " " << length;
        }
    }
}

TEST(NeteventMonitorDecode, Ipv4UdpDrop)
{
    RecordSpec spec;
    spec.payload = ipv4_packet(IPPROTO_UDP, {127, 0, 0, 1}, {127, 0, 0, 1}, 40000, 9, "hello");
    NeteventMonitorEvent event;
    const Bytes record = build_record(spec);
    ASSERT_TRUE(decode_netevent_event(record, event).is_ok());
    EXPECT_EQ(event.type(), NeteventType::drop);
    EXPECT_EQ(event.facts.family, 4u);
    EXPECT_EQ(event.facts.protocol, IPPROTO_UDP);
    EXPECT_EQ(event.facts.source_port, 40000);
    EXPECT_EQ(event.facts.destination_port, 9);
    EXPECT_EQ(event.payload.size(), spec.payload.size());
    EXPECT_EQ(event.pktmon.TimeStamp, event_filetime);
}

TEST(NeteventMonitorDecode, Ipv6TcpDropThroughExtensionHeaders)
{
    // Hop-by-hop (8 bytes) then a first fragment (offset 0) then TCP.
    const Bytes extra = bytes_of({44, 0, 0, 0, 0, 0, 0, 0, IPPROTO_TCP, 0, 0, 0, 0, 0, 0, 1});
    RecordSpec spec;
    spec.ethertype = 0x86DD;
    spec.payload = ipv6_packet(0, extra, 443, 50000);
    NeteventMonitorEvent event;
    const Bytes record = build_record(spec);
    ASSERT_TRUE(decode_netevent_event(record, event).is_ok());
    EXPECT_EQ(event.facts.family, 6u);
    EXPECT_EQ(event.facts.protocol, IPPROTO_TCP);
    EXPECT_EQ(event.facts.source_port, 443);
    EXPECT_EQ(event.facts.destination_port, 50000);

    // A later fragment: the protocol, no ports.
    const Bytes later = bytes_of({IPPROTO_UDP, 0, 0x05, 0xA8, 0, 0, 0, 1});
    spec.payload = ipv6_packet(44, later, 1, 2);
    const Bytes fragment = build_record(spec);
    ASSERT_TRUE(decode_netevent_event(fragment, event).is_ok());
    EXPECT_EQ(event.facts.protocol, IPPROTO_UDP);
    EXPECT_FALSE(event.facts.source_port);
}

TEST(NeteventMonitorDecode, CutAndForeignPayloadsKeepWhatTheyHave)
{
    const Bytes packet = ipv4_packet(IPPROTO_TCP, {10, 0, 0, 1}, {10, 0, 0, 2}, 1234, 80, std::string(300, 'x'));
    RecordSpec spec;
    spec.payload = packet;
    spec.logged = 256; // the hook's own cut; the record keeps 128
    NeteventMonitorEvent event;
    Bytes record = build_record(spec);
    ASSERT_EQ(record.size(), NETEVENT_MONITOR_HEADERS_SIZE + NETEVENT_MONITOR_PAYLOAD_MAX);
    ASSERT_TRUE(decode_netevent_event(record, event).is_ok());
    EXPECT_EQ(event.payload.size(), NETEVENT_MONITOR_PAYLOAD_MAX);
    EXPECT_EQ(event.facts.destination_port, 80);

    // Addresses but not the ports.
    spec.payload.assign(packet.begin(), packet.begin() + 22);
    spec.logged.reset();
    record = build_record(spec);
    ASSERT_TRUE(decode_netevent_event(record, event).is_ok());
    EXPECT_EQ(event.facts.family, 4u);
    EXPECT_EQ(event.facts.protocol, IPPROTO_TCP);
    EXPECT_FALSE(event.facts.source_port);

    // Not even the IP header; an empty payload; an ARP frame.
    for (const Bytes &payload : {Bytes(packet.begin(), packet.begin() + 19), Bytes{}, Bytes(28, std::byte{0x45})}) {
        spec.payload = payload;
        spec.ethertype = payload.size() == 28 ? 0x0806 : 0x0800;
        record = build_record(spec);
        ASSERT_TRUE(decode_netevent_event(record, event).is_ok());
        EXPECT_EQ(event.facts.family, 0u);
        EXPECT_FALSE(event.facts.protocol);
    }
}

TEST(NeteventMonitorDecode, Flow)
{
    RecordSpec spec;
    spec.type = NeteventType::flow;
    spec.payload = flow_payload(6, 2, 1, 77);
    NeteventMonitorEvent event;
    const Bytes record = build_record(spec);
    ASSERT_TRUE(decode_netevent_event(record, event).is_ok());
    EXPECT_EQ(event.type(), NeteventType::flow);
    EXPECT_EQ(event.facts.family, 6u);
    EXPECT_EQ(event.facts.source_port, 40000);
    EXPECT_EQ(event.facts.destination_port, 8080);
    EXPECT_EQ(event.flow.process_id, 77u);
}

TEST(NeteventMonitorDecode, MalformedRecords)
{
    RecordSpec drop;
    drop.payload = ipv4_packet(IPPROTO_UDP, {1, 2, 3, 4}, {5, 6, 7, 8}, 1, 2, "x");
    const Bytes good = build_record(drop);
    EXPECT_STREQ(malformed_reason(good), "");
    EXPECT_STREQ(malformed_reason(Bytes(good.begin(), good.begin() + 56)), "record too short");
    EXPECT_STREQ(malformed_reason(Bytes(good.begin(), good.end() - 1)), "size mismatch");
    Bytes longer = good;
    longer.push_back(std::byte{0});
    EXPECT_STREQ(malformed_reason(longer), "size mismatch");

    Bytes bad = good;
    bad[0] = std::byte{99};
    EXPECT_STREQ(malformed_reason(bad), "unknown event type");
    bad = good;
    bad[2] = std::byte{2};
    EXPECT_STREQ(malformed_reason(bad), "unknown version");
    bad = good;
    bad[4] = std::byte{101}; // EventId
    EXPECT_STREQ(malformed_reason(bad), "event id mismatch");

    RecordSpec flow;
    flow.type = NeteventType::flow;
    flow.payload = flow_payload(4, 1, 7, 0);
    flow.payload.resize(43);
    EXPECT_STREQ(malformed_reason(build_record(flow)), "flow record too short");
    flow.payload = flow_payload(5, 1, 7, 0);
    EXPECT_STREQ(malformed_reason(build_record(flow)), "unknown flow family");
}

TEST(NeteventMonitorFormatter, JsonDrop)
{
    RecordSpec spec;
    spec.payload = ipv4_packet(IPPROTO_UDP, {127, 0, 0, 1}, {127, 0, 0, 1}, 40000, 9, "hi");
    EXPECT_EQ(format_line(OutputFormat::json, build_record(spec)),
              std::string(R"({"type":"drop","timestamp":")") + event_time +
                  R"(","reason":"NO_SOCKET","reason_code":2,"protocol":17,"family":4,)"
                  R"("source_address":"127.0.0.1","source_port":40000,"destination_address":"127.0.0.1",)"
                  R"("destination_port":9,"old_state":null,"new_state":null,"process_id":null,"ifindex":1,)"
                  R"("packet_length":30,"captured_length":30,"sim_counter":null,"payload":")" +
                  hex(spec.payload) + "\"}\n");
}

TEST(NeteventMonitorFormatter, JsonUnknownReasonAndForeignPacket)
{
    RecordSpec spec;
    spec.reason = 0x10005; // a subsystem's reason: not in enum skb_drop_reason
    spec.ethertype = 0x0806;
    spec.ifindex = 0;
    spec.original_length = 60;
    spec.payload = bytes_of({0, 1, 8, 0, 6, 4, 0, 1});
    const auto line = json_of(build_record(spec));
    EXPECT_TRUE(line["reason"].is_null());
    EXPECT_EQ(line["reason_code"], 0x10005);
    for (const char *key : {"protocol", "family", "source_address", "source_port", "destination_address",
                            "destination_port", "old_state", "new_state", "process_id", "ifindex"})
        EXPECT_TRUE(line[key].is_null()) << key;
    EXPECT_EQ(line["packet_length"], 60);
    EXPECT_EQ(line["captured_length"], 8);
    EXPECT_EQ(line["payload"], "0001080006040001");
}

TEST(NeteventMonitorFormatter, JsonFlow)
{
    RecordSpec spec;
    spec.type = NeteventType::flow;
    spec.payload = flow_payload(4, 2, 1, 4242);
    EXPECT_EQ(format_line(OutputFormat::json, build_record(spec)),
              std::string(R"({"type":"flow","timestamp":")") + event_time +
                  R"(","reason":null,"reason_code":null,"protocol":6,"family":4,)"
                  R"("source_address":"127.0.0.1","source_port":40000,"destination_address":"127.0.0.2",)"
                  R"("destination_port":8080,"old_state":"TCP_SYN_SENT","new_state":"TCP_ESTABLISHED",)"
                  R"("process_id":4242,"ifindex":null,"packet_length":44,"captured_length":44,"sim_counter":null,)"
                  R"("payload":")" +
                  hex(spec.payload) + "\"}\n");

    spec.payload = flow_payload(6, 1, 99, 0); // unknown state, unknown pid
    const auto line = json_of(build_record(spec));
    EXPECT_EQ(line["family"], 6);
    EXPECT_EQ(line["source_address"], "::1");
    EXPECT_EQ(line["old_state"], "TCP_ESTABLISHED");
    EXPECT_TRUE(line["new_state"].is_null());
    EXPECT_TRUE(line["process_id"].is_null());
}

TEST(NeteventMonitorFormatter, HumanLines)
{
    RecordSpec drop;
    drop.payload = ipv4_packet(IPPROTO_UDP, {127, 0, 0, 1}, {127, 0, 0, 1}, 40000, 9, "");
    EXPECT_EQ(format_line(OutputFormat::human, build_record(drop)),
              std::string("Drop: Reason:NO_SOCKET(2), Protocol:udp, 127.0.0.1:40000 -> 127.0.0.1:9, IfIndex:1, "
                          "Length:28, Captured:28, Time:") +
                  event_time + ", Payload:" + hex(drop.payload) + "\n");

    drop.reason = 77;
    drop.payload.resize(3);
    EXPECT_EQ(format_line(OutputFormat::human, build_record(drop)),
              std::string("Drop: Reason:?(77), Protocol:?, ?:? -> ?:?, IfIndex:1, Length:3, Captured:3, Time:") +
                  event_time + ", Payload:" + hex(drop.payload) + "\n");

    RecordSpec flow;
    flow.type = NeteventType::flow;
    flow.payload = flow_payload(6, 1, 7, 0);
    EXPECT_EQ(format_line(OutputFormat::human, build_record(flow)),
              std::string("Flow: TCP_ESTABLISHED -> TCP_CLOSE, PID:?, Protocol:tcp, [::1]:40000 -> [::1]:8080, Time:") +
                  event_time + ", Payload:" + hex(flow.payload) + "\n");
}

TEST(NeteventMonitorFormatter, HostileKernelNamesAreEscaped)
{
    KernelNames names{EnumNames({{2, "EVIL\x1b[2J\n"}}), EnumNames({{1, "\x07"}})};
    RecordSpec drop;
    drop.payload = bytes_of({0x1b, 0x5b, 0x32, 0x4a});
    const std::string line = format_line(OutputFormat::human, build_record(drop), names);
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
    EXPECT_NE(line.find("Reason:EVIL\\x1b[2J\\n(2)"), std::string::npos) << line;
    EXPECT_NE(line.find("Payload:1b5b324a\n"), std::string::npos) << line;
    EXPECT_EQ(json_of(build_record(drop), names)["reason"], "EVIL\x1b[2J\n");
}

// A record that does not decode is still shown, as its raw bytes, and its status says why (the session counts it as
// lost): too short for the headers, and a FLOW whose payload is shorter than winbpf's flow record.
TEST(NeteventMonitorFormatter, MalformedRecordIsShownRaw)
{
    NeteventMonitorFormatter json_formatter(OutputFormat::json, test_names());
    std::string out = "before\n";
    const Bytes short_record = bytes_of({0x65, 0, 1, 0, 0xff});
    RecordStatus status = json_formatter.format(short_record, out);
    EXPECT_STREQ(status.reason(), "record too short");
    EXPECT_EQ(out, "before\n"
                   R"({"type":"malformed","error":"record too short","record_length":5,"record":"65000100ff"})"
                   "\n");

    RecordSpec flow;
    flow.type = NeteventType::flow;
    flow.payload = flow_payload(4, 2, 1, 4242);
    flow.payload.resize(sizeof(netevent_flow_t) - 1);
    const Bytes record = build_record(flow);
    out.clear();
    status = json_formatter.format(record, out);
    EXPECT_STREQ(status.reason(), "flow record too short");
    const auto line = nlohmann::json::parse(out);
    EXPECT_EQ(line["type"], "malformed");
    EXPECT_EQ(line["error"], "flow record too short");
    EXPECT_EQ(line["record_length"], record.size());
    EXPECT_EQ(line["record"], hex(record));

    NeteventMonitorFormatter human_formatter(OutputFormat::human, test_names());
    out.clear();
    status = human_formatter.format(record, out);
    EXPECT_STREQ(status.reason(), "flow record too short");
    EXPECT_EQ(out, "Malformed: Error:flow record too short, Length:" + std::to_string(record.size()) +
                       ", Record:" + hex(record) + "\n");
}

// netevent_sim's events (upstream's 17-byte payload) show the addresses, ports and counter the payload carries, the
// DROP's reason named by the simulator's enum (2: SECURITY_POLICY, not the kernel's reason 2).
TEST(NeteventMonitorFormatter, SimulatedEvents)
{
    const Bytes drop = build_record(sim_record_spec(NeteventType::drop, 7));
    const Bytes flow = build_record(sim_record_spec(NeteventType::flow, 70000));
    EXPECT_EQ(format_line(OutputFormat::human, drop),
              std::string("Drop: Reason:SECURITY_POLICY(2), Simulated:7, Protocol:?, 192.168.1.1:12345 -> "
                          "10.11.12.1:80, IfIndex:0, Length:17, Captured:17, Time:") +
                  event_time + ", Payload:" + hex(sim_payload(NeteventType::drop, 7)) + "\n");
    EXPECT_EQ(format_line(OutputFormat::human, flow),
              std::string("Flow: Simulated:70000, Protocol:?, 192.168.1.1:12345 -> 10.11.12.1:80, Time:") + event_time +
                  ", Payload:" + hex(sim_payload(NeteventType::flow, 70000)) + "\n");
    EXPECT_EQ(format_line(OutputFormat::json, drop),
              std::string(R"({"type":"drop","timestamp":")") + event_time +
                  R"(","reason":"SECURITY_POLICY","reason_code":2,"protocol":null,"family":4,)"
                  R"("source_address":"192.168.1.1","source_port":12345,"destination_address":"10.11.12.1",)"
                  R"("destination_port":80,"old_state":null,"new_state":null,"process_id":null,"ifindex":null,)"
                  R"("packet_length":17,"captured_length":17,"sim_counter":7,"payload":")" +
                  hex(sim_payload(NeteventType::drop, 7)) + "\"}\n");
    const auto line = json_of(flow);
    EXPECT_EQ(line["type"], "flow");
    EXPECT_EQ(line["sim_counter"], 70000);
    EXPECT_EQ(line["source_address"], "192.168.1.1");
    EXPECT_EQ(line["source_port"], 12345);
    EXPECT_EQ(line["destination_address"], "10.11.12.1");
    EXPECT_EQ(line["destination_port"], 80);
    for (const char *key : {"reason", "reason_code", "protocol", "old_state", "new_state", "process_id", "ifindex"})
        EXPECT_TRUE(line[key].is_null()) << key;
}

// Only netevent_sim's payload is read as one: a real event of the same size or first byte keeps its own meaning.
TEST(NeteventMonitorDecode, SimulatedPayloadOnlyFromTheSimulator)
{
    NeteventMonitorEvent event;
    RecordSpec spec = sim_record_spec(NeteventType::drop, 1);
    ASSERT_TRUE(decode_netevent_event(build_record(spec), event).is_ok());
    EXPECT_TRUE(is_sim_event(event));
    EXPECT_EQ(event.sim_counter, 1u);

    Bytes record = build_record(spec);
    record[sizeof(netevent_data_header_t) + offsetof(netevent_pktmon_header_t, DropLocation)] =
        std::byte{1}; // a kernel's drop
    ASSERT_TRUE(decode_netevent_event(record, event).is_ok());
    EXPECT_FALSE(event.sim_counter);
    EXPECT_EQ(event.facts.family, 0u); // 0x64...: not an IP packet of 17 bytes

    spec.ethertype = 0x86DD; // a packet with an ethertype is the kernel's
    ASSERT_TRUE(decode_netevent_event(build_record(spec), event).is_ok());
    EXPECT_FALSE(event.sim_counter);

    spec = sim_record_spec(NeteventType::drop, 1);
    spec.original_length = 40; // cut from a longer packet
    ASSERT_TRUE(decode_netevent_event(build_record(spec), event).is_ok());
    EXPECT_FALSE(event.sim_counter);

    spec = sim_record_spec(NeteventType::flow, 1);
    spec.payload[0] = std::byte{100}; // the payload says DROP, the header FLOW
    EXPECT_STREQ(malformed_reason(build_record(spec)), "flow record too short");

    spec = sim_record_spec(NeteventType::flow, 1);
    record = build_record(spec);
    record[sizeof(netevent_data_header_t) + offsetof(netevent_pktmon_header_t, PktGroupId)] =
        std::byte{9}; // a socket's cookie
    EXPECT_STREQ(malformed_reason(record), "flow record too short");
}

// The line of record as netevent_monitor built it before it wrote JSON directly: an nlohmann::ordered_json object of
// the same fields, null for what the record does not have, dumped with error_handler_t::replace.
std::string nlohmann_line(const Bytes &record, const KernelNames &names)
{
    using json = nlohmann::ordered_json;
    NeteventMonitorEvent event;
    EXPECT_TRUE(decode_netevent_event(record, event).is_ok());
    const NeteventMonitorEvent &e = event; // const: a packed field then binds to a copy
    const PacketFacts &facts = e.facts;
    const bool drop = e.type() == NeteventType::drop;
    const auto name_or_null = [](const std::string *name) { return name ? json(*name) : json(nullptr); };
    const auto address = [&facts](const std::array<std::uint8_t, 16> &bytes) {
        if (!facts.family)
            return json(nullptr);
        std::string text;
        append_ip_address(facts.family, bytes.data(), text);
        return json(text);
    };
    std::string payload;
    append_hex(e.payload, payload);

    json line = json::object();
    line["type"] = drop ? "drop" : "flow";
    line["timestamp"] = filetime_to_iso8601(e.pktmon.TimeStamp);
    const EnumNames simulator({{NETEVENT_SIM_DROP_REASON_SECURITY_POLICY, "SECURITY_POLICY"}}); // the sim records'
    const EnumNames &reasons = e.sim_counter ? simulator : names.drop_reasons;
    line["reason"] = drop ? name_or_null(reasons.find(e.pktmon.DropReason)) : json(nullptr);
    line["reason_code"] = drop ? json(e.pktmon.DropReason) : json(nullptr);
    line["protocol"] = facts.protocol ? json(*facts.protocol) : json(nullptr);
    line["family"] = facts.family ? json(facts.family) : json(nullptr);
    line["source_address"] = address(facts.source_address);
    line["source_port"] = facts.source_port ? json(*facts.source_port) : json(nullptr);
    line["destination_address"] = address(facts.destination_address);
    line["destination_port"] = facts.destination_port ? json(*facts.destination_port) : json(nullptr);
    const bool flow = !drop && !e.sim_counter;
    line["old_state"] = flow ? name_or_null(names.tcp_states.find(e.flow.old_state)) : json(nullptr);
    line["new_state"] = flow ? name_or_null(names.tcp_states.find(e.flow.new_state)) : json(nullptr);
    line["process_id"] = flow && e.flow.process_id ? json(e.flow.process_id) : json(nullptr);
    line["ifindex"] = drop && e.pktmon.ComponentId ? json(e.pktmon.ComponentId) : json(nullptr);
    line["packet_length"] = e.pktmon.PacketOriginalLength;
    line["captured_length"] = e.payload.size();
    line["sim_counter"] = e.sim_counter ? json(*e.sim_counter) : json(nullptr);
    line["payload"] = payload;
    return line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

// The directly written JSON lines are exactly nlohmann's, record after record through one formatter, and each
// parses: IPv4 and IPv6 drops (known, unknown and extreme reasons; ifindex 0 and 65535; cut, empty, foreign and
// fragmented packets), IPv4 and IPv6 flows (known and unknown pid and states), simulated drops and flows, and kernel
// names with controls, quotes, backslashes and invalid UTF-8 (U+FFFD, no *_bytes key).
TEST(NeteventMonitorFormatter, JsonSameBytesAsNlohmann)
{
    std::vector<Bytes> records;
    RecordSpec drop;
    drop.payload = ipv4_packet(IPPROTO_UDP, {127, 0, 0, 1}, {10, 1, 2, 3}, 40000, 9, "hello");
    records.push_back(build_record(drop));
    {
        RecordSpec spec; // IPv6 TCP through hop-by-hop and a first fragment
        spec.ethertype = 0x86DD;
        spec.reason = 5;
        spec.ifindex = 65535;
        spec.payload =
            ipv6_packet(0, bytes_of({44, 0, 0, 0, 0, 0, 0, 0, IPPROTO_TCP, 0, 0, 0, 0, 0, 0, 1}), 443, 65535);
        records.push_back(build_record(spec));
        spec.payload = ipv6_packet(44, bytes_of({IPPROTO_UDP, 0, 0x05, 0xA8, 0, 0, 0, 1}), 1, 2); // later fragment
        records.push_back(build_record(spec));
    }
    {
        RecordSpec spec; // unknown reason, ARP frame, no device
        spec.reason = 0x10005;
        spec.ethertype = 0x0806;
        spec.ifindex = 0;
        spec.original_length = 60;
        spec.payload = bytes_of({0, 1, 8, 0, 6, 4, 0, 1});
        records.push_back(build_record(spec));
    }
    {
        RecordSpec spec; // extreme numbers, empty payload
        spec.reason = UINT32_MAX;
        spec.original_length = UINT32_MAX;
        records.push_back(build_record(spec));
    }
    {
        const Bytes packet = ipv4_packet(IPPROTO_TCP, {10, 0, 0, 1}, {10, 0, 0, 2}, 1234, 80, std::string(300, 'x'));
        RecordSpec spec;
        spec.payload = packet;
        spec.logged = 256; // cut to 128 in the record
        records.push_back(build_record(spec));
        spec.payload.assign(packet.begin(), packet.begin() + 22); // addresses, no ports
        spec.logged.reset();
        records.push_back(build_record(spec));
    }
    RecordSpec flow;
    flow.type = NeteventType::flow;
    flow.payload = flow_payload(4, 2, 1, 4242);
    records.push_back(build_record(flow));
    flow.payload = flow_payload(6, 1, 99, 0); // unknown new state, unknown pid
    records.push_back(build_record(flow));
    flow.payload = flow_payload(6, 7, 2, UINT32_MAX);
    records.push_back(build_record(flow));
    records.push_back(build_record(sim_record_spec(NeteventType::drop, 1)));
    records.push_back(build_record(sim_record_spec(NeteventType::flow, UINT32_MAX)));

    const KernelNames hostile{EnumNames({{2, "EVIL\x1b[2J\n\"q\" \\ \x01\x7f\xc2\x9b \xff\xfe \xc3( \xe2\x82"}}),
                              EnumNames({{1, "\x07\t\r\b\f"}, {2, "\xf0\x9f\x98\x80 \xed\xa0\x80"}})};
    for (const KernelNames &names : {test_names(), hostile, KernelNames{}}) {
        NeteventMonitorFormatter formatter(OutputFormat::json, names);
        std::string out, expected;
        for (const Bytes &record : records) {
            const std::size_t start = out.size();
            ASSERT_TRUE(formatter.format(record, out).is_ok());
            const std::string line = out.substr(start);
            const std::string reference = nlohmann_line(record, names);
            EXPECT_EQ(line, reference);
            EXPECT_EQ(line.find('\n'), line.size() - 1);
            EXPECT_TRUE(nlohmann::json::parse(line).is_object()) << line;
            expected += reference;
        }
        EXPECT_EQ(out, expected);
    }
}

// The JSON line is written into room reserved for its longest form: the longest one of each field still comes out
// whole and as nlohmann writes it, after text already in the buffer: IPv6 addresses of eight 4-digit groups, the
// largest numbers, the last FILETIME (a 5-digit year), a full 128-byte payload, and a 2,000-byte reason name of
// control characters (six bytes each in JSON) and 1,000 invalid bytes (three each as U+FFFD).
TEST(NeteventMonitorFormatter, JsonLongestFieldsComeOutWhole)
{
    Bytes packet = ipv6_packet(IPPROTO_UDP, {}, 65535, 65535);
    for (std::size_t i = 8; i < 40; ++i)
        packet[i] = std::byte{0xfe}; // fefe:fefe:... both addresses, 39 characters each
    packet.resize(300, std::byte{0xa5});
    RecordSpec spec;
    spec.ethertype = 0x86DD;
    spec.reason = UINT32_MAX;
    spec.ifindex = UINT16_MAX;
    spec.original_length = UINT32_MAX;
    spec.payload = packet;
    Bytes record = build_record(spec);
    const std::uint64_t last_filetime = UINT64_MAX;
    std::memcpy(record.data() + sizeof(netevent_data_header_t) + offsetof(netevent_pktmon_header_t, TimeStamp),
                &last_filetime, sizeof last_filetime);

    const KernelNames names{EnumNames({{UINT32_MAX, std::string(1000, '\x01') + std::string(1000, '\xff')}}), {}};
    NeteventMonitorFormatter formatter(OutputFormat::json, names);
    std::string out = "before\n";
    ASSERT_TRUE(formatter.format(record, out).is_ok());
    const std::string line = nlohmann_line(record, names);
    EXPECT_EQ(out, "before\n" + line);
    EXPECT_NE(line.find(R"("source_address":"fefe:fefe:fefe:fefe:fefe:fefe:fefe:fefe")"), std::string::npos) << line;
    EXPECT_EQ(filetime_to_iso8601(last_filetime).size(), 28u); // a 5-digit year
    EXPECT_NE(line.find(R"("timestamp":")" + filetime_to_iso8601(last_filetime) + '"'), std::string::npos) << line;
    EXPECT_NE(line.find(R"("packet_length":4294967295,"captured_length":128,)"), std::string::npos) << line;
    EXPECT_GT(line.size(), 6000u + 3000u + 2 * 128u);
    EXPECT_TRUE(nlohmann::json::parse(line).is_object());
}

} // namespace
} // namespace winbpf::monitor
