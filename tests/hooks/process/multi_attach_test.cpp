// SPDX-License-Identifier: MIT
// docs/hooks/process.md: several programs may be attached at once; each sees every event.
#include "recorder.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"

#include <cstdint>

namespace process_test
{

using namespace winbpf::test;
using namespace std::chrono_literals;
namespace
{

class MultiAttachTest : public KernelTest
{
};

TEST_F(MultiAttachTest, TwoRecordersBothSeeCreateAndDelete)
{
    Recorder first;
    Recorder second;
    Child child = Child::spawn({test_child_path(), "exit", "3"});
    const auto status = child.wait(10s);
    ASSERT_TRUE(exited_with(status, 3)) << describe_status(status);
    int index = 0;
    for (Recorder *recorder : {&first, &second}) {
        SCOPED_TRACE("recorder " + std::to_string(++index));
        ASSERT_TRUE(recorder->wait_for_delete(child.pid()));
        const auto creates = recorder->events_of(child.pid(), operation_create);
        const auto deletes = recorder->events_of(child.pid(), operation_delete);
        ASSERT_EQ(creates.size(), 1u);
        ASSERT_EQ(deletes.size(), 1u);
        EXPECT_EQ(deletes[0].process_exit_code, 3u);
        EXPECT_EQ(creates[0].creation_time, deletes[0].creation_time);
    }
    const auto a = first.events_of(child.pid()), b = second.events_of(child.pid());
    EXPECT_EQ(a[0].command_line, b[0].command_line);
    // Each object converts the same start instant with its own loader-measured clock offset: equal within 1 ms.
    const auto delta = static_cast<std::int64_t>(a[0].creation_time - b[0].creation_time);
    EXPECT_LE(delta < 0 ? -delta : delta, 10'000) << "creation_time differs by " << delta << " ticks";
}

} // namespace
} // namespace process_test
