// SPDX-License-Identifier: MIT
// The connect workload of winbpf_bench (issue 20 §4): what a Windows-style sock_addr program pair costs a loopback TCP
// connect + accept + close. The generator (connection_generator) runs in a cgroup of the bench's own; the tools attach
// to it: connect_audit (bench/connect/connect_audit.c, a cgroup/connect4 + cgroup/recv_accept4 pair taking
// bpf_sock_addr_t * and keeping an audit map, loaded and attached by winbpf's loader through winbpf_attach), beside
// connect_reference (the same work hand-written as a plain libbpf tool) and hook_floor connect (programs that only
// return on the reference's hooks); bare and tool runs interleaved. See bench/README.md.
#include "kernel.hpp"
#include "monitor_tool.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "workload.hpp"
#include "workloads.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <filesystem>
#include <optional>

namespace winbpf::bench
{
namespace
{

constexpr const char *audit_name = "connect_audit";
constexpr const char *reference_name = "connect_reference";
constexpr const char *floor_name = "hook_floor";

/// N loopback TCP connect + accept + close cycles (connection_generator) in the bench's cgroup.
class ConnectWorkload final : public Workload
{
  public:
    std::string name() const override { return "connect"; }
    std::string unit() const override { return "connection"; }
    std::string description() const override
    {
        return "Measures the time per loopback TCP connect + accept + close with nothing attached, with a "
               "Windows-style cgroup/connect4 + cgroup/recv_accept4 pair keeping an audit map (connect_audit.o, "
               "attached to the bench's own cgroup by winbpf's loader), with connect_reference (the same work in a "
               "hand-written libbpf tool) and with hook_floor connect (programs that only return on the same hooks), "
               "interleaved over several rounds. Needs root. See bench/README.md.";
    }

    void add_options(CLI::App &app, Options &options) override
    {
        options.count = 5000;
        options.rounds = 10;
        options.tool_warmup = 5000;
        attach_ = sibling_path("winbpf_attach");
        object_ = (std::filesystem::path(sibling_path("winbpf_attach")).parent_path().parent_path() / "bpf" /
                   "connect_audit.o")
                      .string();
        reference_ = sibling_path(reference_name);
        floor_ = sibling_path(floor_name);
        app.add_option("--winbpf-attach", attach_, "winbpf_attach binary (loads and attaches the object)");
        app.add_option("--object", object_, "the Windows-style program pair (default: build/bpf/connect_audit.o)");
        app.add_option("--reference", reference_, "connect_reference binary");
        app.add_flag("--no-reference", no_reference_, "Skip the connect_reference mode");
        app.add_option("--floor", floor_, "hook_floor binary");
        app.add_flag("--no-floor", no_floor_, "Skip the hook_floor mode");
    }

    std::vector<std::string> check(const Options &) override
    {
        std::vector<std::string> missing;
        auto need = [&missing](const std::string &path, bool executable) {
            if (access(path.c_str(), executable ? X_OK : R_OK) != 0)
                missing.push_back(path + (executable ? " is not executable" : " is not readable") +
                                  " (cmake --build build)");
        };
        need(attach_, true);
        need(object_, false);
        if (!no_reference_)
            need(reference_, true);
        if (!no_floor_)
            need(floor_, true);
        return missing;
    }

    void prepare(const Options &) override { cgroup_.emplace("winbpf_connect_bench"); }
    void cleanup() noexcept override { cgroup_.reset(); }

    std::vector<ToolSpec> tools(const Options &) const override
    {
        const std::string cgroup = cgroup_->path();
        std::vector<ToolSpec> tools{{audit_name,
                                     {attach_, object_, "--cgroup", cgroup, "--count-map", "audit_map"},
                                     "Press Ctrl-C to stop",
                                     "",
                                     true}};
        if (!no_reference_)
            tools.push_back({reference_name, {reference_, "--cgroup", cgroup}, "Press Ctrl-C to stop", "", true});
        if (!no_floor_)
            tools.push_back({floor_name, {floor_, "connect", "--cgroup", cgroup}, "Press Ctrl-C to stop", "", true});
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
        print_added_time_lines(summaries, audit_name, unit(), out);
        if (!no_reference_)
            print_peer_lines(summaries, audit_name, reference_peer, unit(), out);
        if (!no_floor_)
            print_peer_lines(summaries, audit_name, floor_peer, unit(), out);
    }

    void print_verdict(const Summaries &summaries, std::FILE *out) const override
    {
        // Issue 20 §4: winbpf's BPF time per connection within 0.1 us of the hand-written tool's, lost 0. The tools'
        // processes only wait (their programs keep maps): no tool CPU target.
        RelativeTargets targets;
        targets.tool_cpu = false;
        print_relative_verdict(summaries, audit_name, reference_name, unit(), targets, out);
    }

  private:
    const PeerTool reference_peer{"reference", reference_name, {}, "the same work in a hand-written libbpf tool"};
    const PeerTool floor_peer{"floor", floor_name, {"connect"}, "programs that only return on the same hooks"};
    std::optional<ChildCgroup> cgroup_;
    std::string attach_, object_, reference_, floor_;
    bool no_reference_ = false;
    bool no_floor_ = false;
};

} // namespace

std::unique_ptr<Workload> make_connect_workload()
{
    return std::make_unique<ConnectWorkload>();
}

} // namespace winbpf::bench
