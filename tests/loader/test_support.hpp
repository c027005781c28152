// SPDX-License-Identifier: MIT
// Helpers of the loader tests: paths of the test objects, running commands, and cleanup checks.
#pragma once

#include "winbpf/inventory.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace loader_test
{

/// Path of a test object built into LOADER_TEST_BPF_DIR.
std::string bpf_path(const std::string &name);

/// Result of a finished command: exit status (-1 when killed) and what it wrote.
struct CommandResult {
    int status = -1;
    std::string out;
    std::string err;
};
/// Runs argv[0] with argv (no shell) and waits for it.
CommandResult run(const std::vector<std::string> &argv);

/// Programs of the running system whose handler belongs to these tests (handler names start with "LoaderTest").
std::vector<winbpf::ProgramInfo> test_programs();

/// Waits until none of ids is loaded; false on timeout.
bool wait_until_gone(const std::vector<std::uint32_t> &ids, std::chrono::milliseconds timeout);

/// Removes every /sys/fs/bpf/winbpf/<ID> directory that pins a program of these tests.
void remove_test_pins();

/// Tests that load programs: need root (CI runs as root, so they never skip there), and must leave nothing
/// loaded or attached: TearDown removes leftover pins and checks that no program of these tests remains.
class KernelTest : public ::testing::Test
{
  protected:
    void SetUp() override;
    void TearDown() override;
};

} // namespace loader_test
