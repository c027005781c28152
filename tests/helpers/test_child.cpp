// SPDX-License-Identifier: MIT
// winbpf_test_child MODE [ARGS...]: a small, predictable process for the process-hook tests.
//
//   exit N          exit with status N
//   sleep-ms N      sleep N milliseconds, exit 0
//   threads N       start N threads that stay alive, exit from main while they run (one process, N+1 threads)
//   exec-chain N    re-exec itself (/proc/self/exe) with N-1 until N is 0, then exit 0 (N more execs)
//   touch PATH      create PATH (the visible side effect a denied process must not have), exit 0
//   uts-exec NAME   enter a new UTS namespace, set its host name to NAME, re-exec itself with "exit 0"
//   args ...        ignore the arguments, exit 0
// Exit status 100 on a usage error, 101 when an operation fails.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <latch>
#include <sched.h>
#include <string>
#include <thread>
#include <unistd.h>

namespace
{

constexpr int usage_error = 100;
constexpr int operation_failed = 101;

bool parse_number(const char *text, long &value)
{
    char *end = nullptr;
    errno = 0;
    value = std::strtol(text, &end, 10);
    return errno == 0 && end != text && *end == '\0' && value >= 0;
}

int run_threads(long count)
{
    std::latch started(count);
    for (long i = 0; i < count; ++i)
        std::thread([&started] {
            started.count_down();
            std::this_thread::sleep_for(std::chrono::seconds(30));
        }).detach();
    started.wait();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::exit(0); // exit_group: every thread dies with the process
}

int run_exec_chain(const char *argv0, long remaining)
{
    if (remaining == 0)
        return 0;
    const std::string next = std::to_string(remaining - 1);
    char *const args[] = {const_cast<char *>(argv0), const_cast<char *>("exec-chain"), const_cast<char *>(next.c_str()),
                          nullptr};
    execv("/proc/self/exe", args);
    std::perror("winbpf_test_child: execv");
    return operation_failed;
}

int run_touch(const char *path)
{
    const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        std::perror("winbpf_test_child: open");
        return operation_failed;
    }
    close(fd);
    return 0;
}

int run_uts_exec(const char *argv0, const char *host_name)
{
    if (unshare(CLONE_NEWUTS) != 0 || sethostname(host_name, std::strlen(host_name)) != 0) {
        std::perror("winbpf_test_child: unshare/sethostname");
        return operation_failed;
    }
    char *const args[] = {const_cast<char *>(argv0), const_cast<char *>("exit"), const_cast<char *>("0"), nullptr};
    execv("/proc/self/exe", args);
    std::perror("winbpf_test_child: execv");
    return operation_failed;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(
            stderr,
            "usage: %s exit N | sleep-ms N | threads N | exec-chain N | touch PATH | uts-exec NAME | args ...\n",
            argv[0]);
        return usage_error;
    }
    const std::string mode = argv[1];
    if (mode == "args")
        return 0;
    if (argc != 3)
        return usage_error;
    if (mode == "touch")
        return run_touch(argv[2]);
    if (mode == "uts-exec")
        return run_uts_exec(argv[0], argv[2]);
    long value = 0;
    if (!parse_number(argv[2], value))
        return usage_error;
    if (mode == "exit")
        return static_cast<int>(value & 0xff);
    if (mode == "sleep-ms") {
        std::this_thread::sleep_for(std::chrono::milliseconds(value));
        return 0;
    }
    if (mode == "threads")
        return value > 0 ? run_threads(value) : usage_error;
    if (mode == "exec-chain")
        return run_exec_chain(argv[0], value);
    return usage_error;
}
