// SPDX-License-Identifier: MIT
// Real drops: a UDP datagram to a closed loopback port arrives as a DROP event with the kernel's NO_SOCKET reason,
// the packet from its IP header, and the documented header fields.
#include "netevent_fixture.hpp"

#include <bpf/libbpf.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace netevent_test
{
namespace
{

using namespace std::chrono_literals;

class DropTest : public NeteventTest
{
};

TEST_F(DropTest, UdpToClosedPortIsNoSocketDrop)
{
    const std::uint32_t no_socket = drop_reason("SKB_DROP_REASON_NO_SOCKET");
    Recorder recorder("drop");
    const std::uint64_t before = filetime_now();
    const UdpDrop drop = send_udp_to_closed_port();
    ASSERT_TRUE(recorder.wait_for([&](const Event &e) { return is_drop_of(e, drop); }))
        << "no DROP event for the UDP datagram to closed port " << drop.destination_port;
    const std::uint64_t after = filetime_now();
    const Event *event = nullptr;
    for (const Event &e : recorder.events())
        if (is_drop_of(e, drop))
            event = &e;
    ASSERT_NE(event, nullptr);

    // The buffer: data_meta -> 4-byte netevent header -> 53-byte pktmon header -> data -> payload -> data_end.
    EXPECT_EQ(event->header_size, headers_size) << "data_meta + 4 + 0x35 != data";
    EXPECT_EQ(event->payload_size, event->bytes.size() - headers_size);
    EXPECT_EQ(event->type(), event_drop);
    EXPECT_EQ(event->version(), 1);
    const PktmonHeader header = event->pktmon();
    EXPECT_EQ(header.EventId, event_drop);
    EXPECT_EQ(header.PacketLoggedLength, event->payload_size) << "PacketLoggedLength != data_end - data";
    EXPECT_EQ(header.PacketMetaDataLength, 40u);
    EXPECT_EQ(header.PktCount, 1);
    EXPECT_EQ(header.AppearanceCount, 1);
    EXPECT_EQ(header.PacketType, 0x0800) << "ethertype of an IPv4 skb";
    EXPECT_EQ(header.DropReason, no_socket) << "expected SKB_DROP_REASON_NO_SOCKET (" << no_socket << ")";
    EXPECT_LT(header.ProcNum, static_cast<unsigned>(libbpf_num_possible_cpus()));
    EXPECT_GE(header.TimeStamp + 20'000'000, before) << "TimeStamp more than 2 s before the send (FILETIME)";
    EXPECT_LE(header.TimeStamp, after + 20'000'000) << "TimeStamp more than 2 s after the event (FILETIME)";

    // The payload: the IPv4 packet (IP header, UDP header, the datagram), whole as it is short.
    const std::vector<std::uint8_t> packet = event->payload();
    const std::size_t expected_length = sizeof(iphdr) + 8 + drop.data.size();
    ASSERT_EQ(packet.size(), expected_length);
    EXPECT_EQ(header.PacketOriginalLength, expected_length) << "the packet's length from its network header";
    iphdr ip;
    std::memcpy(&ip, packet.data(), sizeof(ip));
    EXPECT_EQ(ip.version, 4);
    EXPECT_EQ(ip.protocol, IPPROTO_UDP);
    EXPECT_EQ(ip.saddr, htonl(INADDR_LOOPBACK));
    EXPECT_EQ(ip.daddr, htonl(INADDR_LOOPBACK));
    EXPECT_EQ(ntohs(ip.tot_len), expected_length);
    const std::size_t udp = ip.ihl * 4u;
    std::uint16_t ports[2];
    std::memcpy(ports, packet.data() + udp, 4);
    EXPECT_EQ(ntohs(ports[0]), drop.source_port);
    EXPECT_EQ(ntohs(ports[1]), drop.destination_port);
    EXPECT_EQ(std::vector<std::uint8_t>(packet.begin() + udp + 8, packet.end()), drop.data);
}

TEST_F(DropTest, LargePacketIsCutAtPayloadMax)
{
    Recorder recorder("drop");
    const UdpDrop drop = send_udp_to_closed_port(1000);
    ASSERT_TRUE(recorder.wait_for([&](const Event &e) { return is_drop_of(e, drop); }));
    for (const Event &e : recorder.events()) {
        if (!is_drop_of(e, drop))
            continue;
        EXPECT_EQ(e.payload_size, 256u) << "the payload is the first NETEVENT_PAYLOAD_MAX bytes";
        EXPECT_EQ(e.pktmon().PacketLoggedLength, 256u);
        EXPECT_EQ(e.pktmon().PacketOriginalLength, sizeof(iphdr) + 8 + drop.data.size())
            << "the original length, not the captured one";
        const std::vector<std::uint8_t> packet = e.payload();
        ASSERT_EQ(packet.size(), 256u);
        EXPECT_TRUE(std::equal(packet.begin() + sizeof(iphdr) + 8, packet.end(), drop.data.begin()));
    }
}

} // namespace
} // namespace netevent_test
