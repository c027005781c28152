// SPDX-License-Identifier: MIT
#include "generator.hpp"

#include "child_process.hpp"
#include "host_steal.hpp"
#include "interrupt.hpp"
#include "winbpf/unique_fd.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

namespace winbpf::bench
{
namespace
{

/// Everything the generator wrote to its stdout (a few dozen bytes), read after it exited.
std::string read_all(int fd)
{
    std::string text;
    std::array<char, 256> buffer{};
    for (;;) {
        const ssize_t got = read(fd, buffer.data(), buffer.size());
        if (got > 0)
            text.append(buffer.data(), static_cast<std::size_t>(got));
        else if (got == 0 || errno != EINTR)
            return text;
    }
}

} // namespace

WorkloadResult run_generator(const std::vector<std::string> &argv, unsigned count, int cgroup_procs)
{
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe2 for " + argv.front());
    UniqueFd out_read(out[0]);
    UniqueFd out_write(out[1]);

    WorkloadResult result;
    const auto ticks_before = read_cpu_ticks();
    ChildProcess child = ChildProcess::spawn(argv, {-1, out_write.get(), STDERR_FILENO}, cgroup_procs);
    out_write.reset();
    std::optional<int> status;
    while (!(status = child.wait_until_signal()))
        if (interrupted()) {
            child.signal(SIGKILL); // the destructor reaps it
            throw Interrupted();
        }
    result.steal_percent = steal_percent(ticks_before, read_cpu_ticks());

    const std::string text = read_all(out_read.get());
    unsigned long long done = 0, failures = 0;
    long long elapsed_ns = 0;
    if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0 ||
        std::sscanf(text.c_str(), "%llu %llu %lld", &done, &failures, &elapsed_ns) != 3)
        throw std::runtime_error(argv.front() + " " + describe_status(*status) + ", printed \"" + text + "\"");
    result.done = static_cast<unsigned>(done);
    result.failures = static_cast<unsigned>(failures + (done < count ? count - done : 0));
    result.elapsed = std::chrono::nanoseconds(elapsed_ns);
    return result;
}

} // namespace winbpf::bench
