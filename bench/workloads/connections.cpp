// SPDX-License-Identifier: MIT
// The connections workload of winbpf_bench: what connection_monitor adds to a loopback TCP connect + accept + close,
// with the generator in a cgroup of the bench's own and the tools attached to that cgroup, beside
// connection_reference (the same work in a hand-written libbpf tool), hook_floor (a 16-byte record per sockops event,
// nothing else) and libbpf-tools tcplife (system-wide: it has no cgroup option); bare and tool runs interleaved. See
// bench/README.md.
#include "kernel.hpp"
#include "monitor_tool.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "workload.hpp"
#include "workloads.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <optional>

namespace winbpf::bench
{
namespace
{

constexpr const char *monitor_name = "connection_monitor";
constexpr const char *reference_name = "connection_reference";
constexpr const char *floor_name = "hook_floor";
constexpr const char *tcplife_name = "tcplife";

const char *verdict(bool ok)
{
    return ok ? "PASS" : "FAIL";
}

/// N loopback TCP connect + accept + close cycles (connection_generator) in the bench's cgroup.
class ConnectionsWorkload final : public Workload
{
  public:
    std::string name() const override { return "connections"; }
    std::string unit() const override { return "connection"; }
    std::string description() const override
    {
        return "Measures the time per loopback TCP connect + accept + close with nothing attached, with "
               "connection_monitor attached to the bench's own cgroup, with connection_reference (the same work in "
               "a hand-written libbpf tool), with hook_floor (a 16-byte record per sockops event) and with "
               "libbpf-tools tcplife, interleaved over several rounds. Needs root. See bench/README.md.";
    }

    void add_options(CLI::App &app, Options &options) override
    {
        options.count = 5000;
        options.rounds = 10;
        options.tool_warmup = 5000;
        monitor_.add_options(app);
        app.add_option("--tcplife", tcplife_, "libbpf-tools tcplife binary");
        app.add_flag("--no-tcplife", no_tcplife_, "Skip the tcplife mode");
    }

    std::vector<std::string> check(const Options &) override
    {
        std::vector<std::string> missing = monitor_.check();
        if (!no_tcplife_ && access(tcplife_.c_str(), X_OK) != 0)
            missing.push_back(tcplife_ +
                              " is not executable (Debian package libbpf-tools; set --tcplife PATH or --no-tcplife)");
        return missing;
    }

    void prepare(const Options &) override { cgroup_.emplace("winbpf_connections_bench"); }
    void cleanup() noexcept override { cgroup_.reset(); }

    std::vector<ToolSpec> tools(const Options &) const override
    {
        std::vector<ToolSpec> tools = monitor_.tools({"--cgroup", cgroup_->path()}, {"--cgroup", cgroup_->path()});
        if (!no_tcplife_)
            tools.push_back({tcplife_name, {tcplife_}, "", "PID", false});
        return tools;
    }

    std::vector<std::string> generator_argv(const Options &options, unsigned count) const override
    {
        return {options.generator, std::to_string(count)};
    }
    int generator_cgroup_procs() const override { return cgroup_->procs_fd(); }

    std::string describe(const Options &options) const override
    {
        return std::to_string(options.count) + " loopback TCP connect+accept+close in cgroup " + cgroup_->path();
    }

    void print_tool_lines(const Summaries &summaries, std::FILE *out) const override
    {
        print_added_time_lines(summaries, monitor_name, unit(), out);
        for (const PeerTool &peer : monitor_.peers())
            print_peer_lines(summaries, monitor_name, peer, unit(), out);
        if (const ModeSummary *tcplife = summaries.find(tcplife_name); tcplife && tcplife->cpu_us)
            std::fprintf(out, "tcplife: added %.2f us per connection, CPU/connection %.2f us (BPF %.2f + user %.2f)\n",
                         tcplife->added_us ? tcplife->added_us->median : 0.0, tcplife->cpu_us->median,
                         tcplife->bpf_us->median, tcplife->tool_us->median);
    }

    void print_verdict(const Summaries &summaries, std::FILE *out) const override
    {
        // Issues 21 and 25: connection_monitor against the same work hand-written, measured in the same run (BPF
        // time within 0.1 us, tool CPU within 1.2x, lost 0), and its CPU below tcplife's.
        print_relative_verdict(summaries, monitor_name, reference_name, unit(), RelativeTargets{}, out);
        const ModeSummary *monitor = summaries.find(monitor_name);
        const ModeSummary *tcplife = summaries.find(tcplife_name);
        if (monitor && monitor->cpu_us && tcplife && tcplife->cpu_us)
            std::fprintf(out, "target: %s's CPU per connection below tcplife's %s (%.2f vs %.2f us, medians)\n",
                         monitor_name, verdict(monitor->cpu_us->median < tcplife->cpu_us->median),
                         monitor->cpu_us->median, tcplife->cpu_us->median);
    }

  private:
    MonitorTool monitor_{monitor_name,
                         {{"reference", reference_name, {}, "the same work in a hand-written libbpf tool"},
                          {"floor", floor_name, {"connections"}, "sockops writing a 16-byte record per event"}}};
    std::optional<ChildCgroup> cgroup_;
    std::string tcplife_ = "/usr/sbin/tcplife";
    bool no_tcplife_ = false;
};

} // namespace

std::unique_ptr<Workload> make_connections_workload()
{
    return std::make_unique<ConnectionsWorkload>();
}

} // namespace winbpf::bench
