// SPDX-License-Identifier: MIT
#include "winbpf/hook.hpp"

#include <gtest/gtest.h>

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

TEST(HookTypeName, Process)
{
    EXPECT_EQ(winbpf::hook_type_name(winbpf::HookType::process), "process");
}
