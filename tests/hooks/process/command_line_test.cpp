// SPDX-License-Identifier: MIT
// docs/hooks/process.md: the command line is argv joined by single spaces, UTF-16LE, exact for long and non-ASCII
// arguments.
#include "recorder.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "text.hpp"

namespace process_test
{

using namespace winbpf::test;
using namespace std::chrono_literals;
namespace
{

class CommandLineTest : public KernelTest
{
  protected:
    /// Runs argv to completion under the recorder; returns its single CREATE.
    Event run_and_get_create(const std::vector<std::string> &argv)
    {
        Recorder recorder;
        Child child = Child::spawn(argv);
        const auto status = child.wait(10s);
        EXPECT_TRUE(exited_with(status, 0)) << describe_status(status);
        EXPECT_TRUE(recorder.wait_for_delete(child.pid())) << "no DELETE of pid " << child.pid();
        EXPECT_EQ(recorder.lost_events(), 0u);
        const auto creates = recorder.events_of(child.pid(), operation_create);
        if (creates.size() != 1) {
            ADD_FAILURE() << "expected exactly one CREATE of pid " << child.pid() << ", got " << creates.size();
            return {};
        }
        return creates.front();
    }
};

std::string long_argument(std::size_t length)
{
    std::string arg;
    for (std::size_t i = 0; i < length; ++i)
        arg += static_cast<char>('a' + i % 26);
    return arg;
}

void expect_command_line(const Event &create, const std::vector<std::string> &argv)
{
    const std::string expected = join_command_line(argv);
    EXPECT_EQ(create.command_result, 0);
    EXPECT_EQ(create.command_size, create.command_copied) << "command line longer than the recorder keeps";
    EXPECT_EQ(create.command_line_bytes, utf8_to_utf16le(expected)) << "UTF-16LE bytes differ";
    EXPECT_EQ(create.command_line, expected);
}

TEST_F(CommandLineTest, LongArgumentArrivesExactly)
{
    const std::vector<std::string> argv{test_child_path(), "args", long_argument(5000), "tail"};
    const Event create = run_and_get_create(argv);
    EXPECT_EQ(create.command_size, 2 * join_command_line(argv).size());
    expect_command_line(create, argv);
}

TEST_F(CommandLineTest, NonAsciiArgumentArrivesExactly)
{
    const std::vector<std::string> argv{test_child_path(), "args", "héllo-世界-😀", "ü"};
    expect_command_line(run_and_get_create(argv), argv);
}

TEST_F(CommandLineTest, LongAndNonAsciiArgumentsTogether)
{
    const std::vector<std::string> argv{test_child_path(), "args", "héllo-世界-😀", long_argument(5000), "héllo-世界-😀"};
    expect_command_line(run_and_get_create(argv), argv);
}

TEST_F(CommandLineTest, EmptyArgumentsKeepTheirSpaces)
{
    const std::vector<std::string> argv{test_child_path(), "args", "", "x", ""};
    expect_command_line(run_and_get_create(argv), argv);
}

// The documented cap: 32 KiB of argv (32768 bytes, NUL separators included) reach the handler, and a longer argv
// is flagged (winbpf_process_command_line_truncated), an argv that fits is not.
TEST_F(CommandLineTest, ArgvUpTo32KiBArrivesAndLongerIsFlaggedTruncated)
{
    const std::string child = test_child_path();
    const std::size_t fixed = child.size() + 1 + 4 + 1; // "<child>\0args\0", then the long argument and its NUL
    {
        const std::vector<std::string> argv{child, "args", long_argument(32768 - fixed - 1)};
        const Event create = run_and_get_create(argv);
        EXPECT_EQ(create.command_size, 2 * join_command_line(argv).size()) << "all of a 32768-byte argv";
        EXPECT_EQ(create.command_truncated, 0u);
    }
    for (const std::vector<std::string> &argv :
         {std::vector<std::string>{child, "args", long_argument(32768 - fixed)}, // one byte too many
          std::vector<std::string>{child, "args", long_argument(131072 - 1), long_argument(131072 - 1)}}) {
        const Event create = run_and_get_create(argv);
        EXPECT_EQ(create.command_truncated, 1u);
        EXPECT_GE(create.command_size, 2u * (32768 - 1)) << "32 KiB of argv, the last NUL dropped at most";
        EXPECT_LE(create.command_size, 2u * 32768);
    }
    const Event short_one = run_and_get_create({child, "args", "x"});
    EXPECT_EQ(short_one.command_truncated, 0u);
}

} // namespace
} // namespace process_test
