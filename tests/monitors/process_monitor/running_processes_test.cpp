// SPDX-License-Identifier: MIT
#include "process_monitor.hpp"
#include "record_builder.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace winbpf::monitor
{
namespace
{

namespace fs = std::filesystem;

/// A fake /proc in a temporary directory, removed on destruction.
class FakeProc
{
  public:
    FakeProc() : root_(fs::temp_directory_path() / ("monitor-fake-proc-" + std::to_string(getpid())))
    {
        fs::remove_all(root_);
        fs::create_directories(root_);
    }
    ~FakeProc() { fs::remove_all(root_); }

    void add(const std::string &entry, const std::string &cmdline) const
    {
        fs::create_directories(root_ / entry);
        std::ofstream(root_ / entry / "cmdline", std::ios::binary) << cmdline;
    }
    const fs::path &root() const { return root_; }

  private:
    fs::path root_;
};

const ProcessStrings &delete_strings(ProcessTable &table, std::uint32_t pid)
{
    test::RecordSpec spec;
    spec.process_id = pid;
    spec.command_line = u"";
    const auto bytes = test::build_record(test::delete_of(spec, true));
    static ProcessMonitorEvent record;
    EXPECT_TRUE(decode_process_event(bytes, record).is_ok());
    return table.on_delete(record);
}

TEST(CmdlineToCommandLine, JoinsArguments)
{
    std::string cmdline("sh\0-c\0exit 7\0", 13);
    cmdline_to_command_line(cmdline);
    EXPECT_EQ(cmdline, "sh -c exit 7");
    std::string empty_args("a\0\0b\0", 5);
    cmdline_to_command_line(empty_args);
    EXPECT_EQ(empty_args, "a  b");
}

TEST(RunningProcesses, ReadsCommandLines)
{
    FakeProc proc;
    proc.add("1", std::string("/sbin/init\0splash\0", 18));
    proc.add("42", std::string("bad\xff\0arg\0", 9));
    proc.add("43", "");          // kernel thread
    proc.add("self", "ignored"); // not a process id
    proc.add("sys", "ignored");
    ProcessTable table;
    EXPECT_EQ(add_running_processes(table, proc.root()), 2u);
    EXPECT_EQ(table.size(), 2u);
    EXPECT_EQ(delete_strings(table, 1).command_line, "/sbin/init splash");
    EXPECT_EQ(delete_strings(table, 42).command_line, "bad\xff arg");
    EXPECT_EQ(table.size(), 0u);
}

TEST(RunningProcesses, MissingProcIsNotAnError)
{
    ProcessTable table;
    EXPECT_EQ(add_running_processes(table, "/nonexistent/proc"), 0u);
}

TEST(RunningProcesses, RealProcHasThisProcess)
{
    ProcessTable table;
    EXPECT_GT(add_running_processes(table), 0u);
    const std::string mine = delete_strings(table, static_cast<std::uint32_t>(getpid())).command_line;
    EXPECT_NE(mine.find("monitor_unit_tests"), std::string::npos) << mine;
}

} // namespace
} // namespace winbpf::monitor
