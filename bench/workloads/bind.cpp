// SPDX-License-Identifier: MIT
// The bind workload of winbpf_bench: what bind_monitor adds to a socket + bind + close, with the generator in a cgroup
// of the bench's own and bind_monitor attached to that cgroup only, beside bind_reference (the same work in a
// hand-written libbpf tool) and hook_floor (a 16-byte record per hook, nothing else); bare and tool runs interleaved.
// See bench/README.md.
#include "kernel.hpp"
#include "monitor_tool.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "workload.hpp"
#include "workloads.hpp"

#include <CLI/CLI.hpp>

#include <optional>

namespace winbpf::bench
{
namespace
{

constexpr const char *monitor_name = "bind_monitor";
/// bench/reference/bind_reference: bind_monitor's work (limit check, per-process count, three records) written
/// directly.
constexpr const char *reference_name = "bind_reference";
/// bench/reference/hook_floor bind: cgroup/bind4, post_bind4 and sock_release writing a 16-byte record each, nothing
/// else.
constexpr const char *floor_name = "hook_floor";
constexpr const char *floor_what = "bind4, post_bind4 and sock_release writing a 16-byte record each, nothing else";

/// N socket + bind(127.0.0.1:0) + close cycles (bind_generator) in the bench's cgroup, against bind_monitor.
class BindWorkload final : public Workload
{
  public:
    std::string name() const override { return "bind"; }
    std::string unit() const override { return "bind"; }
    std::string description() const override
    {
        return "Measures the time per socket + bind(127.0.0.1:0) + close with nothing attached and with "
               "bind_monitor attached to the bench's own cgroup, with bind_reference (the same work in a "
               "hand-written libbpf tool) and with hook_floor (a 16-byte record per hook, nothing else) attached "
               "there, interleaved over several rounds. Needs root. See "
               "bench/README.md.";
    }

    void add_options(CLI::App &app, Options &options) override
    {
        options.count = 20000;
        options.rounds = 20;
        // bind_monitor's 16 MiB ring holds about 55,000 binds (three records each): warm it up for a whole lap.
        options.tool_warmup = 60000;
        monitor_.add_options(app);
    }

    std::vector<std::string> check(const Options &) override { return monitor_.check(); }

    void prepare(const Options &) override
    {
        cgroup_.emplace("winbpf_bind_bench");
        try {
            monitor_.prepare();
        } catch (...) {
            cleanup();
            throw;
        }
    }
    void cleanup() noexcept override
    {
        monitor_.cleanup();
        cgroup_.reset();
    }

    std::vector<ToolSpec> tools(const Options &) const override
    {
        return monitor_.tools({"--cgroup", cgroup_->path()}, {"--cgroup", cgroup_->path()});
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
        print_added_time_lines(summaries, monitor_name, unit(), out);
        for (const PeerTool &peer : monitor_.peers())
            print_peer_lines(summaries, monitor_name, peer, unit(), out);
        monitor_.print_output_lines(summaries, unit(), out);
    }

    void print_verdict(const Summaries &summaries, std::FILE *out) const override
    {
        // Issue 25: bind_monitor against the same work hand-written, measured in the same run.
        print_relative_verdict(summaries, monitor_name, reference_name, unit(), RelativeTargets{}, out);
    }

  private:
    MonitorTool monitor_{monitor_name,
                         {{"reference", reference_name, {}, "the same work in a hand-written libbpf tool"},
                          {"floor", floor_name, {"bind"}, floor_what}}};
    std::optional<ChildCgroup> cgroup_;
};

} // namespace

std::unique_ptr<Workload> make_bind_workload()
{
    return std::make_unique<BindWorkload>();
}

} // namespace winbpf::bench
