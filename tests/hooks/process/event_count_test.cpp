// SPDX-License-Identifier: MIT
// docs/hooks/process.md, CREATE and DELETE: each successful exec is one CREATE; DELETE comes once per process (thread
// group), however many threads it had.
#include "recorder.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/wait.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <iterator>

namespace process_test
{

using namespace winbpf::test;
using namespace std::chrono_literals;
namespace
{

class EventCountTest : public KernelTest
{
};

std::size_t thread_count(pid_t pid)
{
    std::error_code ec;
    std::filesystem::directory_iterator tasks("/proc/" + std::to_string(pid) + "/task", ec);
    return ec ? 0 : static_cast<std::size_t>(std::distance(tasks, std::filesystem::directory_iterator()));
}

TEST_F(EventCountTest, ProcessWithThreadsGivesOneDelete)
{
    constexpr int threads = 8;
    Recorder recorder;
    Child child = Child::spawn({test_child_path(), "threads", std::to_string(threads)});
    // Evidence that the process really had its threads (the child keeps them alive for a while before exiting).
    std::size_t seen = 0;
    winbpf::test::wait_until(
        [&] {
            seen = std::max(seen, thread_count(child.pid()));
            return seen >= threads + 1;
        },
        5s, 1ms);
    EXPECT_EQ(seen, static_cast<std::size_t>(threads + 1)) << "threads seen in /proc/" << child.pid() << "/task";
    const auto status = child.wait(10s);
    ASSERT_TRUE(exited_with(status, 0)) << describe_status(status);
    ASSERT_TRUE(recorder.wait_for_delete(child.pid()));
    EXPECT_EQ(recorder.events_of(child.pid(), operation_delete).size(), 1u);
    EXPECT_EQ(recorder.events_of(child.pid(), operation_create).size(), 1u);
}

TEST_F(EventCountTest, EachExecIsOneCreate)
{
    Recorder recorder;
    const std::string child_path = test_child_path();
    Child child = Child::spawn({child_path, "exec-chain", "2"});
    const auto status = child.wait(10s);
    ASSERT_TRUE(exited_with(status, 0)) << describe_status(status);
    ASSERT_TRUE(recorder.wait_for_delete(child.pid()));

    // The exec from the spawn plus two re-execs: three CREATEs, in order, then one DELETE.
    const auto creates = recorder.events_of(child.pid(), operation_create);
    ASSERT_EQ(creates.size(), 3u);
    char resolved[PATH_MAX];
    ASSERT_NE(realpath(child_path.c_str(), resolved), nullptr);
    for (int i = 0; i < 3; ++i) {
        SCOPED_TRACE("CREATE " + std::to_string(i));
        EXPECT_EQ(creates[i].command_line, child_path + " exec-chain " + std::to_string(2 - i));
        EXPECT_EQ(creates[i].image_path, resolved);
        EXPECT_EQ(creates[i].creation_time, creates[0].creation_time) << "exec keeps the process";
    }
    const auto deletes = recorder.events_of(child.pid(), operation_delete);
    ASSERT_EQ(deletes.size(), 1u);
    EXPECT_EQ(deletes[0].process_exit_code, 0u);
    EXPECT_TRUE(recorder.events_of(child.pid()).back().is_delete()) << "DELETE comes last";
}

TEST_F(EventCountTest, ForkWithoutExecGivesNoCreate)
{
    Recorder recorder;
    // A gated child that is never released exits (126) without exec: a process, but no CREATE.
    Child child = Child::fork_gated({test_child_path(), "exit", "0"});
    child.abandon();
    const auto status = child.wait(10s);
    ASSERT_TRUE(exited_with(status, 126)) << describe_status(status);
    ASSERT_TRUE(recorder.wait_for_delete(child.pid()));
    EXPECT_EQ(recorder.events_of(child.pid(), operation_create).size(), 0u);
    const auto deletes = recorder.events_of(child.pid(), operation_delete);
    ASSERT_EQ(deletes.size(), 1u);
    EXPECT_EQ(deletes[0].process_exit_code, 126u);
}

} // namespace
} // namespace process_test
