// SPDX-License-Identifier: MIT
// exec_generator: the exec workload of winbpf_bench, in a process of its own. It runs EXECS fork + execve(PROGRAM) +
// waitpid cycles, split over PARALLEL workers, and prints "<done> <failures> <elapsed ns>" on stdout.
//
// It is a separate, single-threaded program so that every mode forks from the same small address space: forked from
// winbpf_bench itself, the workload would fork a process whose pipe-draining threads exist only while a tool runs, and
// forking a multi-threaded process costs more (with two idle threads, about 14 more page faults and 8% fewer
// fork+execs per second on the development VM; TLB shoot-downs did not change). That made every tool look about 5%
// slower than its CPU cost explains.
//
// Usage: exec_generator PROGRAM EXECS PARALLEL. Exit 0 when the counts were printed, 2 on bad arguments, 1 when a
// worker could not be started or did not report.
#include "generator_main.hpp"

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace
{

/// Counts of one worker, sent to the generator through a pipe.
struct WorkerCounts {
    std::uint64_t done = 0;     ///< fork+execs completed
    std::uint64_t failures = 0; ///< children that did not exit 0, or forks that failed
};

/// Sequential fork + execve + waitpid cycles.
WorkerCounts run_worker(const char *program, std::uint64_t count)
{
    char *const argv[] = {const_cast<char *>(program), nullptr};
    WorkerCounts counts;
    for (std::uint64_t i = 0; i < count; ++i) {
        const pid_t pid = fork();
        if (pid == 0) {
            execve(program, argv, environ);
            _exit(127);
        }
        if (pid < 0) {
            ++counts.failures;
            continue;
        }
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            ++counts.failures;
        ++counts.done;
    }
    return counts;
}

/// Forks one worker process per share; each writes its WorkerCounts to report_fd. Returns the summed counts, or
/// false when a worker could not be forked or did not report.
bool run_workers(const char *program, std::uint64_t execs, std::uint64_t parallel, WorkerCounts &total)
{
    int report[2];
    if (pipe(report) != 0) {
        std::perror("exec_generator: pipe");
        return false;
    }
    std::uint64_t started = 0;
    for (std::uint64_t w = 0; w < parallel; ++w) {
        const std::uint64_t share = execs / parallel + (w < execs % parallel ? 1 : 0);
        const pid_t pid = fork();
        if (pid == 0) {
            close(report[0]);
            const WorkerCounts counts = run_worker(program, share);
            _exit(write(report[1], &counts, sizeof counts) == sizeof counts ? 0 : 1);
        }
        if (pid < 0) {
            std::perror("exec_generator: fork of a worker");
            break;
        }
        ++started;
    }
    close(report[1]);
    std::uint64_t reported = 0;
    WorkerCounts counts;
    while (read(report[0], &counts, sizeof counts) == sizeof counts) {
        total.done += counts.done;
        total.failures += counts.failures;
        ++reported;
    }
    close(report[0]);
    while (wait(nullptr) > 0 || errno == EINTR) {
    }
    if (reported != parallel)
        std::fprintf(stderr, "exec_generator: %llu of %llu workers reported\n",
                     static_cast<unsigned long long>(reported), static_cast<unsigned long long>(parallel));
    return started == parallel && reported == parallel;
}

} // namespace

int main(int argc, char **argv)
{
    std::uint64_t execs = 0;
    std::uint64_t parallel = 0;
    if (argc != 4 || !winbpf::bench::generator::parse_count(argv[2], execs) ||
        !winbpf::bench::generator::parse_count(argv[3], parallel) || parallel > execs) {
        std::fputs("usage: exec_generator PROGRAM EXECS PARALLEL (1 <= PARALLEL <= EXECS)\n", stderr);
        return 2;
    }
    const auto start = std::chrono::steady_clock::now();
    WorkerCounts total;
    bool ok = true;
    if (parallel == 1)
        total = run_worker(argv[1], execs);
    else
        ok = run_workers(argv[1], execs, parallel, total);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    winbpf::bench::generator::print_result(total.done, total.failures, elapsed);
    return ok ? 0 : 1;
}
