// SPDX-License-Identifier: MIT
// build/bin/connection_monitor end to end, attached to the test's cgroup: a TCP and a UDP exchange of this process
// show their connect, accept and close lines (text and JSON), a recording replays to the same lines, a storm of
// 20,000 TCP connections loses nothing, and with a small ring (--ring-buffer-size) and the monitor stopped, every
// event is either received or counted lost.
#include "loopback_pair.hpp"

#include "support/cgroup.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/monitor_process.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>

namespace
{

using namespace std::chrono_literals;
using sock_ops_test::Mode;
using sock_ops_test::Pair;
using winbpf::test::MonitorProcess;
using winbpf::test::Protocol;

class ConnectionMonitorTest : public winbpf::test::CgroupKernelTest
{
  protected:
    std::vector<std::string> monitor_argv(std::initializer_list<std::string> more) const
    {
        std::vector<std::string> argv{CONNECTION_MONITOR_PATH, "--cgroup", cgroup->path().string(), "--drain-ms", "50"};
        argv.insert(argv.end(), more);
        return argv;
    }
};

std::string app_id()
{
    return std::filesystem::read_symlink("/proc/self/exe").filename().string();
}

// JSON: a TCP exchange over IPv6 and a UDP one over IPv4 give connect (client), accept (server) and, after close,
// close lines with the same flow ids and a duration; every field as the issue lists it.
TEST_F(ConnectionMonitorTest, TcpAndUdpFlowsInJson)
{
    MonitorProcess monitor(monitor_argv({"--json"}));
    ASSERT_TRUE(monitor.wait_ready());
    std::uint16_t tcp_client = 0, tcp_server = 0, udp_client = 0, udp_server = 0;
    {
        Pair tcp(Mode::v6, Protocol::tcp), udp(Mode::v4, Protocol::udp);
        ASSERT_EQ(tcp.exchange(), 0);
        ASSERT_EQ(udp.exchange(), 0);
        tcp_client = tcp.client_port;
        tcp_server = tcp.server_port;
        udp_client = udp.client_port;
        udp_server = udp.server_port;
    }
    ASSERT_TRUE(monitor.read_until([&] { return monitor.json_lines().size() >= 8; })) << monitor.out();
    EXPECT_EQ(monitor.expect_clean_stop(), 8u);
    const auto lines = monitor.json_lines();
    ASSERT_EQ(lines.size(), 8u) << monitor.out();
    auto find = [&](const std::string &type, const std::string &protocol, std::uint16_t local_port) {
        for (const auto &line : lines)
            if (line.at("type") == type && line.at("protocol") == protocol && line.at("local_port") == local_port)
                return line;
        ADD_FAILURE() << "no " << type << " " << protocol << " line from port " << local_port << ":\n" << monitor.out();
        return nlohmann::json::object();
    };
    for (const auto &line : lines) {
        EXPECT_EQ(line.at("process_id"), getpid()) << line;
        EXPECT_EQ(line.at("app_id"), app_id()) << line;
        EXPECT_TRUE(line.at("timestamp").get<std::string>().ends_with("Z")) << line;
        EXPECT_NE(line.at("flow_id"), 0) << line;
        EXPECT_EQ(line.contains("duration_us"), line.at("type") == "close") << line;
    }
    const auto connect = find("connect", "tcp", tcp_client);
    EXPECT_EQ(connect.at("family"), 6);
    EXPECT_EQ(connect.at("local_address"), "::1");
    EXPECT_EQ(connect.at("remote_address"), "::1");
    EXPECT_EQ(connect.at("remote_port"), tcp_server);
    const auto accept = find("accept", "tcp", tcp_server);
    EXPECT_EQ(accept.at("remote_port"), tcp_client);
    EXPECT_EQ(find("close", "tcp", tcp_client).at("flow_id"), connect.at("flow_id"));
    EXPECT_EQ(find("close", "tcp", tcp_server).at("flow_id"), accept.at("flow_id"));
    const auto udp_connect = find("connect", "udp", udp_client);
    EXPECT_EQ(udp_connect.at("family"), 4);
    EXPECT_EQ(udp_connect.at("local_address"), "127.0.0.1");
    EXPECT_EQ(udp_connect.at("remote_port"), udp_server);
    EXPECT_EQ(find("accept", "udp", udp_server).at("remote_port"), udp_client);
    EXPECT_EQ(find("close", "udp", udp_client).at("flow_id"), udp_connect.at("flow_id"));
}

// Text: one line per flow start and end, endpoints as every tool writes them (IPv6 in brackets).
TEST_F(ConnectionMonitorTest, TextLines)
{
    MonitorProcess monitor(monitor_argv({}));
    ASSERT_TRUE(monitor.wait_ready());
    std::string client, server;
    {
        Pair tcp(Mode::v6, Protocol::tcp);
        ASSERT_EQ(tcp.exchange(), 0);
        client = "[::1]:" + std::to_string(tcp.client_port);
        server = "[::1]:" + std::to_string(tcp.server_port);
    }
    auto count = [&](const std::string &text) {
        std::size_t n = 0;
        for (std::size_t at = monitor.out().find(text); at != std::string::npos; at = monitor.out().find(text, at + 1))
            ++n;
        return n;
    };
    ASSERT_TRUE(monitor.read_until([&] { return count("\n") >= 4; })) << monitor.out();
    EXPECT_EQ(monitor.expect_clean_stop(), 4u);
    const std::string pid = "PID:" + std::to_string(getpid()) + ", AppId:\"" + app_id() + "\", Protocol:tcp, ";
    EXPECT_EQ(count("Connect: " + pid + "Local:" + client + ", Remote:" + server + ", FlowId:"), 1u) << monitor.out();
    EXPECT_EQ(count("Accept: " + pid + "Local:" + server + ", Remote:" + client + ", FlowId:"), 1u) << monitor.out();
    EXPECT_EQ(count("Close: " + pid), 2u) << monitor.out();
    EXPECT_EQ(count("us, Time:"), 2u) << "the closes carry their duration\n" << monitor.out();
}

TEST_F(ConnectionMonitorTest, RecordingReplaysToTheSameLines)
{
    const winbpf::test::TempDir dir;
    const std::string recording = (dir.path() / "connections.rec").string();
    MonitorProcess monitor(monitor_argv({"--json", "--record", recording}));
    ASSERT_TRUE(monitor.wait_ready());
    {
        Pair tcp(Mode::mapped, Protocol::tcp);
        ASSERT_EQ(tcp.exchange(), 0);
    }
    ASSERT_TRUE(monitor.read_until([&] { return monitor.json_lines().size() >= 4; })) << monitor.out();
    EXPECT_EQ(monitor.expect_clean_stop(), 4u);
    const auto replay = winbpf::test::run({CONNECTION_MONITOR_PATH, "--json", "--replay", recording}, 30s);
    EXPECT_EQ(replay.exit_code(), 0) << replay.err;
    EXPECT_EQ(replay.err, "connection_monitor: replayed 4 records, lost 0\n");
    EXPECT_EQ(replay.out, monitor.out());
}

// 20,000 TCP connections to one listener (connect, accept, close both ends): 80,000 lines, lost 0.
TEST_F(ConnectionMonitorTest, StormLosesNothing)
{
    MonitorProcess monitor(monitor_argv({"--json"}));
    ASSERT_TRUE(monitor.wait_ready());
    constexpr int connections = 20'000;
    Pair listener(Mode::v4, Protocol::tcp);
    const sockaddr_storage to = listener.server_address();
    for (int i = 0; i < connections; ++i) {
        const winbpf::UniqueFd client = sock_ops_test::open_socket(AF_INET, Protocol::tcp);
        ASSERT_EQ(::connect(client.get(), reinterpret_cast<const sockaddr *>(&to), winbpf::test::sockaddr_length(to)),
                  0)
            << "connection " << i << ": " << std::strerror(errno);
        const winbpf::UniqueFd accepted(::accept4(listener.server.get(), nullptr, nullptr, SOCK_CLOEXEC));
        ASSERT_TRUE(accepted) << "connection " << i;
    }
    const std::size_t expected = 4 * connections;
    auto lines = [&] { return static_cast<std::size_t>(std::count(monitor.out().begin(), monitor.out().end(), '\n')); };
    EXPECT_TRUE(monitor.read_until([&] { return lines() >= expected; }, 60s)) << lines();
    EXPECT_EQ(monitor.expect_clean_stop(), expected);
}

// Issue 21 §3, the stalled reader: connection_monitor --json with a 64 KiB ring (about 800 of its 80-byte records) is
// stopped (SIGSTOP) while 2,000 TCP connections (8,000 events) are made, then resumed and stopped with SIGTERM. Every
// event is received or counted lost: "received N, lost M" with M > 0 and N + M == 8,000, N event lines, and the
// in-band loss records (stage bpf, ring_buffer_full) add up to M, as does the stderr line's total.
TEST_F(ConnectionMonitorTest, StalledReaderCountsEveryLoss)
{
    MonitorProcess monitor(monitor_argv({"--json", "--ring-buffer-size", "64K"}));
    ASSERT_TRUE(monitor.wait_ready());
    monitor.signal(SIGSTOP);
    constexpr int connections = 2'000;
    {
        Pair listener(Mode::v4, Protocol::tcp);
        const sockaddr_storage to = listener.server_address();
        for (int i = 0; i < connections; ++i) {
            const winbpf::UniqueFd client = sock_ops_test::open_socket(AF_INET, Protocol::tcp);
            ASSERT_EQ(
                ::connect(client.get(), reinterpret_cast<const sockaddr *>(&to), winbpf::test::sockaddr_length(to)), 0)
                << "connection " << i << ": " << std::strerror(errno);
            const winbpf::UniqueFd accepted(::accept4(listener.server.get(), nullptr, nullptr, SOCK_CLOEXEC));
            ASSERT_TRUE(accepted) << "connection " << i;
        }
    }
    monitor.signal(SIGCONT);
    const auto status = monitor.stop(winbpf::test::monitor_exit_timeout, SIGTERM);
    ASSERT_TRUE(winbpf::test::exited_with(status, 0)) << winbpf::test::describe_status(status) << "\n" << monitor.err();

    constexpr unsigned long long generated = 4ull * connections; // connect, accept, close, close
    std::smatch summary;
    ASSERT_TRUE(
        std::regex_search(monitor.err(), summary, std::regex("connection_monitor: received ([0-9]+), lost ([0-9]+)\n")))
        << monitor.err();
    const unsigned long long received = std::stoull(summary[1]);
    const unsigned long long lost = std::stoull(summary[2]);
    EXPECT_GT(lost, 0u) << "a 64 KiB ring cannot hold " << generated << " records\n" << monitor.err();
    EXPECT_GT(received, 0u) << monitor.err();
    EXPECT_EQ(received + lost, generated) << monitor.err();

    const auto lines = monitor.json_lines();
    unsigned long long events = 0, loss_count = 0, loss_total = 0;
    for (const auto &line : lines) {
        const std::string type = line.at("type");
        if (type == "connect" || type == "accept" || type == "close") {
            ++events;
        } else if (type == "loss") {
            EXPECT_EQ(line.at("stage"), "bpf") << line;
            EXPECT_EQ(line.at("reason"), "ring_buffer_full") << line;
            loss_count += line.at("count").get<unsigned long long>();
            loss_total = line.at("total").get<unsigned long long>();
        }
    }
    EXPECT_EQ(events, received);
    EXPECT_EQ(loss_count, lost) << "the loss records' counts add up to the summary's M";
    EXPECT_EQ(loss_total, lost) << "the last loss record's total is the summary's M";
    std::string stderr_lost; // the last "lost N events (total M): ring buffer full" line's M
    const std::regex loss_line(R"(lost [0-9]+ events \(total ([0-9]+)\): ring buffer full)");
    for (auto it = std::sregex_iterator(monitor.err().begin(), monitor.err().end(), loss_line);
         it != std::sregex_iterator(); ++it)
        stderr_lost = (*it)[1];
    EXPECT_EQ(stderr_lost, std::to_string(lost)) << monitor.err();
}

} // namespace
