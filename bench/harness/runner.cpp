// SPDX-License-Identifier: MIT
#include "runner.hpp"

#include "children.hpp"
#include "kernel.hpp"
#include "measurement.hpp"
#include "report.hpp"
#include "workload.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

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
    app.add_option(
           "--tool-warmup", options.tool_warmup,
           unit + "s run unmeasured after a tool attached, before it is sampled (default: the workload's, else -n)")
        ->check(CLI::Range(0u, 10000000u));
}

void finish_options(Options &options)
{
    options.settle = std::chrono::milliseconds(options.settle_ms);
}

namespace
{

/// Warns when other work keeps the CPUs busy (sampled for half a second before the bench starts its own work).
void warn_if_busy(const std::string &program)
{
    const auto before = read_cpu_ticks();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto after = read_cpu_ticks();
    if (!before || !after || after->total <= before->total)
        return;
    const double total = static_cast<double>(after->total - before->total);
    const double share = 1.0 - static_cast<double>(after->idle - before->idle) / total;
    if (share > 0.10)
        std::fprintf(stderr,
                     "%s: warning: the CPUs are %.0f%% busy before the bench starts: other work "
                     "competes with the workload and the figures will be noisy\n",
                     program.c_str(), share * 100);
}

/// Every tool twice: as it runs in production (bpf_stats off: its added time) and with bpf_stats on (its BPF run time;
/// the kernel's accounting adds to the wall time of every program run).
std::vector<ToolSpec> with_bpf_stats_variants(std::vector<ToolSpec> tools)
{
    std::vector<ToolSpec> modes;
    for (ToolSpec &tool : tools) {
        if (!tool.bpf_stats_twin) {
            modes.push_back(std::move(tool));
            continue;
        }
        ToolSpec accounted = tool;
        accounted.name += bpf_stats_suffix;
        accounted.bpf_stats = true;
        modes.push_back(std::move(tool));
        modes.push_back(std::move(accounted));
    }
    return modes;
}

/// Warns when bpf_stats is on for the whole system (sysctl kernel.bpf_stats_enabled): then every mode pays the
/// accounting, and the plain tool modes are not what the tool costs without it.
void warn_if_stats_always_on(const std::string &program)
{
    std::FILE *file = std::fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
    if (!file)
        return;
    int enabled = 0;
    const bool read = std::fscanf(file, "%d", &enabled) == 1;
    std::fclose(file);
    if (read && enabled)
        std::fprintf(stderr,
                     "%s: warning: kernel.bpf_stats_enabled is 1, so every BPF program run is accounted in every "
                     "mode; `sysctl kernel.bpf_stats_enabled=0` for added times without the accounting\n",
                     program.c_str());
}

/// Calls Workload::cleanup() on every exit path once prepare() succeeded.
class Prepared
{
  public:
    Prepared(Workload &workload, const Options &options) : workload_(workload) { workload_.prepare(options); }
    Prepared(const Prepared &) = delete;
    Prepared &operator=(const Prepared &) = delete;
    ~Prepared() { workload_.cleanup(); }

  private:
    Workload &workload_;
};

/// Runs one workload and prints its report; returns its exit code (0 or 1) and summaries.
int run(Workload &workload, const Options &options, Summaries &summaries)
{
    const std::string program = "winbpf_bench " + workload.name();
    const InterruptGuard interrupt;
    warn_if_busy(program);
    warn_if_stats_always_on(program);
    if (const std::size_t links = count_links(); links > 0)
        std::fprintf(stderr,
                     "%s: note: %zu BPF links are already attached in the system; whatever they "
                     "trace costs every mode alike\n",
                     program.c_str(), links);
    throw_if_interrupted();
    const Prepared prepared(workload, options);
    const BenchSetup setup{workload, options, with_bpf_stats_variants(workload.tools(options))};

    measure(setup, bare_mode, std::max(1u, options.count / 10)); // warm-up, not reported
    throw_if_interrupted();

    // Every tool measurement sits between two bare ones (bare, tool A, bare, tool B, ..., bare), and the tools'
    // order rotates from round to round: each tool is compared with the bare runs right before and after it.
    const std::size_t tools = setup.tools.size();
    Report report(setup);
    for (unsigned round = 0; round < options.rounds; ++round) {
        for (std::size_t i = 0; i < tools; ++i) {
            report.add(round, measure(setup, bare_mode, options.count));
            report.add(round, measure(setup, 1 + (round + i) % tools, options.count));
        }
        if (tools == 0)
            report.add(round, measure(setup, bare_mode, options.count));
    }
    if (tools > 0)
        report.add(options.rounds - 1, measure(setup, bare_mode, options.count));
    const bool clean = report.print(stdout);
    summaries = report.summarize();
    return clean ? 0 : 1;
}

/// Messages about what a workload needs and does not have (its tools, its generator).
std::vector<std::string> missing_programs(Workload &workload, const Options &options)
{
    std::vector<std::string> missing = workload.check(options);
    if (access(options.generator.c_str(), X_OK) != 0)
        missing.insert(missing.begin(), options.generator + " is not executable (build winbpf_bench, or set "
                                                            "--generator PATH)");
    return missing;
}

} // namespace

int bench_main(int argc, char **argv, std::span<Workload *const> workloads)
{
    CLI::App app{"Runs winbpf's benchmark workloads bare and with each tool, interleaved, and prints medians with "
                 "confidence intervals. Without a workload: every workload with its defaults and one overview table "
                 "at the end. Needs root. See bench/README.md."};
    app.name("winbpf_bench");
    app.require_subcommand(0, 1);
    std::vector<Options> options(workloads.size());
    std::vector<CLI::App *> commands;
    for (std::size_t i = 0; i < workloads.size(); ++i) {
        CLI::App *command = app.add_subcommand(workloads[i]->name(), workloads[i]->description());
        add_options(*command, *workloads[i], options[i]);
        commands.push_back(command);
    }
    std::optional<unsigned> rounds;
    double scale = 1.0;
    app.add_option("--rounds", rounds, "Every workload (none named): rounds instead of each one's default")
        ->check(CLI::Range(1u, 1000u));
    app.add_option("--scale", scale, "Every workload (none named): operations per measurement times this")
        ->check(CLI::Range(0.001, 100.0))
        ->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp &help) {
        return app.exit(help);
    } catch (const CLI::ParseError &error) {
        std::fprintf(stderr, "winbpf_bench: %s\n", error.what());
        std::fprintf(stderr, "usage: winbpf_bench [--rounds R] [--scale F] | winbpf_bench {");
        for (std::size_t i = 0; i < workloads.size(); ++i)
            std::fprintf(stderr, "%s%s", i ? "|" : "", workloads[i]->name().c_str());
        std::fprintf(stderr, "} [options]; --help for more\n");
        return 2;
    }
    std::vector<std::size_t> selected;
    for (std::size_t i = 0; i < workloads.size(); ++i)
        if (commands[i]->parsed())
            selected.push_back(i);
    const bool every = selected.empty();
    if (every)
        for (std::size_t i = 0; i < workloads.size(); ++i) {
            selected.push_back(i);
            if (rounds)
                options[i].rounds = *rounds;
            options[i].count = std::max(1u, static_cast<unsigned>(options[i].count * scale));
        }
    else if (rounds || scale != 1.0) {
        std::fputs("winbpf_bench: --rounds and --scale before a workload's name apply to every workload; give the "
                   "workload's own -n and --rounds after its name\n",
                   stderr);
        return 2;
    }

    if (geteuid() != 0) {
        std::fputs("winbpf_bench: must run as root (bpf_stats, BPF program ids, the tools themselves)\n", stderr);
        return 1;
    }
    bool ready = true;
    for (const std::size_t i : selected) {
        finish_options(options[i]);
        for (const std::string &message : missing_programs(*workloads[i], options[i])) {
            std::fprintf(stderr, "winbpf_bench %s: %s\n", workloads[i]->name().c_str(), message.c_str());
            ready = false;
        }
    }
    if (!ready)
        return 1;

    int exit_code = 0;
    std::vector<WorkloadSummary> results;
    for (const std::size_t i : selected) {
        Workload &workload = *workloads[i];
        const std::string program = "winbpf_bench " + workload.name();
        WorkloadSummary result{workload.name(), workload.unit(), {}};
        try {
            exit_code = std::max(exit_code, run(workload, options[i], result.summaries));
        } catch (const Interrupted &) {
            std::fprintf(stderr, "%s: interrupted\n", program.c_str());
            return 130;
        } catch (const std::exception &error) {
            std::fprintf(stderr, "%s: %s\n", program.c_str(), error.what());
            exit_code = 1;
            continue;
        }
        results.push_back(std::move(result));
    }
    if (every)
        print_overview(results, stdout);
    return exit_code;
}

} // namespace winbpf::bench
