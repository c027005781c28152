// SPDX-License-Identifier: MIT
// The exec workload of winbpf_bench: fork+exec throughput and per-exec CPU cost with nothing attached, with
// process_monitor and with execsnoop, interleaved round by round so system noise hits every mode alike. See
// bench/README.md.
#include "report.hpp"
#include "runner.hpp"
#include "workload.hpp"
#include "workloads.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

namespace winbpf::bench
{
namespace
{

/// Targets of the process_monitor performance issue.
struct Targets {
    double min_throughput_ratio = 0.97; ///< of bare
    double max_cpu_us_per_exec = 5.0;   ///< BPF run time + tool CPU
};

constexpr const char *monitor_name = "process_monitor";
constexpr const char *execsnoop_name = "execsnoop";

const char *verdict(bool ok)
{
    return ok ? "PASS" : "FAIL";
}

/// N fork + execve(program) + waitpid cycles (exec_generator), against process_monitor and execsnoop.
class ExecWorkload final : public Workload
{
  public:
    std::string name() const override { return "exec"; }
    std::string unit() const override { return "exec"; }
    std::string description() const override
    {
        return "Measures fork+exec throughput and per-exec CPU cost with nothing attached, with process_monitor "
               "and with execsnoop, interleaved over several rounds. Needs root. See bench/README.md.";
    }

    void add_options(CLI::App &app, Options &) override
    {
        monitor_ = sibling_path("process_monitor");
        app.add_option("--parallel", parallel_, "Concurrent fork+exec workers")->check(CLI::Range(1u, 64u));
        app.add_option("--program", program_, "Program every exec runs")->check(CLI::ExistingFile);
        app.add_option("--monitor", monitor_, "process_monitor binary (default: next to winbpf_bench)");
        app.add_option("--execsnoop", execsnoop_, "execsnoop binary");
        app.add_flag("--no-monitor", no_monitor_, "Skip the process_monitor mode");
        app.add_flag("--no-execsnoop", no_execsnoop_, "Skip the execsnoop mode");
    }

    std::vector<std::string> check(const Options &) override
    {
        std::vector<std::string> missing;
        if (!no_monitor_ && access(monitor_.c_str(), X_OK) != 0)
            missing.push_back(monitor_ + " is not executable (set --monitor PATH, or skip it with --no-monitor)");
        if (!no_execsnoop_ && access(execsnoop_.c_str(), X_OK) != 0)
            missing.push_back(execsnoop_ + " is not executable (set --execsnoop PATH, or skip it with --no-execsnoop)");
        return missing;
    }

    std::vector<ToolSpec> tools(const Options &) const override
    {
        std::vector<ToolSpec> tools;
        if (!no_monitor_)
            tools.push_back({monitor_name, {monitor_}, "Press Ctrl-C to stop", "", true});
        if (!no_execsnoop_)
            tools.push_back({execsnoop_name, {execsnoop_}, "", "PCOMM", false});
        return tools;
    }

    std::vector<std::string> generator_argv(const Options &options, unsigned count) const override
    {
        return {options.generator, program_, std::to_string(count), std::to_string(parallel_)};
    }

    std::string describe(const Options &options) const override
    {
        return std::to_string(options.count) + " fork+execs of " + program_ + ", " + std::to_string(parallel_) +
               " worker(s)";
    }

    void print_tool_lines(const Summaries &summaries, std::FILE *out) const override
    {
        const ModeSummary *monitor = summaries.find(monitor_name);
        const ModeSummary *execsnoop = summaries.find(execsnoop_name);
        std::string line;
        char buffer[256];
        if (monitor && monitor->ratio && monitor->cpu_us) {
            std::snprintf(
                buffer, sizeof buffer,
                "process_monitor: throughput %.3f of bare%s, lost %llu, CPU/exec %.2f us (BPF %.2f + user %.2f)",
                monitor->ratio->median, format_ci(*monitor->ratio).c_str(),
                static_cast<unsigned long long>(monitor->lost.value_or(0)), monitor->cpu_us->median,
                monitor->bpf_us->median, monitor->tool_us->median);
            line += buffer;
        }
        if (execsnoop && execsnoop->ratio && execsnoop->cpu_us) {
            std::snprintf(buffer, sizeof buffer,
                          "%sexecsnoop: throughput %.3f%s, CPU/exec %.2f us (BPF %.2f + user %.2f)",
                          line.empty() ? "" : "; ", execsnoop->ratio->median, format_ci(*execsnoop->ratio).c_str(),
                          execsnoop->cpu_us->median, execsnoop->bpf_us->median, execsnoop->tool_us->median);
            line += buffer;
        }
        if (!line.empty())
            std::fprintf(out, "\n%s\n", line.c_str());
    }

    void print_verdict(const Summaries &summaries, std::FILE *out) const override
    {
        const ModeSummary *monitor = summaries.find(monitor_name);
        const ModeSummary *execsnoop = summaries.find(execsnoop_name);
        if (!monitor || !monitor->ratio || !monitor->cpu_us)
            return;
        const Targets targets;
        const double ratio = monitor->ratio->median;
        const double cpu = monitor->cpu_us->median;
        const std::uint64_t lost = monitor->lost.value_or(0);
        std::fprintf(out,
                     "targets: throughput >= %.2f of bare %s (%.3f); lost == 0 %s (%llu); CPU/exec <= %.1f us %s "
                     "(%.2f)",
                     targets.min_throughput_ratio, verdict(ratio >= targets.min_throughput_ratio), ratio,
                     verdict(lost == 0 && monitor->lost.has_value()), static_cast<unsigned long long>(lost),
                     targets.max_cpu_us_per_exec, verdict(cpu <= targets.max_cpu_us_per_exec), cpu);
        if (execsnoop && execsnoop->ratio && execsnoop->cpu_us)
            std::fprintf(out, "; not behind execsnoop: throughput %s (%.3f vs %.3f), CPU %s (%.2f vs %.2f us)",
                         verdict(ratio >= execsnoop->ratio->median), ratio, execsnoop->ratio->median,
                         verdict(cpu <= execsnoop->cpu_us->median), cpu, execsnoop->cpu_us->median);
        std::fputc('\n', out);
        if (const auto &ci = monitor->ratio->median_ci;
            ci && ci->first < targets.min_throughput_ratio && ci->second >= targets.min_throughput_ratio)
            std::fprintf(out,
                         "throughput: the 95%% confidence interval of the median ratio (%.3f-%.3f) contains the "
                         "target %.2f, so this run cannot decide it; more --rounds narrow the interval\n",
                         ci->first, ci->second, targets.min_throughput_ratio);
    }

  private:
    unsigned parallel_ = 1;
    std::string program_ = "/bin/true";
    std::string monitor_;
    std::string execsnoop_ = "/usr/sbin/execsnoop";
    bool no_monitor_ = false;
    bool no_execsnoop_ = false;
};

} // namespace

std::unique_ptr<Workload> make_exec_workload()
{
    return std::make_unique<ExecWorkload>();
}

} // namespace winbpf::bench
