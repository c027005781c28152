// SPDX-License-Identifier: MIT
// bind_bench: what bind_monitor adds to a socket + bind + close, with the generator in a cgroup of the bench's own
// and bind_monitor attached to that cgroup only; bare and tool runs interleaved. See bench/README.md.
#include "bench_main.hpp"
#include "cgroup.hpp"
#include "options.hpp"
#include "report.hpp"
#include "workload.hpp"

#include <CLI/CLI.hpp>

#include <map>
#include <optional>
#include <unistd.h>

namespace winbpf::bench
{
namespace
{

/// Target of the bind_monitor performance issue: wall time bind_monitor adds to one bind (an empty cgroup/bind4
/// program costs about 0.3-0.4 us on the development VM).
constexpr double max_added_us_per_bind = 0.5;

constexpr const char *monitor_name = "bind_monitor";

/// N socket + bind(127.0.0.1:0) + close cycles (bind_generator) in the bench's cgroup, against bind_monitor.
class BindWorkload final : public Workload
{
  public:
    std::string program() const override { return "bind_bench"; }
    std::string unit() const override { return "bind"; }
    std::string description() const override
    {
        return "Measures the time per socket + bind(127.0.0.1:0) + close with nothing attached and with "
               "bind_monitor attached to the bench's own cgroup, interleaved over several rounds. Needs root. See "
               "bench/README.md.";
    }

    void add_options(CLI::App &app, Options &options) override
    {
        options.count = 5000;
        options.rounds = 20;
        monitor_ = sibling_path("bind_monitor");
        const std::map<std::string, bool> formats{{"json", true}, {"human", false}};
        app.add_option("--monitor", monitor_, "bind_monitor binary (default: next to bind_bench)");
        app.add_flag("--no-monitor", no_monitor_, "Skip the bind_monitor mode (bare runs only)");
        app.add_option("--format", json_, "bind_monitor's output: json (--json) or human")
            ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case));
        app.add_option("--drain-ms", drain_ms_,
                       "Passed to bind_monitor as --drain-ms (default: none, its own default)");
    }

    std::vector<std::string> check(const Options &) override
    {
        if (!no_monitor_ && access(monitor_.c_str(), X_OK) != 0)
            return {monitor_ + " is not executable (set --monitor PATH, or skip it with --no-monitor)"};
        return {};
    }

    void prepare(const Options &) override { cgroup_.emplace("winbpf_bind_bench"); }
    void cleanup() noexcept override { cgroup_.reset(); }

    std::vector<ToolSpec> tools(const Options &) const override
    {
        if (no_monitor_)
            return {};
        std::vector<std::string> argv{monitor_, "--cgroup", cgroup_->path()};
        if (json_)
            argv.emplace_back("--json");
        if (drain_ms_ > 0)
            argv.insert(argv.end(), {"--drain-ms", std::to_string(drain_ms_)});
        return {{monitor_name, argv, "Press Ctrl-C to stop", "", true}};
    }

    std::vector<std::string> generator_argv(const Options &options, unsigned count) const override
    {
        return {options.generator, std::to_string(count)};
    }
    int generator_cgroup_procs() const override { return cgroup_->procs_fd(); }

    std::string describe(const Options &options) const override
    {
        return std::to_string(options.count) + " socket+bind(127.0.0.1:0)+close in cgroup " + cgroup_->path();
    }

    void print_tool_lines(const Summaries &summaries, std::FILE *out) const override
    {
        const ModeSummary *bare = summaries.find("bare");
        const ModeSummary *monitor = summaries.find(monitor_name);
        if (bare && bare->op_us)
            std::fprintf(out, "\ntime per bind: bare %.3f us%s", bare->op_us->median, format_ci(*bare->op_us).c_str());
        if (!monitor || !monitor->op_us || !monitor->added_us || !monitor->slowdown) {
            std::fputc('\n', out);
            return;
        }
        std::fprintf(out, ", with %s %.3f us%s\n", monitor_name, monitor->op_us->median,
                     format_ci(*monitor->op_us).c_str());
        std::fprintf(out, "%s: added %.3f us per bind%s, time ratio %.3f%s", monitor_name, monitor->added_us->median,
                     format_ci(*monitor->added_us, "%.3f").c_str(), monitor->slowdown->median,
                     format_ci(*monitor->slowdown).c_str());
        if (monitor->bpf_us && monitor->bpf_runs)
            std::fprintf(out, "; BPF run time %.3f us per bind%s (%.2f runs per bind)", monitor->bpf_us->median,
                         format_ci(*monitor->bpf_us).c_str(), monitor->bpf_runs->median);
        if (monitor->tool_us)
            std::fprintf(out, "; tool CPU %.3f us per bind", monitor->tool_us->median);
        std::fputc('\n', out);
    }

    void print_verdict(const Summaries &summaries, std::FILE *out) const override
    {
        const ModeSummary *monitor = summaries.find(monitor_name);
        if (!monitor || !monitor->added_us)
            return;
        const Spread &added = *monitor->added_us;
        const char *verdict = added.median <= max_added_us_per_bind ? "PASS" : "FAIL";
        std::fprintf(out, "target: added time per bind <= %.2f us %s (median %.3f us)\n", max_added_us_per_bind,
                     verdict, added.median);
        if (!added.median_ci)
            std::fputs("added time: too few rounds for a confidence interval; use --rounds 6 or more\n", out);
        else if (added.median_ci->first <= max_added_us_per_bind && added.median_ci->second > max_added_us_per_bind)
            std::fprintf(out,
                         "added time: the 95%% confidence interval of the median (%.3f-%.3f us) contains the target "
                         "%.2f us, so this run cannot decide it; more --rounds or -n narrow the interval\n",
                         added.median_ci->first, added.median_ci->second, max_added_us_per_bind);
        else
            std::fprintf(out,
                         "added time: the 95%% confidence interval of the median (%.3f-%.3f us) is %s the target\n",
                         added.median_ci->first, added.median_ci->second,
                         added.median_ci->second <= max_added_us_per_bind ? "below" : "above");
    }

  private:
    std::string monitor_;
    bool no_monitor_ = false;
    bool json_ = true;
    unsigned drain_ms_ = 0; ///< 0: bind_monitor's default
    std::optional<ChildCgroup> cgroup_;
};

} // namespace
} // namespace winbpf::bench

int main(int argc, char **argv)
{
    winbpf::bench::BindWorkload workload;
    return winbpf::bench::bench_main(argc, argv, workload);
}
