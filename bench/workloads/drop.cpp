// SPDX-License-Identifier: MIT
// The drop workload of winbpf_bench: what netevent_monitor --capture drop adds to a UDP datagram the kernel drops (sent
// to a closed port on 127.0.0.1: kfree_skb, reason NO_SOCKET), beside drop_reference, a hand-written libbpf tool doing
// the same work per drop, and hook_floor, a 16-byte record per drop and nothing else; bare and tool runs interleaved.
// See bench/README.md.
#include "monitor_tool.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "workload.hpp"
#include "workloads.hpp"

#include <CLI/CLI.hpp>

namespace winbpf::bench
{
namespace
{

constexpr const char *monitor_name = "netevent_monitor";
/// bench/drop_reference: tp_btf/kfree_skb writing the same record (headers + up to 128 packet bytes) directly.
constexpr const char *reference_name = "drop_reference";
/// bench/reference/hook_floor drop: tp_btf/kfree_skb writing a 16-byte record per real drop and nothing else.
constexpr const char *floor_name = "hook_floor";
constexpr const char *floor_what = "tp_btf/kfree_skb writing a 16-byte record per real drop, nothing else";

/// N datagrams to a closed UDP port on 127.0.0.1 (datagram_generator), against netevent_monitor.
class NeteventWorkload final : public Workload
{
  public:
    std::string name() const override { return "drop"; }
    std::string unit() const override { return "datagram"; }
    std::string description() const override
    {
        return "Measures the time per UDP datagram sent to a closed port on 127.0.0.1 (dropped by the kernel, "
               "reason NO_SOCKET) with nothing attached, with netevent_monitor --capture drop attached and with "
               "drop_reference (a hand-written libbpf program doing the same work per drop) and with hook_floor (a "
               "16-byte record per drop, nothing else), interleaved over several rounds. Needs root. See "
               "bench/README.md.";
    }

    void add_options(CLI::App &app, Options &options) override
    {
        options.count = 20000;
        options.rounds = 20;
        monitor_.add_options(app);
        app.add_option("--capture", capture_, "Passed to netevent_monitor as --capture")
            ->check(CLI::IsMember({"all", "flow", "drop", "none"}))
            ->capture_default_str();
        app.add_option("--size", size_, "UDP payload bytes per datagram")
            ->check(CLI::Range(1u, 65000u))
            ->capture_default_str();
    }

    std::vector<std::string> check(const Options &) override { return monitor_.check(); }

    void prepare(const Options &) override
    {
        try {
            monitor_.prepare();
        } catch (...) {
            monitor_.cleanup();
            throw;
        }
    }
    void cleanup() noexcept override { monitor_.cleanup(); }

    std::vector<ToolSpec> tools(const Options &) const override { return monitor_.tools({"--capture", capture_}, {}); }

    std::vector<std::string> generator_argv(const Options &options, unsigned count) const override
    {
        return {options.generator, std::to_string(count), std::to_string(size_)};
    }

    std::string describe(const Options &options) const override
    {
        return std::to_string(options.count) + " UDP datagrams of " + std::to_string(size_) +
               " bytes to a closed port on 127.0.0.1";
    }

    void print_tool_lines(const Summaries &summaries, std::FILE *out) const override
    {
        print_added_time_lines(summaries, monitor_name, unit(), out);
        const ModeSummary *monitor = summaries.find(monitor_name);
        if (!monitor)
            return;
        // The kernel drops other packets too, and every drop runs the program: per run is the cost of one event.
        std::fprintf(out, "%s:", monitor_name);
        if (monitor->bpf_us_run && monitor->bpf_runs)
            std::fprintf(out, " BPF run time per event %.3f us%s (%.2f runs per datagram);",
                         monitor->bpf_us_run->median, format_ci(*monitor->bpf_us_run).c_str(),
                         monitor->bpf_runs->median);
        if (monitor->received)
            std::fprintf(out, " received %.2f events per datagram;", monitor->received->median);
        if (monitor->lines)
            std::fprintf(out, " %.2f lines per datagram;", monitor->lines->median);
        std::fprintf(out, " lost %s\n", monitor->lost ? std::to_string(*monitor->lost).c_str() : "unknown");
        for (const PeerTool &peer : monitor_.peers())
            print_peer_lines(summaries, monitor_name, peer, unit(), out);
        monitor_.print_output_lines(summaries, unit(), out);
    }

    void print_verdict(const Summaries &summaries, std::FILE *out) const override
    {
        // Issue 25: netevent_monitor against the same work hand-written, measured in the same run.
        print_relative_verdict(summaries, monitor_name, reference_name, unit(), RelativeTargets{}, out);
    }

  private:
    MonitorTool monitor_{monitor_name,
                         {{"reference", reference_name, {}, "the same work in a hand-written libbpf tool"},
                          {"floor", floor_name, {"drop"}, floor_what}}};
    std::string capture_ = "drop";
    unsigned size_ = 64;
};

} // namespace

std::unique_ptr<Workload> make_drop_workload()
{
    return std::make_unique<NeteventWorkload>();
}

} // namespace winbpf::bench
