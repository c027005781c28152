// SPDX-License-Identifier: MIT
// docs/hooks/process.md: creation_time and exit_time are wall-clock FILETIMEs (100 ns ticks since 1601-01-01 UTC).
#include "recorder.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "text.hpp"

#include <cstdint>

namespace process_test
{

using namespace winbpf::test;
using namespace std::chrono_literals;
namespace
{

class TimesTest : public KernelTest
{
};

constexpr std::int64_t ms_ticks = filetime_ticks_per_second / 1000;

TEST_F(TimesTest, SleepingProcessLifetimeAndWallClock)
{
    Recorder recorder;
    const std::uint64_t before = filetime_now();
    Child child = Child::spawn({test_child_path(), "sleep-ms", "1500"});
    const auto status = child.wait(10s);
    const std::uint64_t after = filetime_now();
    ASSERT_TRUE(exited_with(status, 0)) << describe_status(status);
    ASSERT_TRUE(recorder.wait_for_delete(child.pid()));
    const auto creates = recorder.events_of(child.pid(), operation_create);
    const auto deletes = recorder.events_of(child.pid(), operation_delete);
    ASSERT_EQ(creates.size(), 1u);
    ASSERT_EQ(deletes.size(), 1u);
    const Event &create = creates[0], &del = deletes[0];

    const auto lifetime = static_cast<std::int64_t>(del.exit_time - del.creation_time);
    EXPECT_GE(lifetime, 1500 * ms_ticks) << "exit_time - creation_time in 100 ns ticks";
    EXPECT_LE(lifetime, 2500 * ms_ticks) << "exit_time - creation_time in 100 ns ticks";

    // Wall clock: the process started between `before` and `after` (a little slack for clock granularity).
    constexpr std::int64_t slack = 2000 * ms_ticks;
    EXPECT_GE(static_cast<std::int64_t>(create.creation_time - before), -slack)
        << "creation_time " << create.creation_time << " vs now " << before;
    EXPECT_LE(static_cast<std::int64_t>(create.creation_time - before), slack)
        << "creation_time " << create.creation_time << " vs now " << before;
    EXPECT_LE(del.exit_time, after + 100 * ms_ticks);
    EXPECT_GE(del.exit_time, before);

    EXPECT_EQ(create.creation_time, del.creation_time) << "one process, one creation_time";
    EXPECT_EQ(create.exit_time, 0u) << "CREATE has no exit time";
}

} // namespace
} // namespace process_test
