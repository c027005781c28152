// SPDX-License-Identifier: MIT
// What every built monitor does before it loads anything (monitor/common/command_line.cpp), run as a command: its
// --version, a closed stdout refused by name, and a bad --ring-buffer-size refused with what it accepts. No BPF: the
// closed stdout is tried with --replay of a recording.
#include "common/command_line.hpp"
#include "common/recording.hpp"

#include "winbpf/error.hpp"

#include "support/child.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <string>
#include <unistd.h>
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

// --ring-buffer-size's values: bytes, K or M; a power of two from the page size to 512M.
TEST(MonitorCli, RingBufferSizeValues)
{
    EXPECT_EQ(parse_ring_buffer_size("64K"), 64u * 1024);
    EXPECT_EQ(parse_ring_buffer_size("64k"), 64u * 1024);
    EXPECT_EQ(parse_ring_buffer_size("16M"), 16u * 1024 * 1024);
    EXPECT_EQ(parse_ring_buffer_size("512M"), 512u * 1024 * 1024);
    EXPECT_EQ(parse_ring_buffer_size("1048576"), 1024u * 1024);
    const auto page = static_cast<std::uint32_t>(::sysconf(_SC_PAGESIZE));
    EXPECT_EQ(parse_ring_buffer_size(std::to_string(page)), page);
    auto refusal = [](const std::string &text) -> std::string {
        try {
            return "accepted as " + std::to_string(parse_ring_buffer_size(text));
        } catch (const winbpf::Error &error) {
            return error.what();
        }
    };
    const std::string accepted = ": the ring buffer's size is bytes, or with K or M, a power of two from the page size "
                                 "to 512M (e.g. 64K, 1M, 16M)";
    EXPECT_EQ(refusal("100000"), "'100000' is not a power of two" + accepted);
    EXPECT_EQ(refusal("96K"), "'96K' is not a power of two" + accepted);
    EXPECT_EQ(refusal("1024M"), "'1024M' is larger than 512M" + accepted);
    EXPECT_EQ(refusal("99999999999999999999"), "'99999999999999999999' is larger than 512M" + accepted);
    EXPECT_EQ(refusal("1G"), "'1G' is not a size" + accepted);
    EXPECT_EQ(refusal("M"), "'M' is not a size" + accepted);
    EXPECT_EQ(refusal("-64K"), "'-64K' is not a size" + accepted);
    EXPECT_EQ(refusal(""), "'' is not a size" + accepted);
    EXPECT_EQ(refusal("1K"), "'1K' is smaller than the page size (" + std::to_string(page) + " bytes)" + accepted);
}

// Every monitor takes --ring-buffer-size (the shared command line) and refuses a bad one before loading anything:
// exit 1, the reason on stderr, nothing on stdout.
TEST(MonitorCli, BadRingBufferSizeRefusedByEachMonitor)
{
    for (const Monitor &monitor : monitors) {
        SCOPED_TRACE(monitor.tool);
        const auto help = winbpf::test::run({monitor.path, "--help"}, 30s);
        EXPECT_EQ(help.exit_code(), 0);
        EXPECT_NE(help.out.find("--ring-buffer-size BYTES"), std::string::npos) << help.out;
        const auto result = winbpf::test::run({monitor.path, "--ring-buffer-size", "100000"}, 30s);
        EXPECT_EQ(result.exit_code(), 1) << result.err;
        EXPECT_EQ(result.out, "");
        EXPECT_NE(result.err.find("--ring-buffer-size: '100000' is not a power of two"), std::string::npos)
            << result.err;
    }
}

} // namespace
} // namespace winbpf::monitor
