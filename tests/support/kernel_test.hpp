// SPDX-License-Identifier: MIT
// Base fixture of the tests that load programs into the running kernel, and waiting for programs to be freed.
#pragma once

#include "support/cgroup.hpp"
#include "winbpf/object.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>

namespace winbpf::test
{

/// Waits up to timeout until no program with one of ids is loaded; false on timeout. The kernel frees a detached
/// program after an RCU grace period, so a program can outlive its last fd for a few milliseconds.
bool wait_until_freed(const std::set<std::uint32_t> &ids, std::chrono::milliseconds timeout);

/// Ids of the maps loaded now, from bpf_map_get_next_id alone: opening a map by id could itself keep a closing program
/// array alive (see find_verification_times in loader/src/inventory.cpp).
std::set<std::uint32_t> loaded_map_ids();

/// Kernel ids of an object's loaded programs.
std::set<std::uint32_t> program_ids(const winbpf::Object &object);

/// Tests that load programs. SetUp needs root (a failure, never a skip: CI runs as root) and mounts bpffs when
/// missing; TearDown removes the pins the test left (see pin_root), then waits up to 5 s until every winbpf program
/// (hook entry or fork tracker) loaded during the test is freed, and fails the test if one stays; then up to 5 s until
/// every map made during the test is freed too (found by id without opening any), and fails the test if one stays.
class KernelTest : public ::testing::Test
{
  protected:
    /// pin_root: a bpffs directory whose subdirectories are removed in TearDown when they pin a program loaded
    /// during the test (as `winbpf add program` leaves them); empty for none.
    explicit KernelTest(std::filesystem::path pin_root = {}) : pin_root_(std::move(pin_root)) {}
    void SetUp() override;
    void TearDown() override;

  private:
    std::filesystem::path pin_root_;
    bool set_up_ = false;
    std::set<std::uint32_t> programs_before_;
    std::set<std::uint32_t> maps_before_;
};

/// KernelTest with a fresh child cgroup (TestCgroup) that the test process entered in SetUp, so that its sockets are in
/// scope of programs attached there. TearDown leaves and removes it before KernelTest's checks; a fixture that attaches
/// programs to it resets them in its own TearDown first.
class CgroupKernelTest : public KernelTest
{
  protected:
    void SetUp() override;
    void TearDown() override;

    std::optional<TestCgroup> cgroup;
};

} // namespace winbpf::test
