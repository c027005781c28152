// SPDX-License-Identifier: MIT
#include "support/child.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <utility>

extern char **environ;

namespace winbpf::test
{
namespace
{

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

void check(bool ok, const char *what)
{
    if (!ok)
        throw std::system_error(errno, std::generic_category(), what);
}

std::vector<char *> c_argv(const std::vector<std::string> &argv)
{
    std::vector<char *> args;
    for (const auto &arg : argv)
        args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);
    return args;
}

milliseconds remaining(Clock::time_point deadline)
{
    return std::max(std::chrono::duration_cast<milliseconds>(deadline - Clock::now()), milliseconds(0));
}

/// A pipe whose ends are closed on destruction unless taken.
struct Pipe {
    int read = -1;
    int write = -1;
    explicit Pipe(bool open)
    {
        int fds[2];
        if (open) {
            check(pipe2(fds, O_CLOEXEC) == 0, "pipe2");
            read = fds[0];
            write = fds[1];
        }
    }
    Pipe(const Pipe &) = delete;
    Pipe &operator=(const Pipe &) = delete;
    ~Pipe()
    {
        close_read();
        close_write();
    }
    int take_read() { return std::exchange(read, -1); }
    int take_write() { return std::exchange(write, -1); }
    void close_read()
    {
        if (read >= 0)
            close(take_read());
    }
    void close_write()
    {
        if (write >= 0)
            close(take_write());
    }
};

/// posix_spawn file actions, destroyed with the object.
class FileActions
{
  public:
    FileActions() { check(posix_spawn_file_actions_init(&actions_) == 0, "posix_spawn_file_actions_init"); }
    FileActions(const FileActions &) = delete;
    FileActions &operator=(const FileActions &) = delete;
    ~FileActions() { posix_spawn_file_actions_destroy(&actions_); }
    posix_spawn_file_actions_t *get() noexcept { return &actions_; }

  private:
    posix_spawn_file_actions_t actions_;
};

/// Child side of a fork: only async-signal-safe calls (the test process has threads). Never returns.
/// With capabilities (a mask of CAP_* bits), the uid change keeps them (PR_SET_KEEPCAPS) and they are raised as
/// ambient capabilities, so the exec'd program (no file capabilities, not setuid) starts with exactly them.
[[noreturn]] void exec_in_child(char *const *args, Pipe &gate, int out_fd, int err_fd, const std::optional<uid_t> &uid,
                                std::uint64_t capabilities = 0)
{
    close(gate.write); // else the gate never reads end-of-file when the parent closes its end
    if ((out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0) || (err_fd >= 0 && dup2(err_fd, STDERR_FILENO) < 0))
        _exit(127);
    if (capabilities != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
        _exit(126);
    if (uid && (setgroups(0, nullptr) != 0 || setgid(*uid) != 0 || setuid(*uid) != 0))
        _exit(126);
    if (capabilities != 0) {
        __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct data[2] = {};
        for (int k = 0; k < 2; ++k) {
            const auto word = static_cast<std::uint32_t>(capabilities >> (32 * k));
            data[k] = {word, word, word};
        }
        if (syscall(SYS_capset, &header, data) != 0)
            _exit(126);
        for (int cap = 0; cap < 64; ++cap)
            if (((capabilities >> cap) & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
                _exit(126);
    }
    if (gate.read >= 0) {
        char go = 0;
        ssize_t n;
        do {
            n = read(gate.read, &go, 1);
        } while (n < 0 && errno == EINTR);
        if (n != 1)
            _exit(126);
    }
    execv(args[0], args);
    _exit(127);
}

} // namespace

Child::Child(pid_t pid, int gate_fd, int out_fd, int err_fd)
    : pid_(pid), pidfd_(static_cast<int>(syscall(SYS_pidfd_open, pid, 0))), gate_fd_(gate_fd), out_fd_(out_fd),
      err_fd_(err_fd)
{
    if (pidfd_ < 0) {
        const int err = errno;
        close_and_reap();
        throw std::system_error(err, std::generic_category(), "pidfd_open");
    }
}

Child Child::spawn(const std::vector<std::string> &argv, Output output, std::optional<uid_t> uid)
{
    if (uid) {
        // posix_spawn cannot change the user: fork + exec.
        Child child = fork_gated(argv, output, uid);
        child.release();
        return child;
    }
    const bool capture = output == Output::capture;
    Pipe out(capture), err(capture);
    FileActions actions;
    if (capture) {
        check(posix_spawn_file_actions_adddup2(actions.get(), out.write, STDOUT_FILENO) == 0, "adddup2");
        check(posix_spawn_file_actions_adddup2(actions.get(), err.write, STDERR_FILENO) == 0, "adddup2");
    }
    auto args = c_argv(argv);
    pid_t pid = -1;
    const int error = posix_spawn(&pid, args[0], actions.get(), nullptr, args.data(), environ);
    if (error != 0)
        throw std::system_error(error, std::generic_category(), "posix_spawn " + argv.at(0));
    return Child(pid, -1, out.take_read(), err.take_read());
}

Child Child::fork_gated(const std::vector<std::string> &argv, Output output, std::optional<uid_t> uid)
{
    const bool capture = output == Output::capture;
    Pipe gate(true), out(capture), err(capture);
    auto args = c_argv(argv);
    const pid_t pid = fork();
    check(pid >= 0, "fork");
    if (pid == 0)
        exec_in_child(args.data(), gate, out.write, err.write, uid);
    return Child(pid, gate.take_write(), out.take_read(), err.take_read());
}

Child Child::spawn_with_capabilities(const std::vector<std::string> &argv, Output output, uid_t uid,
                                     const std::vector<int> &capabilities)
{
    std::uint64_t mask = 0;
    for (int cap : capabilities)
        mask |= std::uint64_t{1} << cap;
    const bool capture = output == Output::capture;
    Pipe gate(false), out(capture), err(capture);
    auto args = c_argv(argv);
    const pid_t pid = fork();
    check(pid >= 0, "fork");
    if (pid == 0)
        exec_in_child(args.data(), gate, out.write, err.write, uid, mask);
    return Child(pid, -1, out.take_read(), err.take_read());
}

Child Child::spawn_at_pid(const std::vector<std::string> &argv, pid_t pid, Output output)
{
    const bool capture = output == Output::capture;
    Pipe gate(false), out(capture), err(capture);
    auto args = c_argv(argv);
    struct { // struct clone_args (linux/sched.h, CLONE_ARGS_SIZE_VER2)
        std::uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
            cgroup;
    } clone{};
    clone.exit_signal = SIGCHLD;
    clone.set_tid = reinterpret_cast<std::uint64_t>(&pid);
    clone.set_tid_size = 1;
    const long result = syscall(SYS_clone3, &clone, sizeof(clone));
    if (result < 0)
        throw std::system_error(errno, std::generic_category(), "clone3 with set_tid " + std::to_string(pid));
    if (result == 0) {
        if (argv.empty())
            _exit(0);
        exec_in_child(args.data(), gate, out.write, err.write, std::nullopt);
    }
    return Child(static_cast<pid_t>(result), -1, out.take_read(), err.take_read());
}

Child::Child(Child &&other) noexcept
    : pid_(std::exchange(other.pid_, -1)), pidfd_(std::exchange(other.pidfd_, -1)),
      gate_fd_(std::exchange(other.gate_fd_, -1)), out_fd_(std::exchange(other.out_fd_, -1)),
      err_fd_(std::exchange(other.err_fd_, -1)), status_(other.status_), out_(std::move(other.out_)),
      err_(std::move(other.err_))
{
}

Child::~Child()
{
    close_and_reap();
}

void Child::close_and_reap() noexcept
{
    for (int *fd : {&gate_fd_, &out_fd_, &err_fd_, &pidfd_})
        if (*fd >= 0)
            close(std::exchange(*fd, -1));
    if (pid_ > 0 && !status_) {
        kill(pid_, SIGKILL);
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        status_ = status;
    }
}

void Child::release()
{
    const char go = 1;
    check(write(gate_fd_, &go, 1) == 1, "releasing a gated child");
    abandon();
}

void Child::abandon()
{
    if (gate_fd_ >= 0)
        close(gate_fd_);
    gate_fd_ = -1;
}

bool Child::poll_once(milliseconds timeout, bool exit)
{
    pollfd fds[3] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}, {exit ? pidfd_ : -1, POLLIN, 0}};
    if (fds[0].fd < 0 && fds[1].fd < 0 && fds[2].fd < 0)
        return false;
    if (poll(fds, 3, static_cast<int>(timeout.count())) <= 0)
        return true;
    int *fd_of[2] = {&out_fd_, &err_fd_};
    std::string *text_of[2] = {&out_, &err_};
    for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || fds[i].revents == 0)
            continue;
        char buffer[65536];
        const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
        if (n > 0) {
            text_of[i]->append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            close(*fd_of[i]);
            *fd_of[i] = -1;
        }
    }
    return true;
}

bool Child::read_until(const std::function<bool()> &done, milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
        const auto left = remaining(deadline);
        if (left.count() == 0 || !poll_once(std::min(left, milliseconds(50)), false))
            return done();
    }
    return true;
}

std::optional<int> Child::wait(milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    while (!status_) {
        int status = 0;
        const pid_t done = waitpid(pid_, &status, WNOHANG);
        if (done == pid_) {
            status_ = status;
            break;
        }
        check(done == 0 || errno == EINTR, "waitpid");
        const auto left = remaining(deadline);
        if (left.count() == 0)
            return std::nullopt;
        poll_once(left, true);
    }
    // Collect what is left in the pipes (bounded: a grandchild could keep them open).
    const auto drain_deadline = Clock::now() + std::chrono::seconds(1);
    while (remaining(drain_deadline).count() > 0 && poll_once(remaining(drain_deadline), false)) {
    }
    return status_;
}

void Child::signal(int signal) const
{
    if (!status_)
        kill(pid_, signal);
}

int CommandResult::exit_code() const
{
    return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

CommandResult run(const std::vector<std::string> &argv, milliseconds timeout)
{
    Child child = Child::spawn(argv, Output::capture);
    CommandResult result;
    result.pid = child.pid();
    result.status = child.wait(timeout);
    result.out = child.out();
    result.err = child.err();
    return result;
}

bool exited_with(const std::optional<int> &status, int code)
{
    return status && WIFEXITED(*status) && WEXITSTATUS(*status) == code;
}

bool killed_by(const std::optional<int> &status, int signal)
{
    return status && WIFSIGNALED(*status) && WTERMSIG(*status) == signal;
}

std::string describe_status(const std::optional<int> &status)
{
    if (!status)
        return "still running (timeout)";
    if (WIFEXITED(*status))
        return "exited with " + std::to_string(WEXITSTATUS(*status));
    if (WIFSIGNALED(*status))
        return "killed by signal " + std::to_string(WTERMSIG(*status));
    return "wait status " + std::to_string(*status);
}

} // namespace winbpf::test
