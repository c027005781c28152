// SPDX-License-Identifier: MIT
// What every built monitor does before it loads anything (monitor/common/command_line.cpp), run as a command: its
// --version, and a closed stdout refused by name. No BPF: the closed stdout is tried with --replay of a recording.
#include "common/recording.hpp"

#include "support/child.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#if !defined(PROCESS_MONITOR_PATH) || !defined(BIND_MONITOR_PATH) || !defined(NETEVENT_MONITOR_PATH)
#error PROCESS_MONITOR_PATH, BIND_MONITOR_PATH and NETEVENT_MONITOR_PATH must name the built monitors
#endif
#ifndef WINBPF_VERSION
#error WINBPF_VERSION must be the version of the project
#endif

namespace winbpf::monitor
{
namespace
{

using namespace std::chrono_literals;

struct Monitor {
    const char *tool;
    const char *path;
};
const Monitor monitors[] = {{"process_monitor", PROCESS_MONITOR_PATH},
                            {"bind_monitor", BIND_MONITOR_PATH},
                            {"netevent_monitor", NETEVENT_MONITOR_PATH}};

// Issue 23: `--version` for each monitor: "<tool> <version>" on stdout, exit 0, nothing loaded.
TEST(MonitorCli, VersionOfEachMonitor)
{
    for (const Monitor &monitor : monitors) {
        SCOPED_TRACE(monitor.tool);
        const auto result = winbpf::test::run({monitor.path, "--version"}, 30s);
        EXPECT_EQ(result.exit_code(), 0) << result.err;
        EXPECT_EQ(result.out, std::string(monitor.tool) + " " + WINBPF_VERSION + "\n");
        EXPECT_EQ(result.err, "");
    }
}

// Issue 23: `<monitor> >&-` says that stdout is closed (it said "writing to stdout: Invalid argument" once a BPF object
// had taken descriptor 1, and wrote its lines into that object's descriptor meanwhile).
TEST(MonitorCli, ClosedStdoutIsSaidByEachMonitor)
{
    winbpf::test::TempDir dir;
    for (const Monitor &monitor : monitors) {
        SCOPED_TRACE(monitor.tool);
        const auto path = dir.path() / (std::string(monitor.tool) + ".rec");
        RecordingWriter(path.string(), monitor.tool, 0).flush(); // a recording without records
        const auto closed =
            winbpf::test::run({"/bin/sh", "-c", "exec \"$0\" --replay \"$1\" >&-", monitor.path, path.string()}, 30s);
        EXPECT_EQ(closed.exit_code(), 1) << winbpf::test::describe_status(closed.status);
        EXPECT_EQ(closed.err,
                  std::string(monitor.tool) +
                      ": stdout is closed: it writes its lines there (redirect it to a file or /dev/null)\n");

        const auto read_only = winbpf::test::run(
            {"/bin/sh", "-c", "exec \"$0\" --replay \"$1\" 1<\"$1\"", monitor.path, path.string()}, 30s);
        EXPECT_EQ(read_only.exit_code(), 1);
        EXPECT_EQ(read_only.err,
                  std::string(monitor.tool) + ": stdout is open for reading only: it writes its lines there\n");

        // Closed stdin and stderr are no obstacle: the replay runs (its summary would go to stderr, now /dev/null).
        const auto others_closed = winbpf::test::run(
            {"/bin/sh", "-c", "exec \"$0\" --replay \"$1\" <&- 2>&-", monitor.path, path.string()}, 30s);
        EXPECT_EQ(others_closed.exit_code(), 0);
        EXPECT_EQ(others_closed.err, "");
    }
}

} // namespace
} // namespace winbpf::monitor
