// SPDX-License-Identifier: MIT
#include "hooks/hook_module.hpp"
#include "winbpf/attachment.hpp"
#include "winbpf/error.hpp"
#include "winbpf/hook.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <string_view>

using winbpf::parse_entry_name;

TEST(ParseEntryName, Entries)
{
    struct Row {
        const char *name;
        const char *handler;
        const char *hook;
        const char *event;
    };
    const Row rows[] = {
        {"ProcessMonitor__winbpf_process_exec", "ProcessMonitor", "process", "exec"},
        {"ProcessMonitor__winbpf_process_exit", "ProcessMonitor", "process", "exit"},
        {"ProcessMonitor__winbpf_process_exit_live", "ProcessMonitor", "process", "exit_live"},
        // A hook with an underscore, and a handler with a double underscore.
        {"Drops__winbpf_netevent_monitor_drop", "Drops", "netevent_monitor", "drop"},
        {"My__Handler__winbpf_process_exec", "My__Handler", "process", "exec"},
    };
    for (const Row &row : rows) {
        auto parsed = parse_entry_name(row.name);
        EXPECT_EQ(parsed.handler, row.handler) << row.name;
        EXPECT_EQ(parsed.hook, row.hook) << row.name;
        EXPECT_EQ(parsed.event, row.event) << row.name;
    }
}

TEST(ParseEntryName, NotEntries)
{
    for (const char *name :
         {"winbpf__process_fork", "ProcessMonitor", "__winbpf_process_exec", "Handler__winbpf_process_",
          "Handler__winbpf_process", "Handler__winbpf_unknown_exec", "Handler__winbpf_process_Exec", ""}) {
        auto parsed = parse_entry_name(name);
        EXPECT_TRUE(parsed.handler.empty()) << name;
        EXPECT_TRUE(parsed.hook.empty()) << name;
        EXPECT_TRUE(parsed.event.empty()) << name;
    }
}

// One table (shim/include/winbpf/hooks.h) feeds the loader: every hook name (docs/compatibility.md) parses, and the
// mapped hooks have a loader module whose name is the row's.
TEST(HookTable, NamesAndModules)
{
    for (const char *hook : {"process", "bind", "netevent_monitor", "xdp"})
        EXPECT_EQ(parse_entry_name(std::string("H__winbpf_") + hook + "_event").hook, hook) << hook;
    const winbpf::detail::HookModule *process = winbpf::detail::find_hook_module("process");
    ASSERT_NE(process, nullptr);
    EXPECT_EQ(process->name(), "process");
    EXPECT_LT(process->event_rank("exec"), process->event_rank("exit"));
    EXPECT_EQ(winbpf::detail::find_hook_module("proces"), nullptr);
}

TEST(CaptureType, ParsesEachNameTheUsageLists)
{
    EXPECT_EQ(winbpf::parse_capture_type("all"), winbpf::CaptureType::all);
    EXPECT_EQ(winbpf::parse_capture_type("flow"), winbpf::CaptureType::flow);
    EXPECT_EQ(winbpf::parse_capture_type("drop"), winbpf::CaptureType::drop);
    EXPECT_EQ(winbpf::parse_capture_type("none"), winbpf::CaptureType::none);
    for (std::string_view name : winbpf::capture_type_names)
        EXPECT_NO_THROW(winbpf::parse_capture_type(name)) << name;
}

TEST(CaptureType, RefusesOtherNamesWithTheExpectedOnes)
{
    for (const char *name : {"", "Drop", "everything", "drop "}) {
        try {
            winbpf::parse_capture_type(name);
            ADD_FAILURE() << "'" << name << "' was accepted";
        } catch (const winbpf::Error &error) {
            EXPECT_EQ(error.what(),
                      "capture parameter is invalid: '" + std::string(name) + "' (expected all, flow, drop or none)");
            EXPECT_EQ(error.error(), EINVAL);
        }
    }
}
