// SPDX-License-Identifier: MIT
#include "measurement.hpp"

#include "children.hpp"
#include "kernel.hpp"
#include "winbpf/unique_fd.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <set>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <system_error>
#include <thread>
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

namespace
{

using namespace std::chrono_literals;

/// Program and CPU counters of a running tool at one instant.
struct ToolSample {
    std::vector<ProgramCounters> bpf;
    std::chrono::nanoseconds cpu{};
};

ToolSample sample(const ProgramGroup &programs, pid_t pid)
{
    return {programs.sample(), process_cpu_time(pid)};
}

[[noreturn]] void fail_start(const ToolSpec &spec, ChildProcess &tool, const PipeReader &err, std::string_view why)
{
    std::string message = spec.name + " (pid " + std::to_string(tool.pid()) + ") " + std::string(why);
    if (const auto status = tool.status())
        message += " (" + describe_status(*status) + ")";
    const std::string text = err.text();
    if (!text.empty())
        message += "; its stderr:\n" + text;
    throw std::runtime_error(message);
}

/// Waits until the tool has attached its programs: it says so on stderr (spec.ready_text), or, for a tool that
/// does not (e.g. execsnoop, whose stdout is block-buffered in a pipe), every program it holds is behind one of its
/// bpf_links.
void wait_until_attached(const ToolSpec &spec, ChildProcess &tool, PipeReader &err, const Options &options)
{
    const auto deadline = std::chrono::steady_clock::now() + options.ready_timeout;
    if (!spec.ready_text.empty()) {
        if (!err.wait_for_text(spec.ready_text, deadline))
            fail_start(spec, tool, err, "did not print \"" + spec.ready_text + "\"");
        return;
    }
    while (!scan_bpf_holdings(tool.pid()).attached()) {
        throw_if_interrupted();
        if (!tool.running())
            fail_start(spec, tool, err, "exited before attaching");
        if (std::chrono::steady_clock::now() > deadline)
            fail_start(spec, tool, err, "did not attach in time");
        std::this_thread::sleep_for(10ms);
    }
}

/// The tool's programs: those behind its descriptors, else those loaded since it started.
std::set<std::uint32_t> tool_program_ids(pid_t pid, const std::set<std::uint32_t> &before)
{
    std::set<std::uint32_t> ids = scan_bpf_holdings(pid).all_programs();
    if (!ids.empty())
        return ids;
    for (const std::uint32_t id : all_program_ids())
        if (!before.contains(id))
            ids.insert(id);
    return ids;
}

/// SIGINT, then the tool's exit; a problem description unless it exited 0 in time.
std::string stop_tool(ChildProcess &tool)
{
    tool.signal(SIGINT);
    if (const auto status = tool.wait_for(20s))
        return WIFEXITED(*status) && WEXITSTATUS(*status) == 0 ? "" : "tool " + describe_status(*status);
    tool.signal(SIGKILL);
    tool.wait_for(5s);
    return "tool did not exit within 20 s of SIGINT";
}

void add_problem(std::string &problems, const std::string &problem)
{
    if (!problem.empty())
        problems += (problems.empty() ? "" : "; ") + problem;
}

Measurement measure_tool(const BenchSetup &setup, Mode mode, unsigned count)
{
    const ToolSpec &spec = setup.tools.at(mode - 1);
    const Options &options = setup.options;
    Measurement result;
    result.mode = mode;
    result.bpf_stats = spec.bpf_stats;
    std::optional<BpfStatsEnabled> accounting; // on for the whole measurement, off again before the next one
    if (spec.bpf_stats)
        accounting.emplace();
    const std::set<std::uint32_t> before = all_program_ids();

    // Readers first: destroyed after the tool, whose death closes their pipes.
    std::optional<PipeReader> out;
    if (options.sink == Sink::pipe)
        out.emplace(256);
    PipeReader err(64 * 1024);
    ChildProcess tool = ChildProcess::spawn(spec.argv, {-1, out ? out->write_end() : -1, err.write_end()});
    if (out)
        out->start();
    err.start();

    wait_until_attached(spec, tool, err, options);
    const ProgramGroup programs(tool_program_ids(tool.pid(), before));
    if (const unsigned warmup = options.tool_warmup.value_or(count); warmup > 0) {
        result.warmup_done = run_generator(setup.workload.generator_argv(options, warmup), warmup,
                                           setup.workload.generator_cgroup_procs())
                                 .done;
        throw_if_interrupted();
        std::this_thread::sleep_for(options.settle); // the tool drains the warm-up before it is sampled
    } else {
        std::this_thread::sleep_for(50ms); // let the tool finish its start-up work
    }

    const ToolSample start = sample(programs, tool.pid());
    result.workload =
        run_generator(setup.workload.generator_argv(options, count), count, setup.workload.generator_cgroup_procs());
    throw_if_interrupted();
    std::this_thread::sleep_for(options.settle); // the tool drains what the workload produced
    const ToolSample end = sample(programs, tool.pid());

    result.programs = growth(start.bpf, end.bpf);
    result.bpf = total(result.programs);
    result.tool_cpu = end.cpu - start.cpu;
    add_problem(result.problem, stop_tool(tool));
    err.wait_for_eof(5s);
    if (out && out->wait_for_eof(5s)) {
        const bool header = !spec.header.empty() && out->text().starts_with(spec.header);
        result.lines = out->lines() - (header && out->lines() > 0 ? 1 : 0);
    }
    if (const auto summary = parse_summary(err.text())) {
        result.received = summary->received;
        result.lost = summary->lost;
    } else if (spec.expects_summary) {
        add_problem(result.problem, "no \"received N, lost M\" summary on stderr");
    }
    return result;
}

} // namespace

std::string BenchSetup::mode_name(Mode mode) const
{
    return mode == bare_mode ? "bare" : mode <= tools.size() ? tools[mode - 1].name : "?";
}

double Measurement::rate() const
{
    const double seconds = std::chrono::duration<double>(workload.elapsed).count();
    return seconds > 0 ? workload.done / seconds : 0;
}

double Measurement::micros_per_op() const
{
    return workload.done ? static_cast<double>(workload.elapsed.count()) / 1000.0 / workload.done : 0;
}

Measurement measure(const BenchSetup &setup, Mode mode, unsigned count)
{
    Measurement result;
    if (mode == bare_mode) {
        result.workload = run_generator(setup.workload.generator_argv(setup.options, count), count,
                                        setup.workload.generator_cgroup_procs());
        throw_if_interrupted();
    } else {
        result = measure_tool(setup, mode, count);
    }
    if (result.workload.failures > 0)
        add_problem(result.problem,
                    std::to_string(result.workload.failures) + " " + setup.workload.unit() + "s failed");
    return result;
}

} // namespace winbpf::bench
