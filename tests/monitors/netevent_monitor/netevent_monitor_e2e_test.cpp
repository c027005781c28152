// SPDX-License-Identifier: MIT
// End-to-end tests of the built netevent_monitor (root): real drops and TCP flows on loopback, real BPF programs.
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/monitor_process.hpp"
#include "support/socket.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#ifndef NETEVENT_MONITOR_PATH
#error NETEVENT_MONITOR_PATH must name the built netevent_monitor
#endif

namespace winbpf::monitor
{
namespace
{

using namespace std::chrono_literals;
using winbpf::test::Child;

constexpr auto exit_timeout = test::monitor_exit_timeout;

using winbpf::test::Family;
using winbpf::test::loopback_v4;
using winbpf::test::Protocol;
using winbpf::test::Socket;

std::string hex_of(const std::string &bytes)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 0xF];
    }
    return out;
}

/// netevent_monitor options..., started (wait_ready() tells when it is attached).
class Monitor : public test::MonitorProcess
{
  public:
    explicit Monitor(std::vector<std::string> options) : MonitorProcess(command(std::move(options))) {}

  private:
    static std::vector<std::string> command(std::vector<std::string> options)
    {
        options.insert(options.begin(), NETEVENT_MONITOR_PATH);
        return options;
    }
};

/// netevent_monitor loads its programs: root, and none of them may stay loaded after it stopped.
class NeteventMonitorE2E : public winbpf::test::KernelTest
{
};

TEST_F(NeteventMonitorE2E, JsonDropOfUdpToClosedPortAndTcpFlows)
{
    Monitor monitor({"--json", "--capture", "all"});
    ASSERT_TRUE(monitor.wait_ready());

    // 1. A UDP datagram to a loopback port nobody listens on: the kernel drops it with NO_SOCKET.
    const std::uint16_t closed_port = winbpf::test::free_port(Family::v4, Protocol::udp);
    Socket sender = winbpf::test::bound_loopback(Family::v4, Protocol::udp);
    const std::uint16_t sender_port = sender.local_port();
    const std::string datagram = "winbpf-netevent-e2e-" + std::to_string(getpid());
    const sockaddr_in target = loopback_v4(closed_port);
    ASSERT_EQ(::sendto(sender.fd(), datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr *>(&target),
                       sizeof(target)),
              static_cast<ssize_t>(datagram.size()))
        << std::strerror(errno);
    auto our_drop = [&](const nlohmann::json &line) {
        return line["type"] == "drop" && line["protocol"] == 17 && line["destination_port"] == closed_port &&
               line["source_port"] == sender_port;
    };

    // 2. A TCP connection on loopback: connect, accept, close both.
    Socket listener = winbpf::test::bound_loopback(Family::v4, Protocol::tcp);
    const std::uint16_t listen_port = listener.local_port();
    ASSERT_EQ(::listen(listener.fd(), 1), 0) << std::strerror(errno);
    std::uint16_t client_port = 0;
    {
        Socket client = winbpf::test::bound_loopback(Family::v4, Protocol::tcp);
        client_port = client.local_port();
        const sockaddr_in server = loopback_v4(listen_port);
        ASSERT_EQ(::connect(client.fd(), reinterpret_cast<const sockaddr *>(&server), sizeof(server)), 0)
            << std::strerror(errno);
        Socket accepted(winbpf::UniqueFd(::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC)));
        ASSERT_GE(accepted.fd(), 0) << std::strerror(errno);
    }
    auto client_flow = [&](const char *old_state, const char *new_state) {
        return [=](const nlohmann::json &line) {
            return line["type"] == "flow" && line["source_port"] == client_port &&
                   line["destination_port"] == listen_port && line["old_state"] == old_state &&
                   line["new_state"] == new_state;
        };
    };
    auto server_flow = [&](const nlohmann::json &line) {
        return line["type"] == "flow" && line["source_port"] == listen_port &&
               line["destination_port"] == client_port && line["new_state"] == "TCP_ESTABLISHED";
    };

    EXPECT_TRUE(monitor.read_until([&] {
        return !monitor.json_lines(our_drop).empty() &&
               !monitor.json_lines(client_flow("TCP_CLOSE", "TCP_SYN_SENT")).empty() &&
               !monitor.json_lines(client_flow("TCP_SYN_SENT", "TCP_ESTABLISHED")).empty() &&
               !monitor.json_lines(server_flow).empty();
    })) << monitor.out();

    const auto drops = monitor.json_lines(our_drop);
    ASSERT_EQ(drops.size(), 1u) << monitor.out();
    const auto &drop = drops[0];
    EXPECT_EQ(drop["reason"], "NO_SOCKET");
    EXPECT_TRUE(drop["reason_code"].is_number());
    EXPECT_EQ(drop["family"], 4);
    EXPECT_EQ(drop["source_address"], "127.0.0.1");
    EXPECT_EQ(drop["destination_address"], "127.0.0.1");
    // PacketOriginalLength: the packet from its network header (IPv4 20 + UDP 8 + the datagram).
    EXPECT_EQ(drop["packet_length"], 20 + 8 + datagram.size());
    EXPECT_EQ(drop["captured_length"], 20 + 8 + datagram.size());
    EXPECT_NE(drop["payload"].get<std::string>().find(hex_of(datagram)), std::string::npos) << drop;
    EXPECT_TRUE(drop["old_state"].is_null());
    EXPECT_TRUE(drop["process_id"].is_null());
    EXPECT_TRUE(std::regex_match(drop["timestamp"].get<std::string>(),
                                 std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z")))
        << drop;

    const auto syn_sent = monitor.json_lines(client_flow("TCP_CLOSE", "TCP_SYN_SENT"));
    ASSERT_EQ(syn_sent.size(), 1u);
    EXPECT_EQ(syn_sent[0]["protocol"], 6);
    EXPECT_EQ(syn_sent[0]["family"], 4);
    EXPECT_EQ(syn_sent[0]["process_id"], getpid()); // connect() holds the socket lock
    EXPECT_TRUE(syn_sent[0]["reason"].is_null());
    EXPECT_TRUE(syn_sent[0]["reason_code"].is_null());

    monitor.expect_clean_stop();
}

TEST_F(NeteventMonitorE2E, DefaultCaptureIsDropsOnlyAndHumanLines)
{
    Monitor monitor({});
    ASSERT_TRUE(monitor.wait_ready());
    const std::uint16_t closed_port = winbpf::test::free_port(Family::v4, Protocol::udp);
    Socket sender = winbpf::test::bound_loopback(Family::v4, Protocol::udp);
    const std::uint16_t sender_port = sender.local_port();
    const std::string datagram = "\x1b[2Jhuman";
    const sockaddr_in target = loopback_v4(closed_port);
    ASSERT_GT(::sendto(sender.fd(), datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr *>(&target),
                       sizeof(target)),
              0);
    // A TCP connection too, which must not show.
    Socket listener = winbpf::test::bound_loopback(Family::v4, Protocol::tcp);
    const std::uint16_t listen_port = listener.local_port();
    ASSERT_EQ(::listen(listener.fd(), 1), 0);
    {
        Socket client(Family::v4, Protocol::tcp);
        const sockaddr_in server = loopback_v4(listen_port);
        ASSERT_EQ(::connect(client.fd(), reinterpret_cast<const sockaddr *>(&server), sizeof(server)), 0);
    }
    const std::string expected = "Drop: Reason:NO_SOCKET(";
    const std::string endpoints = "Protocol:udp, 127.0.0.1:" + std::to_string(sender_port) +
                                  " -> 127.0.0.1:" + std::to_string(closed_port) + ", IfIndex:";
    EXPECT_TRUE(monitor.read_until([&] {
        const auto at = monitor.out().find(endpoints);
        return at != std::string::npos && monitor.out().find('\n', at) != std::string::npos;
    })) << monitor.out();
    const std::string &out = monitor.out();
    const auto at = out.find(endpoints);
    ASSERT_NE(at, std::string::npos);
    const auto line_start = out.rfind('\n', at) == std::string::npos ? 0 : out.rfind('\n', at) + 1;
    const std::string line = out.substr(line_start, out.find('\n', at) - line_start);
    EXPECT_EQ(line.rfind(expected, 0), 0u) << line;
    EXPECT_NE(line.find(hex_of(datagram)), std::string::npos) << line;
    EXPECT_EQ(out.find('\x1b'), std::string::npos);
    EXPECT_EQ(out.find("Flow:"), std::string::npos) << out;
    monitor.expect_clean_stop();
}

TEST_F(NeteventMonitorE2E, RecordingReplaysToTheSameLines)
{
    const test::TempDir dir;
    const std::string recording = (dir.path() / "netevent.rec").string();
    Monitor monitor({"--json", "--record", recording});
    ASSERT_TRUE(monitor.wait_ready());
    const std::uint16_t closed_port = winbpf::test::free_port(Family::v4, Protocol::udp);
    Socket sender = winbpf::test::bound_loopback(Family::v4, Protocol::udp);
    const std::uint16_t sender_port = sender.local_port();
    const std::string datagram = "winbpf-netevent-replay-\xff\x1b";
    const sockaddr_in target = loopback_v4(closed_port);
    ASSERT_GT(::sendto(sender.fd(), datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr *>(&target),
                       sizeof(target)),
              0);
    auto our_drop = [&](const nlohmann::json &line) {
        return line["destination_port"] == closed_port && line["source_port"] == sender_port;
    };
    EXPECT_TRUE(monitor.read_until([&] { return !monitor.json_lines(our_drop).empty(); })) << monitor.out();
    const auto received = monitor.expect_clean_stop();
    ASSERT_TRUE(received);

    // The same records through the same formatter: the same bytes (other drops on the host included).
    const auto replay = test::run({NETEVENT_MONITOR_PATH, "--json", "--replay", recording}, exit_timeout);
    ASSERT_TRUE(test::exited_with(replay.status, 0)) << test::describe_status(replay.status) << replay.err;
    EXPECT_EQ(replay.out, monitor.out());
    EXPECT_NE(replay.err.find("netevent_monitor: replayed " + std::to_string(*received) + " records, lost 0\n"),
              std::string::npos)
        << replay.err;
    const auto human = test::run({NETEVENT_MONITOR_PATH, "--replay", recording}, exit_timeout);
    ASSERT_TRUE(test::exited_with(human.status, 0)) << human.err;
    EXPECT_NE(human.out.find("Protocol:udp, 127.0.0.1:" + std::to_string(sender_port) +
                             " -> 127.0.0.1:" + std::to_string(closed_port)),
              std::string::npos)
        << human.out;
}

TEST(NeteventMonitorCli, HelpAndBadCapture)
{
    Child help = Child::spawn({NETEVENT_MONITOR_PATH, "--help"}, test::Output::capture);
    const auto status = help.wait(exit_timeout);
    EXPECT_TRUE(test::exited_with(status, 0)) << test::describe_status(status);
    EXPECT_NE(help.out().find("--capture"), std::string::npos) << help.out();

    Child bad = Child::spawn({NETEVENT_MONITOR_PATH, "--capture", "everything"}, test::Output::capture);
    const auto bad_status = bad.wait(exit_timeout);
    EXPECT_TRUE(test::exited_with(bad_status, 1)) << test::describe_status(bad_status);
    EXPECT_NE(bad.err().find("--capture"), std::string::npos) << bad.err();
}

} // namespace
} // namespace winbpf::monitor
