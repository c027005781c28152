// SPDX-License-Identifier: MIT
// The exec workload of winbpf_bench: fork+exec throughput and per-exec CPU cost with nothing attached, with
// process_monitor, with exec_reference (the same work hand-written) and with execsnoop, interleaved round by round so
// system noise hits every mode alike. See bench/README.md.
#include "report.hpp"
#include "runner.hpp"
#include "workload.hpp"
#include "workloads.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <map>

namespace winbpf::bench
{
namespace
{

/// Targets of the performance issues (25): process_monitor's CPU per exec and throughput; against exec_reference,
/// the relative targets of every monitor (RelativeTargets).
struct Targets {
    double min_throughput_ratio = 0.99; ///< of bare
    double max_cpu_us_per_exec = 3.0;   ///< BPF run time + tool CPU
};

constexpr const char *monitor_name = "process_monitor";
/// bench/reference/exec_reference: process_monitor's work (fork origins, CREATE and DELETE with its strings, the same
/// JSON) hand-written as a plain libbpf tool.
constexpr const char *reference_name = "exec_reference";
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
        return "Measures fork+exec throughput and per-exec CPU cost with nothing attached, with process_monitor, "
               "with exec_reference (the same work in a hand-written libbpf tool) and with execsnoop, interleaved "
               "over several rounds. Needs root. See bench/README.md.";
    }

    void add_options(CLI::App &app, Options &) override
    {
        monitor_ = sibling_path(monitor_name);
        reference_ = sibling_path(reference_name);
        app.add_option("--parallel", parallel_, "Concurrent fork+exec workers")->check(CLI::Range(1u, 64u));
        app.add_option("--program", program_, "Program every exec runs")->check(CLI::ExistingFile);
        app.add_option("--monitor", monitor_, "process_monitor binary (default: next to winbpf_bench)");
        app.add_option("--execsnoop", execsnoop_, "execsnoop binary");
        app.add_flag("--no-monitor", no_monitor_, "Skip the process_monitor mode");
        app.add_flag("--no-execsnoop", no_execsnoop_, "Skip the execsnoop mode");
        app.add_option("--reference", reference_,
                       "exec_reference binary (the same work in a hand-written libbpf tool; default: next to "
                       "winbpf_bench)");
        app.add_flag("--no-reference", no_reference_, "Skip the exec_reference mode");
        app.add_option("--format", json_, "process_monitor's output: json (--json, as exec_reference) or human")
            ->transform(CLI::CheckedTransformer(std::map<std::string, bool>{{"json", true}, {"human", false}},
                                                CLI::ignore_case));
    }

    std::vector<std::string> check(const Options &) override
    {
        std::vector<std::string> missing;
        if (!no_monitor_ && access(monitor_.c_str(), X_OK) != 0)
            missing.push_back(monitor_ + " is not executable (set --monitor PATH, or skip it with --no-monitor)");
        if (!no_reference_ && access(reference_.c_str(), X_OK) != 0)
            missing.push_back(reference_ + " is not executable (set --reference PATH, or skip it with --no-reference)");
        if (!no_execsnoop_ && access(execsnoop_.c_str(), X_OK) != 0)
            missing.push_back(execsnoop_ + " is not executable (set --execsnoop PATH, or skip it with --no-execsnoop)");
        return missing;
    }

    std::vector<ToolSpec> tools(const Options &) const override
    {
        std::vector<ToolSpec> tools;
        if (!no_monitor_) {
            std::vector<std::string> argv{monitor_};
            if (json_)
                argv.emplace_back("--json");
            tools.push_back({monitor_name, argv, "Press Ctrl-C to stop", "", true});
        }
        if (!no_reference_)
            tools.push_back({reference_name, {reference_}, "Press Ctrl-C to stop", "", true});
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
        const ModeSummary *reference = summaries.find(reference_name);
        if (reference && reference->ratio && reference->cpu_us) {
            std::snprintf(buffer, sizeof buffer,
                          "%sexec_reference: throughput %.3f%s, lost %llu, CPU/exec %.2f us (BPF %.2f + user %.2f)",
                          line.empty() ? "" : "; ", reference->ratio->median, format_ci(*reference->ratio).c_str(),
                          static_cast<unsigned long long>(reference->lost.value_or(0)), reference->cpu_us->median,
                          reference->bpf_us->median, reference->tool_us->median);
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
        print_relative_verdict(summaries, monitor_name, reference_name, unit(), RelativeTargets{}, out);
        const ModeSummary *monitor = summaries.find(monitor_name);
        if (!monitor || !monitor->ratio || !monitor->cpu_us)
            return;
        const Targets targets;
        const double ratio = monitor->ratio->median;
        const double cpu = monitor->cpu_us->median;
        std::fprintf(out, "target: process_monitor's CPU per exec <= %.1f us %s (%.2f%s = BPF %.2f + user %.2f)\n",
                     targets.max_cpu_us_per_exec, verdict(cpu <= targets.max_cpu_us_per_exec), cpu,
                     format_ci(*monitor->cpu_us, "%.2f").c_str(), monitor->bpf_us ? monitor->bpf_us->median : 0.0,
                     monitor->tool_us ? monitor->tool_us->median : 0.0);
        std::fprintf(out, "target: process_monitor's throughput >= %.2f of bare %s (%.3f%s)\n",
                     targets.min_throughput_ratio, verdict(ratio >= targets.min_throughput_ratio), ratio,
                     format_ci(*monitor->ratio).c_str());
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
    std::string reference_;
    std::string execsnoop_ = "/usr/sbin/execsnoop";
    bool json_ = true;
    bool no_monitor_ = false;
    bool no_reference_ = false;
    bool no_execsnoop_ = false;
};

} // namespace

std::unique_ptr<Workload> make_exec_workload()
{
    return std::make_unique<ExecWorkload>();
}

} // namespace winbpf::bench
