// SPDX-License-Identifier: MIT
// droppacket (bpf/droppacket.c, a Windows-style XDP program) on one end of a veth pair: real UDP datagrams from the
// other namespace are dropped and counted when they carry no payload, and pass otherwise.
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/netns.hpp"
#include "support/socket.hpp"

#include "winbpf/attachment.hpp"
#include "winbpf/error.hpp"
#include "winbpf/object.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <gtest/gtest.h>

#include "xdp_actions.h"

#include <cstring>
#include <filesystem>
#include <optional>
#include <regex>

namespace
{

using winbpf::test::receive_datagram;
using winbpf::test::send_datagram;
using winbpf::test::udp_socket_in;
using winbpf::test::VethPair;

class Xdp : public winbpf::test::KernelTest
{
  protected:
    Xdp() : KernelTest("/sys/fs/bpf/winbpf") {}
};

std::uint64_t dropped(const winbpf::Object &object)
{
    std::uint32_t key = 0;
    std::uint64_t count = 0;
    EXPECT_EQ(bpf_map_lookup_elem(bpf_map__fd(object.map("dropped_packet_map")), &key, &count), 0);
    return count;
}

// A receiver in namespace b and a sender in namespace a.
struct Traffic {
    explicit Traffic(const VethPair &pair)
        : pair(pair), receiver(udp_socket_in(pair.netns_path(VethPair::b), pair.address(VethPair::b))),
          sender(udp_socket_in(pair.netns_path(VethPair::a), pair.address(VethPair::a))),
          port(winbpf::test::local_port(receiver.get()))
    {
    }
    // Sends a datagram of size bytes to the receiver.
    void send(std::size_t size) { send_datagram(sender.get(), pair.address(VethPair::b), port, size); }

    const VethPair &pair;
    winbpf::UniqueFd receiver, sender;
    std::uint16_t port;
};

// Loads droppacket and attaches it to side b's interface (from inside b's namespace).
struct Attached {
    explicit Attached(const VethPair &pair, const std::string &interface)
        : object(winbpf::Object::open_file(DROPPACKET_OBJECT))
    {
        object.load();
        winbpf::test::NetnsScope scope(pair.netns_path(VethPair::b));
        winbpf::AttachOptions options;
        options.interface = interface;
        attachment.emplace(object, options);
    }
    winbpf::Object object;
    std::optional<winbpf::Attachment> attachment;
};

TEST_F(Xdp, DropsAndCountsEmptyDatagramsAndPassesOthers)
{
    VethPair pair;
    Traffic traffic(pair);
    Attached attached(pair, pair.interface(VethPair::b));

    traffic.send(0);
    traffic.send(10);
    // Datagrams on one veth path arrive in order: the 10-byte one is the first that arrives.
    EXPECT_EQ(receive_datagram(traffic.receiver.get(), 5000), 10);
    EXPECT_EQ(receive_datagram(traffic.receiver.get(), 0), -1) << "the empty datagram was not dropped";
    EXPECT_EQ(dropped(attached.object), 1u);

    for (int i = 0; i < 5; ++i)
        traffic.send(0);
    traffic.send(1);
    EXPECT_EQ(receive_datagram(traffic.receiver.get(), 5000), 1);
    EXPECT_EQ(dropped(attached.object), 6u);
}

TEST_F(Xdp, AttachesByIfindex)
{
    VethPair pair;
    Traffic traffic(pair);
    Attached attached(pair, std::to_string(pair.ifindex(VethPair::b)));
    traffic.send(0);
    traffic.send(3);
    EXPECT_EQ(receive_datagram(traffic.receiver.get(), 5000), 3);
    EXPECT_EQ(dropped(attached.object), 1u);
}

TEST_F(Xdp, InterfaceIndexMapLimitsItToOneInterface)
{
    VethPair pair;
    Traffic traffic(pair);
    Attached attached(pair, pair.interface(VethPair::b));
    // Another interface's index (side a's): packets of b are no longer looked at.
    std::uint32_t key = 0, other = pair.ifindex(VethPair::a) + 1000;
    ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(attached.object.map("interface_index_map")), &key, &other, BPF_ANY), 0);
    traffic.send(0);
    EXPECT_EQ(receive_datagram(traffic.receiver.get(), 5000), 0);
    EXPECT_EQ(dropped(attached.object), 0u);

    std::uint32_t own = pair.ifindex(VethPair::b);
    ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(attached.object.map("interface_index_map")), &key, &own, BPF_ANY), 0);
    traffic.send(0);
    traffic.send(2);
    EXPECT_EQ(receive_datagram(traffic.receiver.get(), 5000), 2);
    EXPECT_EQ(dropped(attached.object), 1u);
}

TEST_F(Xdp, IgnoresOtherInterfaces)
{
    VethPair pair;
    Attached attached(pair, pair.interface(VethPair::b));
    // Loopback of namespace b, where droppacket is not attached.
    winbpf::UniqueFd receiver = udp_socket_in(pair.netns_path(VethPair::b), "127.0.0.1");
    winbpf::UniqueFd sender = udp_socket_in(pair.netns_path(VethPair::b), "127.0.0.1");
    send_datagram(sender.get(), "127.0.0.1", winbpf::test::local_port(receiver.get()), 0);
    EXPECT_EQ(receive_datagram(receiver.get(), 5000), 0);
    EXPECT_EQ(dropped(attached.object), 0u);
}

// docs/hooks/xdp.md: Windows numbers the actions differently; the glue keeps what the program meant (BPF_PROG_TEST_RUN
// of the entry program on an IPv6/UDP packet).
TEST_F(Xdp, WindowsActionsKeepTheirIntent)
{
    winbpf::Object object = winbpf::Object::open_file(XDP_ACTIONS_OBJECT);
    object.load();
    ASSERT_EQ(object.hooks().size(), 1u);
    const int program = bpf_program__fd(object.hooks()[0].entries[0]);
    std::uint8_t packet[14 + 40 + 8] = {};
    packet[12] = 0x86; // EtherType IPv6
    packet[13] = 0xdd;
    packet[14] = 0x60;   // version 6
    packet[14 + 6] = 17; // next header UDP
    packet[14 + 5] = 8;  // payload length
    struct Case {
        std::uint32_t windows;
        int linux_action;
    };
    for (const Case c :
         {Case{1, XDP_PASS}, Case{2, XDP_DROP}, Case{3, XDP_TX}, Case{0, XDP_ABORTED}, Case{7, XDP_ABORTED}}) {
        std::uint32_t key = 0;
        ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(object.map("action_map")), &key, &c.windows, BPF_ANY), 0);
        std::uint8_t out[sizeof(packet) + 256];
        xdp_md linux_ctx{};
        linux_ctx.data_end = sizeof(packet);
        linux_ctx.ingress_ifindex = 1; // loopback
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = packet, .data_out = out, .data_size_in = sizeof(packet),
                    .data_size_out = sizeof(out), .ctx_in = &linux_ctx, .ctx_size_in = sizeof(linux_ctx), .repeat = 1);
        ASSERT_EQ(bpf_prog_test_run_opts(program, &opts), 0) << std::strerror(errno);
        EXPECT_EQ(static_cast<int>(opts.retval), c.linux_action) << "Windows action " << c.windows;
    }
    xdp_seen seen{};
    std::uint32_t key = 0;
    ASSERT_EQ(bpf_map_lookup_elem(bpf_map__fd(object.map("seen_map")), &key, &seen), 0);
    EXPECT_EQ(seen.length, sizeof(packet));
    EXPECT_EQ(seen.ethernet_type, 0x86dd);
    EXPECT_EQ(seen.next_header, 17);
    EXPECT_EQ(seen.ingress_ifindex, 1u) << "ingress_ifindex is the Linux ifindex";
}

// bpf_xdp_adjust_head(ctx, delta) on the Windows context: the packet moves and ctx's data and data_end follow.
TEST_F(Xdp, AdjustHeadMovesThePacketAndTheContext)
{
    winbpf::Object object = winbpf::Object::open_file(XDP_ACTIONS_OBJECT);
    object.load();
    const int program = bpf_program__fd(object.hooks()[0].entries[0]);
    std::uint8_t packet[62] = {};
    struct Case {
        std::int32_t delta;
        std::uint32_t length; // bytes the handler sees afterwards (data_end - data)
        bool moved;
    };
    for (const Case c : {Case{14, 48, true}, Case{-4, 66, true}, Case{1000, 62, false}}) {
        const std::uint32_t action_key = 0, adjust_key = 1, pass = 1;
        ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(object.map("action_map")), &action_key, &pass, BPF_ANY), 0);
        ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(object.map("action_map")), &adjust_key, &c.delta, BPF_ANY), 0);
        std::uint8_t out[sizeof(packet) + 256];
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = packet, .data_out = out, .data_size_in = sizeof(packet),
                    .data_size_out = sizeof(out), .repeat = 1);
        ASSERT_EQ(bpf_prog_test_run_opts(program, &opts), 0) << std::strerror(errno);
        EXPECT_EQ(static_cast<int>(opts.retval), XDP_PASS);
        EXPECT_EQ(opts.data_size_out, c.length) << "delta " << c.delta;
        xdp_seen seen{};
        std::uint32_t key = 0;
        ASSERT_EQ(bpf_map_lookup_elem(bpf_map__fd(object.map("seen_map")), &key, &seen), 0);
        EXPECT_EQ(seen.length, c.length) << "delta " << c.delta;
        if (c.moved)
            EXPECT_EQ(seen.adjust_result, 0);
        else
            EXPECT_LT(seen.adjust_result, 0);
    }
}

TEST_F(Xdp, InterfaceErrors)
{
    VethPair pair;
    winbpf::Object object = winbpf::Object::open_file(DROPPACKET_OBJECT);
    object.load();
    winbpf::test::NetnsScope scope(pair.netns_path(VethPair::b));
    for (const std::string interface : {"no-such-if0", "999999", "0"}) {
        winbpf::AttachOptions options;
        options.interface = interface;
        try {
            winbpf::Attachment attachment(object, options);
            ADD_FAILURE() << "attached to " << interface;
        } catch (const winbpf::Error &e) {
            EXPECT_NE(std::string(e.what()).find("Interface parameter is invalid."), std::string::npos) << e.what();
        }
    }
    try {
        winbpf::Attachment attachment(object);
        ADD_FAILURE() << "attached without an interface";
    } catch (const winbpf::Error &e) {
        EXPECT_NE(std::string(e.what()).find("interface=IFNAME|IFINDEX"), std::string::npos) << e.what();
    }
}

// One XDP program per interface: a second attach there is refused with EBUSY, named, and the first keeps working.
TEST_F(Xdp, SecondProgramOnAnInterfaceIsRefusedAndTheFirstStays)
{
    VethPair pair;
    Traffic traffic(pair);
    Attached first(pair, pair.interface(VethPair::b));
    try {
        Attached second(pair, pair.interface(VethPair::b));
        ADD_FAILURE() << "a second XDP program attached to " << pair.interface(VethPair::b);
    } catch (const winbpf::Error &e) {
        EXPECT_EQ(e.error(), EBUSY) << e.what();
        const std::string what = e.what();
        EXPECT_NE(what.find("to interface '" + pair.interface(VethPair::b) + "'"), std::string::npos) << what;
        EXPECT_NE(what.find("another XDP program is attached there"), std::string::npos) << what;
    }
    traffic.send(0);
    traffic.send(2);
    EXPECT_EQ(receive_datagram(traffic.receiver.get(), 5000), 2);
    EXPECT_EQ(dropped(first.object), 1u) << "the first program stopped dropping";
}

// `winbpf add program` in namespace b (nsenter: the same bpffs): attached after winbpf exits, gone after delete.
TEST_F(Xdp, CliAddStaysAttachedUntilDelete)
{
    VethPair pair;
    Traffic traffic(pair);
    const std::string nsenter = "/usr/bin/nsenter", net = "--net=" + pair.netns_path(VethPair::b);
    auto added = winbpf::test::run({nsenter, net, WINBPF_CLI_PATH, "add", "program", DROPPACKET_OBJECT,
                                    "interface=" + pair.interface(VethPair::b)});
    ASSERT_EQ(added.exit_code(), 0) << added.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(added.out, m, std::regex(R"(Loaded with ID (\d+))"))) << added.out;
    const std::string id = m[1];

    traffic.send(0);
    traffic.send(4);
    EXPECT_EQ(receive_datagram(traffic.receiver.get(), 5000), 4);
    EXPECT_EQ(receive_datagram(traffic.receiver.get(), 0), -1) << "the empty datagram passed";

    auto deleted = winbpf::test::run({WINBPF_CLI_PATH, "delete", "program", id});
    ASSERT_EQ(deleted.exit_code(), 0) << deleted.err;
    traffic.send(0);
    EXPECT_EQ(receive_datagram(traffic.receiver.get(), 5000), 0) << "still dropped after delete";

    auto invalid = winbpf::test::run(
        {nsenter, net, WINBPF_CLI_PATH, "add", "program", DROPPACKET_OBJECT, "interface=no-such-if0"});
    EXPECT_EQ(invalid.exit_code(), 1);
    EXPECT_NE(invalid.err.find("Interface parameter is invalid."), std::string::npos) << invalid.err;
    EXPECT_EQ(invalid.out.find("Loaded with ID"), std::string::npos);
}

} // namespace
