// SPDX-License-Identifier: MIT
// build/bin/bind_monitor end to end: attached to the test's cgroup with --limit 2 --json, it prints one JSON line per
// event of this process's real binds, denies the third, and on SIGINT detaches, reports its counts and exits 0; with
// --ring-buffer-size its ring buffer map has that size.
#include "bind_fixture.hpp"

#include "support/child.hpp"
#include "support/monitor_process.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace bind_test
{
namespace
{

using namespace std::chrono_literals;
using winbpf::test::MonitorProcess;

TEST_F(BindTest, BindMonitorPrintsAndLimits)
{
    MonitorProcess monitor(
        {BIND_MONITOR_PATH, "--cgroup", cgroup->path().string(), "--limit", "2", "--json", "--drain-ms", "50"});
    ASSERT_TRUE(monitor.wait_ready());

    std::uint16_t first_port = 0;
    {
        Socket a(Family::v4, Protocol::tcp), b(Family::v6, Protocol::udp), c(Family::v4, Protocol::udp);
        ASSERT_EQ(a.bind(0), 0);
        ASSERT_EQ(b.bind(0), 0);
        EXPECT_EQ(c.bind(0), EPERM); // a process holds at most 2
        first_port = a.local_port();
    } // a and b: UNBIND
    // BIND a, POST_BIND a, BIND b, POST_BIND b, BIND c (deny), UNBIND b and a (order of the closes).
    ASSERT_TRUE(monitor.read_until([&] { return monitor.json_lines().size() >= 7; })) << monitor.out();
    EXPECT_EQ(monitor.expect_clean_stop(), 7u);

    const std::vector<nlohmann::json> lines = monitor.json_lines();
    ASSERT_EQ(lines.size(), 7u) << monitor.out();
    std::string app_id = std::filesystem::read_symlink("/proc/self/exe").filename().string();
    for (const nlohmann::json &line : lines) {
        EXPECT_EQ(line.at("process_id"), getpid()) << line;
        EXPECT_EQ(line.at("app_id"), app_id) << line;
        EXPECT_TRUE(line.at("timestamp").get<std::string>().ends_with("Z")) << line;
    }
    EXPECT_EQ(lines[0].at("type"), "bind");
    EXPECT_EQ(lines[0].at("family"), 4);
    EXPECT_EQ(lines[0].at("address"), "127.0.0.1");
    EXPECT_EQ(lines[0].at("port"), 0);
    EXPECT_EQ(lines[0].at("protocol"), "tcp");
    EXPECT_EQ(lines[0].at("action"), "permit");
    EXPECT_EQ(lines[1].at("type"), "post_bind");
    EXPECT_EQ(lines[1].at("port"), first_port);
    EXPECT_EQ(lines[3].at("type"), "post_bind");
    EXPECT_EQ(lines[3].at("family"), 6);
    EXPECT_EQ(lines[3].at("address"), "::1");
    EXPECT_EQ(lines[3].at("protocol"), "udp");
    EXPECT_EQ(lines[4].at("type"), "bind");
    EXPECT_EQ(lines[4].at("action"), "deny");
    EXPECT_EQ(lines[5].at("type"), "unbind");
    EXPECT_EQ(lines[6].at("type"), "unbind");
    // TearDown checks that bind_monitor's programs are freed after it exits.
}

/// max_entries of each BPF ring buffer map (map_type 27) process pid holds a descriptor of, from /proc/PID/fdinfo.
std::vector<unsigned long> ring_buffer_sizes(pid_t pid)
{
    std::vector<unsigned long> sizes;
    for (const auto &entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fdinfo")) {
        std::ifstream in(entry.path());
        bool ring = false;
        unsigned long max_entries = 0;
        for (std::string line; std::getline(in, line);) {
            std::istringstream fields(line);
            std::string key;
            unsigned long value = 0;
            if (!(fields >> key >> value))
                continue;
            if (key == "map_type:")
                ring = value == 27; // BPF_MAP_TYPE_RINGBUF
            else if (key == "max_entries:")
                max_entries = value;
        }
        if (ring)
            sizes.push_back(max_entries);
    }
    return sizes;
}

// --ring-buffer-size (monitor/common, every monitor): bind_monitor's ring is 128 KiB instead of its object's 16 MiB,
// and the monitor works as before.
TEST_F(BindTest, BindMonitorRingBufferSize)
{
    MonitorProcess monitor({BIND_MONITOR_PATH, "--cgroup", cgroup->path().string(), "--json", "--drain-ms", "50",
                            "--ring-buffer-size", "128K"});
    ASSERT_TRUE(monitor.wait_ready());
    EXPECT_EQ(ring_buffer_sizes(monitor.pid()), std::vector<unsigned long>{128 * 1024});
    {
        Socket a(Family::v4, Protocol::tcp);
        ASSERT_EQ(a.bind(0), 0);
    } // BIND, POST_BIND, UNBIND
    ASSERT_TRUE(monitor.read_until([&] { return monitor.json_lines().size() >= 3; })) << monitor.out();
    EXPECT_EQ(monitor.expect_clean_stop(), 3u);
}

TEST_F(BindTest, BindMonitorRecordingReplaysToTheSameLines)
{
    const winbpf::test::TempDir dir;
    const std::string recording = (dir.path() / "bind.rec").string();
    MonitorProcess monitor(
        {BIND_MONITOR_PATH, "--cgroup", cgroup->path().string(), "--json", "--drain-ms", "50", "--record", recording});
    ASSERT_TRUE(monitor.wait_ready());
    {
        Socket a(Family::v4, Protocol::tcp), b(Family::v6, Protocol::udp);
        ASSERT_EQ(a.bind(0), 0);
        ASSERT_EQ(b.bind(0), 0);
    }
    ASSERT_TRUE(monitor.read_until([&] { return monitor.json_lines().size() >= 6; })) << monitor.out();
    EXPECT_EQ(monitor.expect_clean_stop(), 6u);

    // Timestamps too: the recording carries the session's CLOCK_REALTIME - CLOCK_BOOTTIME.
    const auto replay = winbpf::test::run({BIND_MONITOR_PATH, "--json", "--replay", recording}, 30s);
    EXPECT_EQ(replay.exit_code(), 0) << replay.err;
    EXPECT_EQ(replay.err, "bind_monitor: replayed 6 records, lost 0\n");
    EXPECT_EQ(replay.out, monitor.out());
}

TEST_F(BindTest, BindMonitorRejectsANonCgroupPath)
{
    auto result = winbpf::test::run({BIND_MONITOR_PATH, "--cgroup", "/tmp"}, 30s);
    EXPECT_EQ(result.exit_code(), 1);
    EXPECT_NE(result.err.find("is not a cgroup-v2 directory"), std::string::npos) << result.err;
}

} // namespace
} // namespace bind_test
