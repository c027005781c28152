// SPDX-License-Identifier: MIT
// Like with like (issue 25): each reference tool of bench/reference prints, for the same real event, the line its
// monitor prints with --json: the same keys in the same order and the same values (times only in the same form, as
// each tool reads its own clock). Each test runs the monitor and its reference side by side, makes real events and
// compares their lines.
#include "support/cgroup.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/monitor_process.hpp"
#include "support/socket.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <regex>
#include <string>
#include <vector>

namespace
{

using namespace std::chrono_literals;
using winbpf::test::Family;
using winbpf::test::MonitorProcess;
using winbpf::test::Protocol;
using winbpf::test::Socket;
using Json = nlohmann::ordered_json; // keeps the order of the keys as written

class ReferenceToolsTest : public winbpf::test::KernelTest
{
};

/// The JSON objects of out's complete lines (in their key order) for which match is true; a line that is not JSON
/// fails the test.
std::vector<Json> objects(const std::string &out, const std::function<bool(const Json &)> &match)
{
    std::vector<Json> found;
    std::size_t start = 0;
    for (std::size_t end; (end = out.find('\n', start)) != std::string::npos; start = end + 1) {
        const std::string line = out.substr(start, end - start);
        Json object = Json::parse(line, nullptr, false);
        EXPECT_FALSE(object.is_discarded()) << line;
        if (!object.is_discarded() && match(object))
            found.push_back(std::move(object));
    }
    return found;
}

/// Expects reference to be monitor's line: the same keys in the same order, equal values, and for the keys in times
/// a time in the monitors' form in both ("2026-12-07T14:30:13.905779Z").
void expect_same_line(const Json &monitor, const Json &reference, const std::vector<std::string> &times)
{
    static const std::regex time_form(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)");
    std::vector<std::string> monitor_keys, reference_keys;
    for (const auto &[key, value] : monitor.items())
        monitor_keys.push_back(key);
    for (const auto &[key, value] : reference.items())
        reference_keys.push_back(key);
    EXPECT_EQ(reference_keys, monitor_keys) << "monitor: " << monitor.dump() << "\nreference: " << reference.dump();
    for (const auto &[key, value] : monitor.items()) {
        if (!reference.contains(key))
            continue;
        if (std::ranges::find(times, key) != times.end()) {
            EXPECT_TRUE(std::regex_match(value.get<std::string>(), time_form)) << key << ": " << value;
            EXPECT_TRUE(std::regex_match(reference.at(key).get<std::string>(), time_form))
                << key << ": " << reference.at(key);
        } else {
            EXPECT_EQ(reference.at(key), value)
                << key << "\nmonitor: " << monitor.dump() << "\nreference: " << reference.dump();
        }
    }
}

TEST_F(ReferenceToolsTest, BindReferencePrintsWhatBindMonitorPrints)
{
    winbpf::test::TestCgroup cgroup;
    MonitorProcess monitor({BIND_MONITOR_PATH, "--cgroup", cgroup.path().string(), "--json", "--drain-ms", "50"});
    MonitorProcess reference({BIND_REFERENCE_PATH, "--cgroup", cgroup.path().string()});
    ASSERT_TRUE(monitor.wait_ready());
    ASSERT_TRUE(reference.wait_ready());
    cgroup.enter();
    {
        Socket tcp(Family::v4, Protocol::tcp), udp(Family::v4, Protocol::udp);
        ASSERT_EQ(tcp.bind(0), 0);
        ASSERT_EQ(udp.bind(0), 0);
    } // both: UNBIND
    cgroup.leave();
    const auto all = [](const Json &) { return true; };
    ASSERT_TRUE(monitor.read_until([&] { return objects(monitor.out(), all).size() >= 6; })) << monitor.out();
    ASSERT_TRUE(reference.read_until([&] { return objects(reference.out(), all).size() >= 6; })) << reference.out();
    EXPECT_EQ(monitor.expect_clean_stop(), 6u);
    EXPECT_EQ(reference.expect_clean_stop(), 6u);

    const std::vector<Json> mine = objects(monitor.out(), all), theirs = objects(reference.out(), all);
    ASSERT_EQ(mine.size(), 6u);
    ASSERT_EQ(theirs.size(), 6u);
    for (std::size_t i = 0; i < mine.size(); ++i)
        expect_same_line(mine[i], theirs[i], {"timestamp"});
    EXPECT_EQ(mine[1].at("type"), "post_bind"); // the lines compared are real events
    EXPECT_EQ(mine[1].at("process_id"), getpid());
}

TEST_F(ReferenceToolsTest, ConnectionReferencePrintsWhatConnectionMonitorPrints)
{
    winbpf::test::TestCgroup cgroup;
    MonitorProcess monitor({CONNECTION_MONITOR_PATH, "--cgroup", cgroup.path().string(), "--json", "--drain-ms", "50"});
    MonitorProcess reference({CONNECTION_REFERENCE_PATH, "--cgroup", cgroup.path().string()});
    ASSERT_TRUE(monitor.wait_ready());
    ASSERT_TRUE(reference.wait_ready());
    cgroup.enter();
    {
        // One loopback TCP connection, both ends this process's: connect, accept, and a close of each end.
        Socket listener = winbpf::test::bound_loopback(Family::v4, Protocol::tcp);
        ASSERT_EQ(::listen(listener.fd(), 1), 0);
        Socket client(Family::v4, Protocol::tcp);
        const sockaddr_in server = winbpf::test::loopback_v4(listener.local_port());
        ASSERT_EQ(::connect(client.fd(), reinterpret_cast<const sockaddr *>(&server), sizeof server), 0);
        const int accepted = ::accept(listener.fd(), nullptr, nullptr);
        ASSERT_GE(accepted, 0);
        ::close(accepted);
    }
    cgroup.leave();
    const auto all = [](const Json &) { return true; };
    ASSERT_TRUE(monitor.read_until([&] { return objects(monitor.out(), all).size() >= 4; })) << monitor.out();
    ASSERT_TRUE(reference.read_until([&] { return objects(reference.out(), all).size() >= 4; })) << reference.out();
    EXPECT_EQ(monitor.expect_clean_stop(), 4u);
    EXPECT_EQ(reference.expect_clean_stop(), 4u);

    std::vector<Json> mine = objects(monitor.out(), all), theirs = objects(reference.out(), all);
    ASSERT_EQ(mine.size(), 4u);
    ASSERT_EQ(theirs.size(), 4u);
    for (std::size_t i = 0; i < mine.size(); ++i) {
        // Durations are each tool's own measurement of the same flow: present in the same place, compared loosely.
        ASSERT_EQ(mine[i].contains("duration_us"), theirs[i].contains("duration_us")) << mine[i] << theirs[i];
        if (mine[i].contains("duration_us")) {
            EXPECT_LT(mine[i].at("duration_us").get<long>(), 1'000'000) << mine[i];
            EXPECT_LT(theirs[i].at("duration_us").get<long>(), 1'000'000) << theirs[i];
            mine[i]["duration_us"] = theirs[i]["duration_us"] = 0;
        }
        expect_same_line(mine[i], theirs[i], {"timestamp"});
    }
    EXPECT_EQ(mine[0].at("process_id"), getpid()); // the lines compared are real events
    EXPECT_EQ(mine[0].at("protocol"), "tcp");
    EXPECT_EQ(mine[3].at("type"), "close");
}

TEST_F(ReferenceToolsTest, DropReferencePrintsWhatNeteventMonitorPrints)
{
    MonitorProcess monitor({NETEVENT_MONITOR_PATH, "--capture", "drop", "--json", "--drain-ms", "50"});
    MonitorProcess reference({DROP_REFERENCE_PATH});
    ASSERT_TRUE(monitor.wait_ready());
    ASSERT_TRUE(reference.wait_ready());
    // A datagram to a closed port on loopback: dropped (NO_SOCKET), with a payload no other drop has.
    const std::string payload = "winbpf-drop-reference-" + std::to_string(getpid());
    std::string payload_hex;
    for (const unsigned char c : payload) {
        static constexpr char digits[] = "0123456789abcdef";
        payload_hex += digits[c >> 4];
        payload_hex += digits[c & 0xF];
    }
    const sockaddr_in closed = winbpf::test::loopback_v4(winbpf::test::free_port(Family::v4, Protocol::udp));
    Socket sender(Family::v4, Protocol::udp);
    ASSERT_EQ(::sendto(sender.fd(), payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr *>(&closed),
                       sizeof closed),
              static_cast<ssize_t>(payload.size()));
    const auto ours = [&](const Json &line) {
        return line.value("payload", "").find(payload_hex) != std::string::npos;
    };
    ASSERT_TRUE(monitor.read_until([&] { return !objects(monitor.out(), ours).empty(); })) << monitor.out();
    ASSERT_TRUE(reference.read_until([&] { return !objects(reference.out(), ours).empty(); })) << reference.out();
    EXPECT_TRUE(monitor.expect_clean_stop());
    EXPECT_TRUE(reference.expect_clean_stop());

    const std::vector<Json> mine = objects(monitor.out(), ours), theirs = objects(reference.out(), ours);
    ASSERT_EQ(mine.size(), 1u);
    ASSERT_EQ(theirs.size(), 1u);
    expect_same_line(mine[0], theirs[0], {"timestamp"});
    EXPECT_EQ(mine[0].at("reason"), "NO_SOCKET");
    EXPECT_EQ(mine[0].at("destination_port"), ntohs(closed.sin_port));
}

TEST_F(ReferenceToolsTest, ExecReferencePrintsWhatProcessMonitorPrints)
{
    MonitorProcess monitor({PROCESS_MONITOR_PATH, "--json", "--drain-ms", "50"});
    MonitorProcess reference({EXEC_REFERENCE_PATH});
    ASSERT_TRUE(monitor.wait_ready());
    ASSERT_TRUE(reference.wait_ready());
    const std::string marker = "winbpf-exec-reference-" + std::to_string(getpid());
    const winbpf::test::CommandResult run = winbpf::test::run({"/bin/sh", "-c", "exit 3", marker});
    ASSERT_TRUE(run.status);
    const auto ours = [&](const Json &line) { return line.value("process_id", 0) == run.pid; };
    ASSERT_TRUE(monitor.read_until([&] { return objects(monitor.out(), ours).size() >= 2; })) << monitor.out();
    ASSERT_TRUE(reference.read_until([&] { return objects(reference.out(), ours).size() >= 2; })) << reference.out();
    EXPECT_TRUE(monitor.expect_clean_stop());
    EXPECT_TRUE(reference.expect_clean_stop());

    const std::vector<Json> mine = objects(monitor.out(), ours), theirs = objects(reference.out(), ours);
    ASSERT_EQ(mine.size(), 2u) << monitor.out();
    ASSERT_EQ(theirs.size(), 2u) << reference.out();
    for (std::size_t i = 0; i < 2; ++i)
        expect_same_line(mine[i], theirs[i], {"timestamp", "creation_time", "exit_time"});
    EXPECT_EQ(mine[0].at("type"), "process_create");
    EXPECT_EQ(mine[0].at("command_line"), "/bin/sh -c exit 3 " + marker);
    EXPECT_EQ(mine[1].at("type"), "process_delete");
    EXPECT_EQ(mine[1].at("process_exit_code"), 3);
}

} // namespace
