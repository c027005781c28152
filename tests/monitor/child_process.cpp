// SPDX-License-Identifier: MIT
#include "child_process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

namespace winbpf::monitor::test
{
namespace
{

using Clock = std::chrono::steady_clock;

void check(bool ok, const char *what)
{
    if (!ok)
        throw std::system_error(errno, std::generic_category(), what);
}

std::chrono::milliseconds remaining(Clock::time_point deadline)
{
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() > 0 ? left : std::chrono::milliseconds(0);
}

} // namespace

ChildProcess::ChildProcess(const std::vector<std::string> &argv, std::optional<uid_t> run_as_uid)
{
    int out_pipe[2], err_pipe[2];
    check(pipe2(out_pipe, O_CLOEXEC) == 0, "pipe2");
    check(pipe2(err_pipe, O_CLOEXEC) == 0, "pipe2");
    std::vector<char *> args;
    for (const auto &arg : argv)
        args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);

    pid_ = fork();
    check(pid_ >= 0, "fork");
    if (pid_ == 0) {
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(err_pipe[1], STDERR_FILENO);
        if (run_as_uid && (setgid(*run_as_uid) != 0 || setuid(*run_as_uid) != 0))
            _exit(126);
        execv(args[0], args.data());
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    out_fd_ = out_pipe[0];
    err_fd_ = err_pipe[0];
}

ChildProcess::~ChildProcess()
{
    if (!status_) {
        kill(pid_, SIGKILL);
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (out_fd_ >= 0)
        close(out_fd_);
    if (err_fd_ >= 0)
        close(err_fd_);
}

bool ChildProcess::read_some(std::chrono::milliseconds timeout)
{
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    if (out_fd_ < 0 && err_fd_ < 0)
        return false;
    const int ready = poll(fds, 2, static_cast<int>(timeout.count()));
    if (ready <= 0)
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

bool ChildProcess::read_until(const std::function<bool()> &done, std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
        const auto left = remaining(deadline);
        if (left.count() == 0)
            return done();
        if (!read_some(std::min(left, std::chrono::milliseconds(50))) && !done()) {
            // Both pipes closed: nothing more can arrive.
            return false;
        }
    }
    return true;
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    while (!status_) {
        int status = 0;
        const pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            status_ = status;
            break;
        }
        const auto left = remaining(deadline);
        if (left.count() == 0)
            return std::nullopt;
        if (!read_some(std::min(left, std::chrono::milliseconds(20))))
            usleep(20000);
    }
    // Collect what is left in the pipes (bounded: a grandchild could keep them open).
    const auto drain_deadline = Clock::now() + std::chrono::seconds(1);
    while ((out_fd_ >= 0 || err_fd_ >= 0) && remaining(drain_deadline).count() > 0)
        read_some(std::chrono::milliseconds(50));
    return status_;
}

void ChildProcess::signal(int signal) const
{
    kill(pid_, signal);
}

std::optional<int> run_to_exit(const std::vector<std::string> &argv, std::chrono::milliseconds timeout, pid_t *pid)
{
    ChildProcess child(argv);
    if (pid)
        *pid = child.pid();
    return child.wait_exit(timeout);
}

} // namespace winbpf::monitor::test
