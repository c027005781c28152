// SPDX-License-Identifier: MIT
#include "child_process.hpp"

#include "winbpf/unique_fd.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace winbpf::bench
{
namespace
{

/// Runs in the forked child: only async-signal-safe calls. Reports a failure's errno through report_fd.
[[noreturn]] void exec_child(pid_t parent, char *const *argv, const StdFds &fds, int cgroup_procs, int report_fd)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int null_fd = open("/dev/null", O_RDWR);
    const int wanted[3] = {fds.in, fds.out, fds.err};
    for (int target = 0; target < 3; ++target)
        dup2(wanted[target] >= 0 ? wanted[target] : null_fd, target);
    if (cgroup_procs < 0 || write(cgroup_procs, "0", 1) == 1) // "0": the writing process
        execv(argv[0], argv);
    const int err = errno;
    [[maybe_unused]] const ssize_t written = write(report_fd, &err, sizeof err);
    _exit(127);
}

} // namespace

ChildProcess ChildProcess::spawn(const std::vector<std::string> &argv, const StdFds &fds, int cgroup_procs)
{
    std::vector<char *> args;
    for (const std::string &arg : argv)
        args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);

    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe2");
    UniqueFd report_read(report[0]);
    UniqueFd report_write(report[1]);

    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0)
        throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0)
        exec_child(parent, args.data(), fds, cgroup_procs, report_write.get());

    ChildProcess child(pid);
    report_write.reset();
    int exec_errno = 0;
    if (read(report_read.get(), &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
        child.wait_for(std::chrono::seconds(5));
        throw std::system_error(exec_errno, std::generic_category(),
                                (cgroup_procs >= 0 ? "move to cgroup and exec " : "exec ") + argv.front());
    }
    return child;
}

ChildProcess::ChildProcess(ChildProcess &&other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(std::exchange(other.status_, std::nullopt))
{
}

ChildProcess::~ChildProcess()
{
    if (pid_ > 0 && !status_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

bool ChildProcess::try_reap()
{
    if (status_ || pid_ <= 0)
        return true;
    int status = 0;
    const pid_t got = waitpid(pid_, &status, WNOHANG);
    if (got == pid_)
        status_ = status;
    return got == pid_;
}

bool ChildProcess::running()
{
    return !try_reap();
}

void ChildProcess::signal(int sig)
{
    if (running())
        ::kill(pid_, sig);
}

std::optional<int> ChildProcess::wait_for(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!try_reap() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return status_;
}

std::optional<int> ChildProcess::wait_until_signal()
{
    if (status_ || pid_ <= 0)
        return status_;
    int status = 0;
    if (waitpid(pid_, &status, 0) == pid_)
        status_ = status;
    return status_;
}

std::string describe_status(int status)
{
    if (WIFEXITED(status))
        return "exited " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        const char *name = sigabbrev_np(WTERMSIG(status));
        return std::string("killed by SIG") + (name ? name : std::to_string(WTERMSIG(status)).c_str());
    }
    return "status " + std::to_string(status);
}

} // namespace winbpf::bench
