// SPDX-License-Identifier: MIT
// The whole run, shared by every workload: winbpf_bench's command line (a subcommand per workload), checks, warm-up,
// interleaved rounds, reports and the overview.
#pragma once

#include "workload.hpp"

#include <chrono>
#include <optional>
#include <span>
#include <string>

namespace CLI
{
class App;
}

namespace winbpf::bench
{

class Workload;

/// Where a traced tool's stdout goes.
enum class Sink {
    pipe, ///< a pipe the bench drains and counts lines from
    null, ///< /dev/null (no line count for the tool)
};

/// What the harness itself is told; a workload keeps its own options (tool paths, ...).
struct Options {
    unsigned count = 2000;  ///< operations per measurement (-n); a workload sets its own default
    unsigned rounds = 5;    ///< rounds; each measures every tool once, each after a bare run
    std::string generator;  ///< the program that runs the workload (default: <unit>_generator next to the bench)
    Sink sink = Sink::pipe; ///< tools' stdout
    std::chrono::milliseconds settle{
        600}; ///< idle time after a workload before sampling the tool (> 2 drain intervals)
    std::chrono::milliseconds ready_timeout{30000}; ///< longest wait for a tool to attach
    unsigned settle_ms = 600;                       ///< --settle-ms as parsed, copied into settle
    /// Operations run, unmeasured, once a tool is attached and before it is sampled (--tool-warmup; default: count),
    /// so a tool is measured in its steady state: the first lap of a fresh ring buffer after attaching costs the
    /// BPF side up to twice as much per record on the development VM.
    std::optional<unsigned> tool_warmup;
};

/// The program called name next to this executable (same bin directory), or just name if /proc/self/exe cannot be
/// read.
std::string sibling_path(const std::string &name);

/// Sets options to the workload's defaults and adds the harness's options (-n, --rounds, --generator, --sink,
/// --settle-ms), then the workload's own, to app (winbpf_bench's subcommand for the workload). Call
/// finish_options() after parsing.
void add_options(CLI::App &app, Workload &workload, Options &options);
/// Completes options from what add_options() bound (the settle time).
void finish_options(Options &options);

/// winbpf_bench's main: `winbpf_bench [--rounds R] [--scale F]` runs every workload, `winbpf_bench NAME [options]`
/// one of them (NAME is Workload::name()). Each workload runs bare and with each of its tools, interleaved round by
/// round (bare, tool A, bare, tool B, ..., bare; the tools' order rotates) so that system noise hits every mode
/// alike, and prints its report; with more than one workload an overview table of every tool follows. Returns the
/// process exit code: 0, 1 on failure or when a measurement had a problem, 2 on a usage error, 130 when
/// interrupted.
int bench_main(int argc, char **argv, std::span<Workload *const> workloads);

} // namespace winbpf::bench
