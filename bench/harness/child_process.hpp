// SPDX-License-Identifier: MIT
// A traced tool run as a child process, killed if still running when its handle goes away.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace winbpf::bench
{

/// Descriptors the child gets as stdin/stdout/stderr; -1 means /dev/null.
struct StdFds {
    int in = -1;
    int out = -1;
    int err = -1;
};

/// Owns a child process. The child runs in its own process group (a Ctrl-C on the terminal reaches only the
/// bench, which then stops it in order) and gets SIGKILL if the bench dies. Destroying a handle whose child is
/// still running kills (SIGKILL) and reaps it. Move-only.
class ChildProcess
{
  public:
    /// Starts argv[0] (a path) with argv; with cgroup_procs >= 0 (an open cgroup.procs file), the child moves into
    /// that cgroup before it execs. Throws std::system_error when fork, the cgroup move or exec fails.
    static ChildProcess spawn(const std::vector<std::string> &argv, const StdFds &fds, int cgroup_procs = -1);

    ChildProcess(ChildProcess &&other) noexcept;
    ChildProcess &operator=(ChildProcess &&other) = delete;
    ChildProcess(const ChildProcess &) = delete;
    ChildProcess &operator=(const ChildProcess &) = delete;
    ~ChildProcess();

    /// Process id (also valid after the child was reaped, for messages).
    pid_t pid() const noexcept { return pid_; }
    /// True until the child has been reaped.
    bool running();
    /// Sends sig to the child if it was not reaped yet.
    void signal(int sig);
    /// Waits up to timeout for the child to exit; its wait status once reaped.
    std::optional<int> wait_for(std::chrono::milliseconds timeout);
    /// Blocks (no polling) until the child exits or a signal handler ran (EINTR); the wait status once reaped,
    /// nullopt when a signal came first.
    std::optional<int> wait_until_signal();
    /// The wait status, once reaped.
    std::optional<int> status() const noexcept { return status_; }

  private:
    explicit ChildProcess(pid_t pid) noexcept : pid_(pid) {}
    bool try_reap();

    pid_t pid_ = -1;
    std::optional<int> status_;
};

/// "exited 3", "killed by SIGKILL", ... for a wait status.
std::string describe_status(int status);

} // namespace winbpf::bench
