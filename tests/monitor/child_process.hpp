// SPDX-License-Identifier: MIT
// A child process with captured stdout/stderr and bounded waits, for the end-to-end tests.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace winbpf::monitor::test
{

/// Runs argv[0] (a path) with argv; stdout and stderr are captured through pipes. Killed (SIGKILL) and reaped on
/// destruction if still running.
class ChildProcess
{
  public:
    /// Starts the process. run_as_uid, when set, is applied (setgid/setuid) in the child before exec.
    explicit ChildProcess(const std::vector<std::string> &argv, std::optional<uid_t> run_as_uid = std::nullopt);
    ChildProcess(const ChildProcess &) = delete;
    ChildProcess &operator=(const ChildProcess &) = delete;
    ~ChildProcess();

    pid_t pid() const noexcept { return pid_; }

    /// Reads output until done() is true or timeout passes; returns done()'s last value.
    bool read_until(const std::function<bool()> &done, std::chrono::milliseconds timeout);

    /// Waits up to timeout for the exit (reading output meanwhile); returns the wait status, nullopt on timeout.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);

    /// Sends a signal.
    void signal(int signal) const;

    /// Output captured so far.
    const std::string &out() const noexcept { return out_; }
    const std::string &err() const noexcept { return err_; }

  private:
    /// Reads what is available within at most timeout; false when both pipes are closed.
    bool read_some(std::chrono::milliseconds timeout);

    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    std::optional<int> status_;
    std::string out_;
    std::string err_;
};

/// Runs argv to completion (at most timeout) and returns its wait status; nullopt on timeout (then killed).
std::optional<int> run_to_exit(const std::vector<std::string> &argv, std::chrono::milliseconds timeout,
                               pid_t *pid = nullptr);

} // namespace winbpf::monitor::test
