// SPDX-License-Identifier: MIT
#include "winbpf/hook.hpp"

#include <gtest/gtest.h>

using winbpf::parse_entry_name;

TEST(ParseEntryName, ProcessEvents)
{
    auto exec = parse_entry_name("ProcessMonitor__winbpf_process_exec");
    EXPECT_EQ(exec.handler, "ProcessMonitor");
    EXPECT_EQ(exec.hook, "process");
    EXPECT_EQ(exec.event, "exec");

    auto exit = parse_entry_name("ProcessMonitor__winbpf_process_exit");
    EXPECT_EQ(exit.event, "exit");
    auto live = parse_entry_name("ProcessMonitor__winbpf_process_exit_live");
    EXPECT_EQ(live.handler, "ProcessMonitor");
    EXPECT_EQ(live.event, "exit_live");
}

TEST(ParseEntryName, HookWithUnderscoreAndHandlerWithDoubleUnderscore)
{
    auto netevent = parse_entry_name("Drops__winbpf_netevent_monitor_drop");
    EXPECT_EQ(netevent.handler, "Drops");
    EXPECT_EQ(netevent.hook, "netevent_monitor");
    EXPECT_EQ(netevent.event, "drop");

    auto odd = parse_entry_name("My__Handler__winbpf_process_exec");
    EXPECT_EQ(odd.handler, "My__Handler");
    EXPECT_EQ(odd.event, "exec");
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
