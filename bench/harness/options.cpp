// SPDX-License-Identifier: MIT
#include "options.hpp"

#include "workload.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <map>

namespace winbpf::bench
{

std::string sibling_path(const std::string &name)
{
    std::error_code error;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error)
        return name;
    return (self.parent_path() / name).string();
}

void add_options(CLI::App &app, Workload &workload, Options &options)
{
    const std::string unit = workload.unit();
    options.generator = sibling_path(unit + "_generator");
    const std::map<std::string, Sink> sinks{{"pipe", Sink::pipe}, {"null", Sink::null}};

    // The workload's options and defaults first (count, rounds, settle time, ...).
    workload.add_options(app, options);
    options.settle_ms = static_cast<unsigned>(options.settle.count());
    app.add_option("-n,--" + unit + "s", options.count, unit + "s per measurement")
        ->check(CLI::Range(1u, 10000000u))
        ->capture_default_str();
    app.add_option("--rounds", options.rounds, "Rounds; each runs every mode once, in rotating order")
        ->check(CLI::Range(1u, 1000u))
        ->capture_default_str();
    app.add_option("--generator", options.generator,
                   unit + "_generator binary: runs the workload (default: next to winbpf_bench)");
    app.add_option("--sink", options.sink, "Tools' stdout: pipe (drained and counted by the bench) or null")
        ->transform(CLI::CheckedTransformer(sinks, CLI::ignore_case));
    app.add_option("--settle-ms", options.settle_ms, "Idle time after each workload before the tools are sampled")
        ->check(CLI::Range(0u, 10000u));
}

void finish_options(Options &options)
{
    options.settle = std::chrono::milliseconds(options.settle_ms);
}

} // namespace winbpf::bench
