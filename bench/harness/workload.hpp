// SPDX-License-Identifier: MIT
// What a benchmark plugs into the harness: its generator, its tools and its verdict. Everything else (interleaving,
// statistics, steal, tool start/stop, bpf_stats) is the harness's.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace CLI
{
class App;
}

namespace winbpf::bench
{

struct Options;
struct Summaries;

/// A traced tool, run as a child process while the workload runs.
struct ToolSpec {
    std::string name;              ///< mode name in the output, e.g. "process_monitor"
    std::vector<std::string> argv; ///< argv[0] is a path
    /// Text the tool prints on stderr once attached; empty: the tool is attached when every program it holds is
    /// behind one of its bpf_links (/proc/<pid>/fdinfo).
    std::string ready_text;
    std::string header;           ///< a first stdout line starting with this is not counted as an event line
    bool expects_summary = false; ///< a missing "received N, lost M" line on stderr is a problem
    /// Measured with bpf_stats on (run_time_ns / run_cnt of its programs). The harness measures every tool both
    /// ways, adding this variant (name + bpf_stats_suffix) itself: the kernel's accounting costs about 0.05-0.1 us
    /// per program run, so a tool's added time comes from its plain measurements and its BPF figures from these.
    bool bpf_stats = false;
    /// false: the harness measures the tool only with bpf_stats off (a variant of another tool whose programs are the
    /// same, e.g. the monitor with another output, whose BPF figures are that tool's).
    bool bpf_stats_twin = true;
};

/// What the harness appends to a tool's name for its measurements with bpf_stats on.
inline constexpr const char *bpf_stats_suffix = " +bpf_stats";

/// One benchmark: a workload (a generator program doing N operations) and the tools measured against it.
class Workload
{
  public:
    virtual ~Workload() = default;

    /// The workload's name: winbpf_bench's subcommand, and "winbpf_bench <name>" in messages, e.g. "exec".
    virtual std::string name() const = 0;
    /// One operation of the workload, singular, e.g. "exec" (used in "execs/s", "BPF us/exec").
    virtual std::string unit() const = 0;
    /// The help's description.
    virtual std::string description() const = 0;
    /// Sets its defaults in options (count, rounds, generator, ...) and adds its own options to app.
    virtual void add_options(CLI::App &app, Options &options) = 0;
    /// Completes its settings from the parsed options; messages about missing programs (empty when everything
    /// needed is there).
    virtual std::vector<std::string> check(const Options &options) = 0;
    /// Sets up what the whole run needs (e.g. a cgroup); called once, with SIGINT/SIGTERM already deferred.
    virtual void prepare(const Options &) {}
    /// Undoes prepare(); called on every exit path after prepare() succeeded.
    virtual void cleanup() noexcept {}
    /// The tools to measure, in the order of the first round (after prepare()).
    virtual std::vector<ToolSpec> tools(const Options &options) const = 0;
    /// Command line of the generator for count operations; it prints "<done> <failures> <elapsed ns>".
    virtual std::vector<std::string> generator_argv(const Options &options, unsigned count) const = 0;
    /// A cgroup.procs descriptor the generator is moved into before it execs, or -1 (stay in the bench's cgroup).
    virtual int generator_cgroup_procs() const { return -1; }
    /// What one measurement runs, for the table's title, e.g. "2000 fork+execs of /bin/true, 1 worker(s)".
    virtual std::string describe(const Options &options) const = 0;
    /// Per-tool summary lines, printed after the table (before the host steal).
    virtual void print_tool_lines(const Summaries &summaries, std::FILE *out) const = 0;
    /// The verdict against the targets, printed last.
    virtual void print_verdict(const Summaries &summaries, std::FILE *out) const = 0;
};

} // namespace winbpf::bench
