// SPDX-License-Identifier: MIT
// Base fixture of the process-hook tests: they load programs into the running kernel, so they need root. CI runs
// as root: a missing privilege is a failure, never a skip.
#pragma once

#include "winbpf/system.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <unistd.h>

namespace process_test
{

using namespace std::chrono_literals;

class KernelTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ASSERT_EQ(geteuid(), 0u) << "the process-hook tests load BPF programs: run them as root";
        ASSERT_NO_THROW(winbpf::ensure_bpffs());
    }
};

} // namespace process_test
