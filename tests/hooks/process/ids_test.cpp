// SPDX-License-Identifier: MIT
// docs/hooks/process.md: process_id / parent_process_id are the tgid and the real parent's tgid; creating_process_id /
// creating_thread_id are the process and thread that forked it.
#include "recorder.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"

#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>
#include <utility>

namespace process_test
{

using namespace winbpf::test;
using namespace std::chrono_literals;
namespace
{

class IdsTest : public KernelTest
{
  protected:
    /// Checks every event of the finished child against the expected ids.
    void expect_ids(Recorder &recorder, Child &child, pid_t spawning_thread)
    {
        const auto status = child.wait(10s);
        ASSERT_TRUE(exited_with(status, 0)) << describe_status(status);
        ASSERT_TRUE(recorder.wait_for_delete(child.pid()));
        const auto events = recorder.events_of(child.pid());
        ASSERT_EQ(events.size(), 2u) << "one CREATE and one DELETE";
        for (const Event &e : events) {
            SCOPED_TRACE(e.is_create() ? "CREATE" : "DELETE");
            EXPECT_EQ(e.process_id, static_cast<std::uint64_t>(child.pid()));
            EXPECT_EQ(e.parent_process_id, static_cast<std::uint64_t>(getpid()));
            EXPECT_EQ(e.creating_process_id, static_cast<std::uint64_t>(getpid()));
            EXPECT_EQ(e.creating_thread_id, static_cast<std::uint64_t>(spawning_thread));
        }
    }
};

TEST_F(IdsTest, SpawnedFromMainThread)
{
    Recorder recorder;
    ASSERT_EQ(gettid(), getpid()) << "gtest runs tests on the main thread";
    Child child = Child::spawn({test_child_path(), "exit", "0"});
    expect_ids(recorder, child, gettid());
}

/// Starts a child from a new thread with start(); returns the child and that thread's id.
template <typename Start> std::pair<std::optional<Child>, pid_t> start_from_other_thread(Start start)
{
    pid_t spawning_thread = 0;
    std::optional<Child> child;
    std::string error;
    std::thread([&] {
        spawning_thread = gettid();
        try {
            child.emplace(start());
        } catch (const std::exception &e) {
            error = e.what();
        }
    }).join();
    EXPECT_TRUE(child.has_value()) << error;
    EXPECT_NE(spawning_thread, getpid());
    return {std::move(child), spawning_thread};
}

TEST_F(IdsTest, SpawnedFromOtherThread)
{
    Recorder recorder;
    auto [child, spawning_thread] = start_from_other_thread([] {
        return Child::spawn({test_child_path(), "exit", "0"});
    });
    ASSERT_TRUE(child.has_value());
    expect_ids(recorder, *child, spawning_thread);
}

TEST_F(IdsTest, ForkedAndExecedFromOtherThread)
{
    Recorder recorder;
    auto [child, spawning_thread] = start_from_other_thread([] {
        return Child::fork_gated({test_child_path(), "exit", "0"});
    });
    ASSERT_TRUE(child.has_value());
    child->release();
    expect_ids(recorder, *child, spawning_thread);
}

} // namespace
} // namespace process_test
