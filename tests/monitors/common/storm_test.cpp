// SPDX-License-Identifier: MIT
// Issue 11, storms: each monitor at its default settings under a burst of its events, made by the benches' generators
// in processes of their own while this test reads the monitor's output: 20,000 processes, 100,000 binds (3 records
// each), 100,000 dropped datagrams. Every generated event is printed (received + counted lost == generated) and
// nothing is lost.
#include "support/cgroup.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/monitor_process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#if !defined(PROCESS_MONITOR_PATH) || !defined(EXEC_GENERATOR_PATH)
#error the monitors and the bench generators must be named
#endif

namespace winbpf::monitor
{
namespace
{

using namespace std::chrono_literals;
using test::Child;

/// Longest wait for a storm's events. Generous: a safety net, not a speed check (the benches measure speed). On the
/// development VM a fork+exec of /bin/true takes 1-3 ms depending on the host, and 20,000 of them under other load
/// took over 100 s once.
constexpr auto storm_timeout = 400s;

/// Calls per_line for each complete line of a growing output, once each.
class LineReader
{
  public:
    explicit LineReader(std::function<void(std::string_view)> per_line) : per_line_(std::move(per_line)) {}
    void feed(const std::string &out)
    {
        for (std::size_t end; (end = out.find('\n', offset_)) != std::string::npos; offset_ = end + 1)
            per_line_(std::string_view(out).substr(offset_, end - offset_));
    }

  private:
    std::function<void(std::string_view)> per_line_;
    std::size_t offset_ = 0;
};

/// A monitor started with argv, ready ("Press Ctrl-C to stop").
test::MonitorProcess start_monitor(const std::vector<std::string> &argv)
{
    test::MonitorProcess monitor(argv);
    EXPECT_TRUE(monitor.wait_ready());
    return monitor;
}

/// Runs a generator to completion ("<done> <failures> <ns>"); expects done == count and no failure.
void expect_generated(Child &generator, std::uint64_t count)
{
    const auto status = generator.wait(storm_timeout);
    ASSERT_TRUE(test::exited_with(status, 0)) << test::describe_status(status) << generator.err();
    std::istringstream counts(generator.out());
    std::uint64_t done = 0, failures = 1;
    counts >> done >> failures;
    EXPECT_EQ(done, count) << generator.out();
    EXPECT_EQ(failures, 0u) << generator.out();
}

class Storm : public test::KernelTest
{
};

TEST_F(Storm, TwentyThousandProcessesAllPrintedNoneLost)
{
    constexpr std::uint64_t processes = 20000;
    test::TempDir dir;
    const std::string image = (dir.path() / "storm-true").string();
    std::filesystem::copy_file("/bin/true", image);
    std::filesystem::permissions(image, std::filesystem::perms::owner_all);

    test::MonitorProcess monitor = start_monitor({PROCESS_MONITOR_PATH});
    std::uint64_t created = 0, destroyed = 0;
    const std::string mine = "Image:\"" + image + "\"";
    LineReader lines([&](std::string_view line) {
        if (line.find(mine) == std::string_view::npos)
            return;
        created += line.starts_with("Process created: ");
        destroyed += line.starts_with("Process destroyed: ");
    });
    Child generator = Child::spawn({EXEC_GENERATOR_PATH, image, std::to_string(processes), "2"}, test::Output::capture);
    EXPECT_TRUE(monitor.read_until(
        [&] {
            lines.feed(monitor.out());
            return created >= processes && destroyed >= processes;
        },
        storm_timeout));
    expect_generated(generator, processes);
    const auto received = monitor.expect_clean_stop(30s); // exit 0, "received N, lost 0"
    lines.feed(monitor.out());
    EXPECT_EQ(created, processes);
    EXPECT_EQ(destroyed, processes);
    EXPECT_GE(received.value_or(0), 2 * processes);
}

TEST_F(Storm, HundredThousandBindsAllPrintedNoneLost)
{
    constexpr std::uint64_t binds = 100000;
    test::TestCgroup cgroup;
    test::MonitorProcess monitor = start_monitor({BIND_MONITOR_PATH, "--cgroup", cgroup.path().string()});
    std::map<std::string, std::uint64_t> kinds;
    LineReader lines([&](std::string_view line) { ++kinds[std::string(line.substr(0, line.find(':')))]; });
    Child generator = Child::fork_gated({BIND_GENERATOR_PATH, std::to_string(binds)}, test::Output::capture);
    std::ofstream(cgroup.path() / "cgroup.procs") << generator.pid() << std::endl;
    generator.release();
    EXPECT_TRUE(monitor.read_until(
        [&] {
            lines.feed(monitor.out());
            return kinds["Unbind"] >= binds;
        },
        storm_timeout));
    expect_generated(generator, binds);
    const auto received = monitor.expect_clean_stop(30s); // exit 0, "received N, lost 0"
    lines.feed(monitor.out());
    EXPECT_EQ(kinds["Bind"], binds);
    EXPECT_EQ(kinds["Post-bind"], binds);
    EXPECT_EQ(kinds["Unbind"], binds);
    EXPECT_EQ(kinds.size(), 3u) << "only the generator binds in its cgroup";
    EXPECT_EQ(received, 3 * binds) << "received == generated, none lost";
}

TEST_F(Storm, HundredThousandDropsAllPrintedNoneLost)
{
    constexpr std::uint64_t drops = 100000;
    test::MonitorProcess monitor = start_monitor({NETEVENT_MONITOR_PATH, "--capture", "drop"});
    // The generator sends every datagram from one socket to one closed port: its drops share their endpoints.
    std::map<std::string, std::uint64_t> flows;
    LineReader lines([&](std::string_view line) {
        constexpr std::string_view prefix = "Drop: Reason:NO_SOCKET(";
        const auto endpoints = line.find(", Protocol:udp, 127.0.0.1:");
        if (!line.starts_with(prefix) || endpoints == std::string_view::npos)
            return;
        const auto end = line.find(", IfIndex:", endpoints);
        ++flows[std::string(line.substr(endpoints, end - endpoints))];
    });
    const auto most = [&] {
        std::uint64_t top = 0;
        for (const auto &[flow, count] : flows)
            top = std::max(top, count);
        return top;
    };
    Child generator = Child::spawn({DATAGRAM_GENERATOR_PATH, std::to_string(drops)}, test::Output::capture);
    EXPECT_TRUE(monitor.read_until(
        [&] {
            lines.feed(monitor.out());
            return most() >= drops;
        },
        storm_timeout));
    expect_generated(generator, drops);
    const auto received = monitor.expect_clean_stop(30s); // exit 0, "received N, lost 0"
    lines.feed(monitor.out());
    EXPECT_EQ(most(), drops);
    EXPECT_GE(received.value_or(0), drops);
}

} // namespace
} // namespace winbpf::monitor
