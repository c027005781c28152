// SPDX-License-Identifier: MIT
// A child cgroup of the cgroup-v2 hierarchy for one test: cgroup hooks (bind) attach there, never to the root.
#pragma once

#include <filesystem>
#include <sys/types.h>

namespace winbpf::test
{

/// Creates <cgroup-v2 mount>/winbpf-test-<pid>-<n> (the mount discovered with winbpf::cgroup2_mount()). enter() moves
/// this test process into it, so sockets it creates afterwards are in the cgroup; destruction moves the process
/// back to the cgroup it came from and removes the directory (a failure fails the test). Throws std::runtime_error.
class TestCgroup
{
  public:
    TestCgroup();
    TestCgroup(const TestCgroup &) = delete;
    TestCgroup &operator=(const TestCgroup &) = delete;
    ~TestCgroup();

    /// The cgroup's directory.
    const std::filesystem::path &path() const noexcept { return path_; }
    /// Moves this process (all its threads) into the cgroup. Throws std::runtime_error.
    void enter();
    /// Moves this process back to where it was before enter() (no-op when not entered). Throws std::runtime_error.
    void leave();

  private:
    std::filesystem::path path_;
    std::filesystem::path origin_; ///< The process's cgroup-v2 directory before enter().
    bool entered_ = false;
};

} // namespace winbpf::test
