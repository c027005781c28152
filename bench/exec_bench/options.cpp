// SPDX-License-Identifier: MIT
#include "options.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <map>

namespace winbpf::bench
{
namespace
{

/// The program called name next to this executable (same bin directory), or just name if /proc/self/exe cannot be
/// read.
std::string sibling_path(const char *name)
{
    std::error_code error;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error)
        return name;
    return (self.parent_path() / name).string();
}

} // namespace

std::optional<int> parse_options(int argc, char **argv, Options &options)
{
    CLI::App app{"Measures fork+exec throughput and per-exec CPU cost with nothing attached, with process_monitor "
                 "and with execsnoop, interleaved over several rounds. Needs root. See bench/README.md."};
    app.name("exec_bench");
    options.monitor = sibling_path("process_monitor");
    options.generator = sibling_path("exec_generator");
    bool no_monitor = false;
    bool no_execsnoop = false;
    unsigned settle_ms = static_cast<unsigned>(options.settle.count());
    const std::map<std::string, Sink> sinks{{"pipe", Sink::pipe}, {"null", Sink::null}};

    app.add_option("-n,--execs", options.execs, "fork+execs per measurement")->check(CLI::Range(1u, 10000000u));
    app.add_option("--rounds", options.rounds, "Rounds; each runs every mode once, in rotating order")
        ->check(CLI::Range(1u, 1000u));
    app.add_option("--parallel", options.parallel, "Concurrent fork+exec workers")->check(CLI::Range(1u, 64u));
    app.add_option("--program", options.program, "Program every exec runs")->check(CLI::ExistingFile);
    app.add_option("--monitor", options.monitor, "process_monitor binary (default: next to exec_bench)");
    app.add_option("--execsnoop", options.execsnoop, "execsnoop binary");
    app.add_option("--generator", options.generator, "exec_generator binary (default: next to exec_bench)");
    app.add_flag("--no-monitor", no_monitor, "Skip the process_monitor mode");
    app.add_flag("--no-execsnoop", no_execsnoop, "Skip the execsnoop mode");
    app.add_option("--sink", options.sink, "Tools' stdout: pipe (drained and counted by the bench) or null")
        ->transform(CLI::CheckedTransformer(sinks, CLI::ignore_case));
    app.add_option("--settle-ms", settle_ms, "Idle time after each workload before the tools are sampled")
        ->check(CLI::Range(0u, 10000u));

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &error) {
        return app.exit(error);
    }
    options.with_monitor = !no_monitor;
    options.with_execsnoop = !no_execsnoop;
    options.settle = std::chrono::milliseconds(settle_ms);
    return std::nullopt;
}

} // namespace winbpf::bench
