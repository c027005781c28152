// SPDX-License-Identifier: MIT
// Child processes for the tests: started with posix_spawn (or fork + exec when gated or run as another user),
// optionally with stdout/stderr captured, waited for with deadlines, killed (SIGKILL) and reaped on destruction.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace winbpf::test
{

/// Where a child's stdout and stderr go: inherited, or into pipes (read into Child::out() and Child::err()).
enum class Output { inherit, capture };

class Child
{
  public:
    /// Starts argv[0] (a path) with argv through posix_spawn; with uid, through fork + setgid/setuid(uid) + exec
    /// (status 126 when the id change is refused). Throws std::system_error on failure (with posix_spawn, also when
    /// the exec fails, e.g. EPERM).
    static Child spawn(const std::vector<std::string> &argv, Output output = Output::inherit,
                       std::optional<uid_t> uid = std::nullopt);
    /// Forks a child that execs argv only after release(): the test can configure programs by its pid first.
    /// Never released, it exits with status 126 without exec. Throws std::system_error.
    static Child fork_gated(const std::vector<std::string> &argv, Output output = Output::inherit,
                            std::optional<uid_t> uid = std::nullopt);

    /// Starts argv[0] as user uid (group uid, no supplementary groups) holding exactly capabilities (CAP_* numbers,
    /// raised as ambient capabilities so they survive the exec) through fork + exec (status 126 when a step is
    /// refused). Throws std::system_error when it cannot fork.
    static Child spawn_with_capabilities(const std::vector<std::string> &argv, Output output, uid_t uid,
                                         const std::vector<int> &capabilities);

    /// Starts argv[0] with argv as process id pid of this pid namespace (clone3 with set_tid: root only; EEXIST when
    /// pid is in use), or, with an empty argv, a copy of this process that exits with status 0 without exec. Throws
    /// std::system_error when clone3 fails.
    static Child spawn_at_pid(const std::vector<std::string> &argv, pid_t pid, Output output = Output::inherit);

    Child(Child &&other) noexcept;
    Child &operator=(Child &&) = delete;
    Child(const Child &) = delete;
    ~Child();

    pid_t pid() const noexcept { return pid_; }
    /// Lets a fork_gated child exec. Throws std::system_error.
    void release();
    /// Closes a fork_gated child's gate without releasing it: it exits with status 126, never execs.
    void abandon();
    /// Waits up to timeout for the exit, reading captured output meanwhile (and, after the exit, what is left for
    /// up to 1 s more). The wait status, or nullopt on timeout (the child keeps running).
    std::optional<int> wait(std::chrono::milliseconds timeout);
    /// Reads captured output until done() or timeout; done()'s last value (also when both pipes closed early).
    bool read_until(const std::function<bool()> &done, std::chrono::milliseconds timeout);
    /// Sends a signal (no-op once reaped).
    void signal(int signal) const;

    /// Captured output so far (empty with Output::inherit).
    const std::string &out() const noexcept { return out_; }
    const std::string &err() const noexcept { return err_; }

  private:
    Child(pid_t pid, int gate_fd, int out_fd, int err_fd);
    /// Closes every descriptor; kills (SIGKILL) and reaps the process unless reaped.
    void close_and_reap() noexcept;
    /// Waits up to timeout for output (and for the exit with exit); false when there is nothing left to wait for.
    bool poll_once(std::chrono::milliseconds timeout, bool exit);

    pid_t pid_ = -1;
    int pidfd_ = -1;
    int gate_fd_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    std::optional<int> status_;
    std::string out_;
    std::string err_;
};

/// A finished (or timed out, then killed) command.
struct CommandResult {
    pid_t pid = -1;
    std::optional<int> status; ///< Wait status; nullopt when it did not finish in time.
    std::string out;
    std::string err;
    /// Exit code of a normal exit, else -1.
    int exit_code() const;
};

/// Runs argv (argv[0]: a path) to completion within timeout, capturing stdout and stderr. Throws
/// std::system_error when it cannot start.
CommandResult run(const std::vector<std::string> &argv, std::chrono::milliseconds timeout = std::chrono::minutes(1));

/// Wait status of a normal exit with code.
bool exited_with(const std::optional<int> &status, int code);
/// Wait status of a death by signal.
bool killed_by(const std::optional<int> &status, int signal);
/// Readable form of a wait status for failure messages.
std::string describe_status(const std::optional<int> &status);

} // namespace winbpf::test
