// SPDX-License-Identifier: MIT
#include "child.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <system_error>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace process_test
{
namespace
{

using Clock = std::chrono::steady_clock;

std::vector<char *> c_argv(const std::vector<std::string> &argv)
{
    std::vector<char *> args;
    for (const auto &arg : argv)
        args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);
    return args;
}

void check(bool ok, const char *what)
{
    if (!ok)
        throw std::system_error(errno, std::generic_category(), what);
}

/// A temporary file removed on destruction (captures a command's output).
class TempFile
{
  public:
    TempFile()
    {
        char name[] = "/tmp/winbpf-process-test-XXXXXX";
        fd_ = mkostemp(name, O_CLOEXEC);
        check(fd_ >= 0, "mkostemp");
        path_ = name;
    }
    TempFile(const TempFile &) = delete;
    TempFile &operator=(const TempFile &) = delete;
    ~TempFile()
    {
        close(fd_);
        unlink(path_.c_str());
    }
    int fd() const noexcept { return fd_; }
    std::string read() const
    {
        std::ifstream in(path_, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

  private:
    int fd_ = -1;
    std::string path_;
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

pid_t spawn_with(const std::vector<std::string> &argv, posix_spawn_file_actions_t *actions)
{
    auto args = c_argv(argv);
    pid_t pid = -1;
    const int err = posix_spawn(&pid, args[0], actions, nullptr, args.data(), environ);
    if (err != 0)
        throw std::system_error(err, std::generic_category(), "posix_spawn " + argv.at(0));
    return pid;
}

} // namespace

std::string test_child_path()
{
    return WINBPF_TEST_CHILD;
}

Child Child::spawn(const std::vector<std::string> &argv)
{
    return Child(spawn_with(argv, nullptr), -1);
}

Child Child::fork_gated(const std::vector<std::string> &argv)
{
    int gate[2];
    check(pipe2(gate, O_CLOEXEC) == 0, "pipe2");
    auto args = c_argv(argv);
    const pid_t pid = fork();
    if (pid < 0) {
        const int err = errno;
        close(gate[0]);
        close(gate[1]);
        throw std::system_error(err, std::generic_category(), "fork");
    }
    if (pid == 0) {
        // Only async-signal-safe calls here: the test process has threads.
        close(gate[1]);
        char go = 0;
        ssize_t n;
        do {
            n = read(gate[0], &go, 1);
        } while (n < 0 && errno == EINTR);
        if (n != 1)
            _exit(126);
        execv(args[0], args.data());
        _exit(127);
    }
    close(gate[0]);
    return Child(pid, gate[1]);
}

Child::Child(Child &&other) noexcept : pid_(other.pid_), gate_fd_(other.gate_fd_), reaped_(other.reaped_)
{
    other.pid_ = -1;
    other.gate_fd_ = -1;
}

Child::~Child()
{
    if (gate_fd_ >= 0)
        close(gate_fd_);
    if (pid_ > 0 && !reaped_) {
        kill(pid_, SIGKILL);
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

void Child::release()
{
    const char go = 1;
    check(write(gate_fd_, &go, 1) == 1, "releasing a gated child");
    close(gate_fd_);
    gate_fd_ = -1;
}

void Child::abandon()
{
    if (gate_fd_ >= 0)
        close(gate_fd_);
    gate_fd_ = -1;
}

std::optional<int> Child::wait(std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t done = waitpid(pid_, &status, WNOHANG);
        if (done == pid_) {
            reaped_ = true;
            return status;
        }
        check(done == 0 || errno == EINTR, "waitpid");
        if (Clock::now() >= deadline)
            return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

void Child::signal(int signal) const
{
    if (!reaped_)
        kill(pid_, signal);
}

bool exited_with(const std::optional<int> &status, int code)
{
    return status && WIFEXITED(*status) && WEXITSTATUS(*status) == code;
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

CommandResult run_command(const std::vector<std::string> &argv, std::chrono::milliseconds timeout)
{
    TempFile out, err;
    FileActions actions;
    check(posix_spawn_file_actions_adddup2(actions.get(), out.fd(), STDOUT_FILENO) == 0, "adddup2");
    check(posix_spawn_file_actions_adddup2(actions.get(), err.fd(), STDERR_FILENO) == 0, "adddup2");
    Child child(spawn_with(argv, actions.get()), -1);
    CommandResult result;
    result.status = child.wait(timeout);
    result.out = out.read();
    result.err = err.read();
    return result;
}

} // namespace process_test
