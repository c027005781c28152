// SPDX-License-Identifier: MIT
#include "bench_main.hpp"

#include "bpf_programs.hpp"
#include "host_steal.hpp"
#include "interrupt.hpp"
#include "mode_runner.hpp"
#include "options.hpp"
#include "report.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <thread>
#include <unistd.h>

namespace winbpf::bench
{
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

int run(Workload &workload, const Options &options)
{
    const std::string program = workload.program();
    const InterruptGuard interrupt;
    warn_if_busy(program);
    const BpfStatsEnabled stats; // for the whole run, so every mode pays the same accounting overhead
    if (const std::size_t links = count_links(); links > 0)
        std::fprintf(stderr,
                     "%s: note: %zu BPF links are already attached in the system; whatever they "
                     "trace costs every mode alike\n",
                     program.c_str(), links);
    throw_if_interrupted();
    const Prepared prepared(workload, options);
    const BenchSetup setup{workload, options, workload.tools(options)};

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
    return report.print(stdout) ? 0 : 1;
}

} // namespace

int bench_main(int argc, char **argv, Workload &workload)
{
    Options options;
    if (const auto exit_code = parse_options(argc, argv, workload, options))
        return *exit_code;
    const std::string program = workload.program();
    if (geteuid() != 0) {
        std::fprintf(stderr, "%s: must run as root (bpf_stats, BPF program ids, the tools themselves)\n",
                     program.c_str());
        return 1;
    }
    std::vector<std::string> missing = workload.check(options);
    if (access(options.generator.c_str(), X_OK) != 0)
        missing.insert(missing.begin(), options.generator + " is not executable (build it with " + program +
                                            ", or set --generator PATH)");
    for (const std::string &message : missing)
        std::fprintf(stderr, "%s: %s\n", program.c_str(), message.c_str());
    if (!missing.empty())
        return 1;
    try {
        return run(workload, options);
    } catch (const Interrupted &) {
        std::fprintf(stderr, "%s: interrupted\n", program.c_str());
        return 130;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "%s: %s\n", program.c_str(), error.what());
    }
    return 1;
}

} // namespace winbpf::bench
