// SPDX-License-Identifier: MIT
// docs/hooks/process.md: process_exit_code is the exit status 0..255, or 128+N when the process is killed by signal N.
#include "recorder.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"

#include <csignal>
#include <cstdint>
#include <cstring>
#include <string>
#include <sys/wait.h>

namespace process_test
{

using namespace winbpf::test;
using namespace std::chrono_literals;
namespace
{

class ExitCodeTest : public KernelTest, public ::testing::WithParamInterface<int>
{
};

TEST_P(ExitCodeTest, DeleteCarriesExitStatus)
{
    const int code = GetParam();
    Recorder recorder;
    Child child = Child::spawn({test_child_path(), "exit", std::to_string(code)});
    const auto status = child.wait(10s);
    ASSERT_TRUE(exited_with(status, code)) << describe_status(status);
    ASSERT_TRUE(recorder.wait_for_delete(child.pid())) << "no DELETE of pid " << child.pid();
    const auto deletes = recorder.events_of(child.pid(), operation_delete);
    ASSERT_EQ(deletes.size(), 1u);
    EXPECT_EQ(deletes[0].process_exit_code, static_cast<std::uint32_t>(code));
    const auto creates = recorder.events_of(child.pid(), operation_create);
    ASSERT_EQ(creates.size(), 1u);
    EXPECT_EQ(creates[0].process_exit_code, 0u) << "CREATE has no exit code";
}

INSTANTIATE_TEST_SUITE_P(Codes, ExitCodeTest, ::testing::Values(0, 7, 200),
                         [](const auto &info) { return "Exit" + std::to_string(info.param); });

class KilledTest : public KernelTest, public ::testing::WithParamInterface<int>
{
};

TEST_P(KilledTest, DeleteReports128PlusSignal)
{
    const int signal = GetParam();
    Recorder recorder;
    Child child = Child::spawn({test_child_path(), "sleep-ms", "30000"});
    // Kill only once the new image runs (its CREATE arrived), so the exit is the sleeping child's.
    ASSERT_TRUE(recorder.poll_until([&] { return !recorder.events_of(child.pid(), operation_create).empty(); }, 10s))
        << "no CREATE of pid " << child.pid();
    child.signal(signal);
    const auto status = child.wait(10s);
    ASSERT_TRUE(killed_by(status, signal)) << describe_status(status);
    ASSERT_TRUE(recorder.wait_for_delete(child.pid())) << "no DELETE of pid " << child.pid();
    const auto deletes = recorder.events_of(child.pid(), operation_delete);
    ASSERT_EQ(deletes.size(), 1u);
    EXPECT_EQ(deletes[0].process_exit_code, 128u + static_cast<std::uint32_t>(signal));
}

// 137 and 143.
INSTANTIATE_TEST_SUITE_P(Signals, KilledTest, ::testing::Values(SIGKILL, SIGTERM),
                         [](const auto &info) { return std::string("SIG") + sigabbrev_np(info.param); });

} // namespace
} // namespace process_test
