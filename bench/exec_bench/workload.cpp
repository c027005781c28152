// SPDX-License-Identifier: MIT
#include "workload.hpp"

#include "host_steal.hpp"

#include "interrupt.hpp"

#include <atomic>
#include <cerrno>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace winbpf::bench
{
namespace
{

/// One worker: count sequential fork+execve+waitpid cycles.
void worker(const char *program, unsigned count, std::atomic<unsigned> &done, std::atomic<unsigned> &failures)
{
    char *const argv[] = {const_cast<char *>(program), nullptr};
    for (unsigned i = 0; i < count && !interrupted(); ++i) {
        const pid_t pid = fork();
        if (pid == 0) {
            execve(program, argv, environ);
            _exit(127);
        }
        if (pid < 0) {
            failures.fetch_add(1);
            continue;
        }
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failures.fetch_add(1);
        done.fetch_add(1);
    }
}

} // namespace

WorkloadResult run_workload(const std::string &program, unsigned execs, unsigned parallel)
{
    std::atomic<unsigned> done{0};
    std::atomic<unsigned> failures{0};
    const auto ticks_before = read_cpu_ticks();
    const auto start = std::chrono::steady_clock::now();
    if (parallel <= 1) {
        worker(program.c_str(), execs, done, failures);
    } else {
        std::vector<std::jthread> workers;
        for (unsigned w = 0; w < parallel; ++w) {
            const unsigned share = execs / parallel + (w < execs % parallel ? 1 : 0);
            workers.emplace_back(worker, program.c_str(), share, std::ref(done), std::ref(failures));
        }
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    return {done.load(), failures.load(), std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed),
            steal_percent(ticks_before, read_cpu_ticks())};
}

} // namespace winbpf::bench
