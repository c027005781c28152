// SPDX-License-Identifier: MIT
// Base fixture of the process-hook tests: they load programs into the running kernel, so they need root. CI runs
// as root: a missing privilege is a failure, never a skip.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <set>

namespace process_test
{

using namespace std::chrono_literals;

class KernelTest : public ::testing::Test
{
  protected:
    /// Needs root and bpffs; notes which programs were loaded before the test.
    void SetUp() override;
    /// Waits (up to 5 s: the kernel frees detached tracing programs after an RCU grace period) until every winbpf
    /// program the test loaded is gone, and fails the test if one stays.
    void TearDown() override;

  private:
    std::set<std::uint32_t> programs_before_;
};

} // namespace process_test
