// SPDX-License-Identifier: MIT
// exec_bench: fork+exec throughput and per-exec CPU cost with nothing attached, with process_monitor and with
// execsnoop, interleaved round by round so system noise hits every mode alike. See bench/README.md.
#include "bpf_programs.hpp"
#include "interrupt.hpp"
#include "mode_runner.hpp"
#include "options.hpp"
#include "report.hpp"
#include "workload.hpp"

#include <chrono>
#include <cstdio>
#include <exception>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace winbpf::bench
{
namespace
{

/// The tools to measure, in the order of the first round.
std::vector<Mode> selected_tools(const Options &options)
{
    std::vector<Mode> tools;
    if (options.with_monitor)
        tools.push_back(Mode::monitor);
    if (options.with_execsnoop)
        tools.push_back(Mode::execsnoop);
    return tools;
}

/// Busy and total jiffies of all CPUs, from the "cpu" line of /proc/stat.
std::pair<double, double> cpu_jiffies()
{
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    if (std::FILE *file = std::fopen("/proc/stat", "r")) {
        if (std::fscanf(file, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &system, &idle, &iowait,
                        &irq, &softirq, &steal) != 8)
            idle = 0;
        std::fclose(file);
    }
    const double busy = static_cast<double>(user + nice + system + irq + softirq + steal);
    return {busy, busy + static_cast<double>(idle + iowait)};
}

/// Warns when other work keeps the CPUs busy (sampled for half a second before the bench starts its own work).
void warn_if_busy()
{
    const auto [busy0, total0] = cpu_jiffies();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto [busy1, total1] = cpu_jiffies();
    const double share = total1 > total0 ? (busy1 - busy0) / (total1 - total0) : 0;
    if (share > 0.10)
        std::fprintf(stderr,
                     "exec_bench: warning: the CPUs are %.0f%% busy before the bench starts: other work "
                     "competes with the workload and the figures will be noisy\n",
                     share * 100);
}

/// Checks the tools exist before any round starts; false (with a message) if not.
bool tools_present(const Options &options)
{
    bool ok = true;
    const auto check = [&](bool wanted, const std::string &path, const char *advice) {
        if (wanted && access(path.c_str(), X_OK) != 0) {
            std::fprintf(stderr, "exec_bench: %s is not executable (%s)\n", path.c_str(), advice);
            ok = false;
        }
    };
    check(true, options.generator, "build it with exec_bench, or set --generator PATH");
    check(options.with_monitor, options.monitor, "set --monitor PATH, or skip it with --no-monitor");
    check(options.with_execsnoop, options.execsnoop, "set --execsnoop PATH, or skip it with --no-execsnoop");
    return ok;
}

int run(const Options &options)
{
    const InterruptGuard interrupt;
    warn_if_busy();
    const BpfStatsEnabled stats; // for the whole run, so every mode pays the same accounting overhead
    if (const std::size_t links = count_links(); links > 0)
        std::fprintf(stderr,
                     "exec_bench: note: %zu BPF links are already attached in the system; whatever they "
                     "trace costs every mode alike\n",
                     links);

    run_workload(options.generator, options.program, std::max(1u, options.execs / 10),
                 options.parallel); // warm-up, not reported
    throw_if_interrupted();

    // Every tool measurement sits between two bare ones (bare, tool A, bare, tool B, ..., bare), and the tools'
    // order rotates from round to round: each tool is compared with the bare runs right before and after it.
    const std::vector<Mode> tools = selected_tools(options);
    Report report(options);
    for (unsigned round = 0; round < options.rounds; ++round) {
        for (std::size_t i = 0; i < tools.size(); ++i) {
            report.add(round, measure(Mode::bare, options));
            report.add(round, measure(tools[(round + i) % tools.size()], options));
        }
        if (tools.empty())
            report.add(round, measure(Mode::bare, options));
    }
    if (!tools.empty())
        report.add(options.rounds - 1, measure(Mode::bare, options));
    return report.print(stdout) ? 0 : 1;
}

} // namespace
} // namespace winbpf::bench

int main(int argc, char **argv)
{
    using namespace winbpf::bench;
    Options options;
    if (const auto exit_code = parse_options(argc, argv, options))
        return *exit_code;
    if (geteuid() != 0) {
        std::fputs("exec_bench: must run as root (bpf_stats, BPF program ids, the tools themselves)\n", stderr);
        return 1;
    }
    if (!tools_present(options))
        return 1;
    try {
        return run(options);
    } catch (const Interrupted &) {
        std::fputs("exec_bench: interrupted\n", stderr);
        return 130;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "exec_bench: %s\n", error.what());
    }
    return 1;
}
