// SPDX-License-Identifier: MIT
// Real child processes for the process-hook tests: started with posix_spawn (or fork + exec behind a gate),
// waited for with a deadline, killed and reaped on destruction if still running.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace process_test
{

/// Absolute path of winbpf_test_child (tests/helpers).
std::string test_child_path();

/// Output of a finished command.
struct CommandResult {
    std::optional<int> status; ///< Wait status; nullopt when it did not finish in time (then killed).
    std::string out;
    std::string err;
};

class Child
{
  public:
    /// Starts argv[0] (a path) with argv through posix_spawn. Throws std::system_error on failure.
    static Child spawn(const std::vector<std::string> &argv);
    /// Forks a child that execs argv only after release(): the test can configure programs by its pid first.
    /// If released never, the child exits with status 126 without exec.
    static Child fork_gated(const std::vector<std::string> &argv);

    Child(Child &&other) noexcept;
    Child &operator=(Child &&) = delete;
    Child(const Child &) = delete;
    ~Child();

    pid_t pid() const noexcept { return pid_; }
    /// Lets a fork_gated child exec.
    void release();
    /// Closes a fork_gated child's gate without releasing it: it exits with status 126, never execs.
    void abandon();
    /// Waits up to timeout for the exit; the wait status, or nullopt on timeout (the child keeps running).
    std::optional<int> wait(std::chrono::milliseconds timeout);
    /// Sends a signal (no-op once reaped).
    void signal(int signal) const;

  private:
    friend CommandResult run_command(const std::vector<std::string> &, std::chrono::milliseconds);
    Child(pid_t pid, int gate_fd) : pid_(pid), gate_fd_(gate_fd) {}
    pid_t pid_ = -1;
    int gate_fd_ = -1;
    bool reaped_ = false;
};

/// Wait status of a normal exit with code.
bool exited_with(const std::optional<int> &status, int code);
/// Readable form of a wait status for failure messages.
std::string describe_status(const std::optional<int> &status);

/// Runs argv (argv[0]: a path) to completion within timeout, capturing stdout and stderr.
CommandResult run_command(const std::vector<std::string> &argv, std::chrono::milliseconds timeout);

} // namespace process_test
