// SPDX-License-Identifier: MIT
#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

namespace winbpf::bench
{

namespace
{

/// The number k of order statistics to drop from each end of n sorted values so that [x_(k+1), x_(n-k)] covers the
/// median with at least 95% confidence: the largest k with P(Binomial(n, 1/2) <= k - 1) <= 2.5%. 0 when n < 6.
std::size_t median_ci_trim(std::size_t n)
{
    double pmf = std::pow(0.5, static_cast<double>(n)); // P(X = 0)
    double below = 0;                                   // P(X < k)
    std::size_t k = 0;
    while (k < n / 2 && below + pmf <= 0.025) {
        below += pmf;
        pmf = pmf * static_cast<double>(n - k) / static_cast<double>(k + 1);
        ++k;
    }
    return k;
}

double micros_per_op(double nanoseconds, unsigned ops)
{
    return ops ? nanoseconds / 1000.0 / ops : 0;
}

std::string format_spread(const std::optional<Spread> &value, const char *format, bool with_range)
{
    if (!value)
        return "-";
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, format, value->median);
    std::string text = buffer;
    if (with_range) {
        char range[80];
        std::snprintf(range, sizeof range, format, value->min);
        text += std::string(" (") + range + "-";
        std::snprintf(range, sizeof range, format, value->max);
        text += std::string(range) + ")";
    }
    return text;
}

/// A tool measurement compared with the mean of the nearest usable bare measurements before and after it (only one
/// of them at either end of the run).
struct Relative {
    double ratio = 0;    ///< rate over the bare mean rate
    double added_us = 0; ///< time per operation minus the bare mean time per operation
    double slowdown = 0; ///< time per operation over the bare mean time per operation
};

std::vector<std::optional<Relative>> relative_to_neighbouring_bare(const std::vector<Measurement> &sequence)
{
    std::vector<std::optional<Relative>> relative(sequence.size());
    const auto usable_bare = [&](std::size_t j) { return sequence[j].mode == bare_mode && sequence[j].rate() > 0; };
    for (std::size_t i = 0; i < sequence.size(); ++i) {
        const Measurement &m = sequence[i];
        if (m.mode == bare_mode) {
            if (m.workload.done > 0)
                relative[i] = Relative{1.0, 0.0, 1.0};
            continue;
        }
        std::vector<const Measurement *> neighbours;
        for (std::size_t j = i; j-- > 0;)
            if (usable_bare(j)) {
                neighbours.push_back(&sequence[j]);
                break;
            }
        for (std::size_t j = i + 1; j < sequence.size(); ++j)
            if (usable_bare(j)) {
                neighbours.push_back(&sequence[j]);
                break;
            }
        if (neighbours.empty() || m.workload.done == 0)
            continue;
        double rate = 0, us = 0;
        for (const Measurement *bare : neighbours) {
            rate += bare->rate() / static_cast<double>(neighbours.size());
            us += bare->micros_per_op() / static_cast<double>(neighbours.size());
        }
        relative[i] = Relative{m.rate() / rate, m.micros_per_op() - us, m.micros_per_op() / us};
    }
    return relative;
}

ModeSummary summarize_mode(const std::vector<std::pair<const Measurement *, std::optional<Relative>>> &measurements)
{
    std::vector<double> rate, op_us, ratio, added, slowdown, received, lines, runs, bpf, per_run, tool, cpu;
    ModeSummary summary;
    for (const auto &[m, relative] : measurements) {
        const unsigned n = m->workload.done;
        if (n == 0)
            continue;
        rate.push_back(m->rate());
        op_us.push_back(m->micros_per_op());
        if (relative) {
            ratio.push_back(relative->ratio);
            added.push_back(relative->added_us);
            slowdown.push_back(relative->slowdown);
        }
        if (m->mode == bare_mode)
            continue;
        // The tool's summary and its lines cover its whole run: the warm-up's operations too.
        const double operations = static_cast<double>(n) + m->warmup_done;
        if (m->received)
            received.push_back(static_cast<double>(*m->received) / operations);
        if (m->lines)
            lines.push_back(static_cast<double>(*m->lines) / operations);
        if (m->lost)
            summary.lost = summary.lost.value_or(0) + *m->lost;
        tool.push_back(micros_per_op(static_cast<double>(m->tool_cpu.count()), n));
        if (!m->bpf_stats)
            continue;
        runs.push_back(static_cast<double>(m->bpf.run_count) / n);
        bpf.push_back(micros_per_op(static_cast<double>(m->bpf.run_time_ns), n));
        if (m->bpf.run_count > 0)
            per_run.push_back(static_cast<double>(m->bpf.run_time_ns) / 1000.0 / static_cast<double>(m->bpf.run_count));
        cpu.push_back(bpf.back() + tool.back());
    }
    summary.rate = spread(rate);
    summary.op_us = spread(op_us);
    summary.ratio = spread(ratio);
    summary.added_us = spread(added);
    summary.slowdown = spread(slowdown);
    summary.received = spread(received);
    summary.lines = spread(lines);
    summary.bpf_runs = spread(runs);
    summary.bpf_us = spread(bpf);
    summary.bpf_us_run = spread(per_run);
    summary.tool_us = spread(tool);
    summary.cpu_us = spread(cpu);
    return summary;
}

} // namespace

std::optional<Spread> spread(std::vector<double> values)
{
    if (values.empty())
        return std::nullopt;
    std::ranges::sort(values);
    const std::size_t n = values.size();
    const std::size_t mid = n / 2;
    const double median = n % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    Spread result{median, values.front(), values.back(), std::nullopt};
    if (const std::size_t k = median_ci_trim(n); k > 0)
        result.median_ci = std::pair{values[k - 1], values[n - k]};
    return result;
}

std::string format_ci(const Spread &value, const char *format)
{
    if (!value.median_ci)
        return "";
    char low[32], high[32];
    std::snprintf(low, sizeof low, format, value.median_ci->first);
    std::snprintf(high, sizeof high, format, value.median_ci->second);
    return std::string(" (95% CI ") + low + "-" + high + ")";
}

const ModeSummary *Summaries::find(std::string_view name) const
{
    for (const auto &[mode, summary] : modes)
        if (mode == name)
            return &summary;
    return nullptr;
}

void Report::add(unsigned round, const Measurement &m)
{
    entries_.push_back(m);
    const std::string unit = setup_.workload.unit();
    const unsigned done = m.workload.done;
    std::fprintf(stderr, "round %u/%u %-27s %u %ss in %.3f s = %.0f/s", round + 1, setup_.options.rounds,
                 setup_.mode_name(m.mode).c_str(), done, unit.c_str(),
                 std::chrono::duration<double>(m.workload.elapsed).count(), m.rate());
    if (m.mode != bare_mode) {
        if (m.received)
            std::fprintf(stderr, ", received %llu, lost %llu", static_cast<unsigned long long>(*m.received),
                         static_cast<unsigned long long>(m.lost.value_or(0)));
        if (m.lines)
            std::fprintf(stderr, ", lines %llu", static_cast<unsigned long long>(*m.lines));
        std::fprintf(stderr, ", tool %.2f us/%s", micros_per_op(static_cast<double>(m.tool_cpu.count()), done),
                     unit.c_str());
        if (m.bpf_stats) {
            std::fprintf(stderr,
                         ", BPF %.2f us/%s (%llu runs:", micros_per_op(static_cast<double>(m.bpf.run_time_ns), done),
                         unit.c_str(), static_cast<unsigned long long>(m.bpf.run_count));
            for (const ProgramCounters &program : m.programs)
                std::fprintf(stderr, " %s#%u %llu x %.2f us", program.name.c_str(), program.id,
                             static_cast<unsigned long long>(program.counters.run_count),
                             program.counters.run_count ? static_cast<double>(program.counters.run_time_ns) / 1000.0 /
                                                              static_cast<double>(program.counters.run_count)
                                                        : 0.0);
            std::fputc(')', stderr);
        }
    }
    if (m.workload.steal_percent)
        std::fprintf(stderr, ", host steal %.1f%%", *m.workload.steal_percent);
    if (!m.problem.empty())
        std::fprintf(stderr, " PROBLEM: %s", m.problem.c_str());
    std::fputc('\n', stderr);
}

Summaries Report::summarize() const
{
    const std::vector<std::optional<Relative>> relative = relative_to_neighbouring_bare(entries_);
    std::map<Mode, std::vector<std::pair<const Measurement *, std::optional<Relative>>>> by_mode;
    for (std::size_t i = 0; i < entries_.size(); ++i)
        by_mode[entries_[i].mode].emplace_back(&entries_[i], relative[i]);
    Summaries summaries;
    for (const auto &[mode, measurements] : by_mode)
        summaries.modes.emplace_back(setup_.mode_name(mode), summarize_mode(measurements));
    // A tool's BPF figures are those of its measurements with bpf_stats on; its own keep the added time without the
    // accounting.
    for (auto &[name, summary] : summaries.modes)
        if (const ModeSummary *accounted = summaries.find(name + bpf_stats_suffix)) {
            summary.bpf_runs = accounted->bpf_runs;
            summary.bpf_us = accounted->bpf_us;
            summary.bpf_us_run = accounted->bpf_us_run;
            summary.cpu_us = accounted->cpu_us;
        }
    return summaries;
}

bool Report::print(std::FILE *out) const
{
    const bool clean = std::ranges::all_of(entries_, [](const Measurement &m) { return m.problem.empty(); });
    const Summaries summaries = summarize();
    const std::string unit = setup_.workload.unit();
    const std::string per = "/" + unit;

    std::fprintf(out, "\n%s: %u rounds x %s, tools' stdout to %s; medians over measurements (min-max)\n",
                 ("winbpf_bench " + setup_.workload.name()).c_str(), setup_.options.rounds,
                 setup_.workload.describe(setup_.options).c_str(),
                 setup_.options.sink == Sink::pipe ? "a pipe" : "/dev/null");
    std::fprintf(out, "%-28s %-22s %-22s %9s %10s %6s %9s %11s %12s %11s\n", "mode", (unit + "s/s").c_str(),
                 "ratio to bare", ("recv" + per).c_str(), ("lines" + per).c_str(), "lost", "BPF runs",
                 ("BPF us" + per).c_str(), ("tool us" + per).c_str(), ("CPU us" + per).c_str());
    for (const auto &[mode, s] : summaries.modes) {
        const std::string lost = s.lost ? std::to_string(*s.lost) : "-";
        std::fprintf(out, "%-28s %-22s %-22s %9s %10s %6s %9s %11s %12s %11s\n", mode.c_str(),
                     format_spread(s.rate, "%.0f", true).c_str(), format_spread(s.ratio, "%.3f", true).c_str(),
                     format_spread(s.received, "%.2f", false).c_str(), format_spread(s.lines, "%.2f", false).c_str(),
                     lost.c_str(), format_spread(s.bpf_runs, "%.2f", false).c_str(),
                     format_spread(s.bpf_us, "%.2f", false).c_str(), format_spread(s.tool_us, "%.2f", false).c_str(),
                     format_spread(s.cpu_us, "%.2f", true).c_str());
    }
    setup_.workload.print_tool_lines(summaries, out);

    // Time the host ran other guests while ours wanted the CPU: it inflates every time figure above (BPF run
    // time is wall time around each run), so a run with much steal is not comparable with a quiet one.
    std::vector<double> steal;
    for (const Measurement &m : entries_)
        if (m.workload.steal_percent)
            steal.push_back(*m.workload.steal_percent);
    if (!steal.empty()) {
        std::ranges::sort(steal);
        std::fprintf(out, "host steal during the workloads: median %.1f%%, max %.1f%% of CPU time\n",
                     steal[steal.size() / 2], steal.back());
    }

    setup_.workload.print_verdict(summaries, out);
    if (!clean)
        std::fputs("some measurements had problems (see the PROBLEM lines above)\n", out);
    return clean;
}

void print_overview(const std::vector<WorkloadSummary> &results, std::FILE *out)
{
    std::fprintf(out, "\nwinbpf_bench: every workload, each tool against the bare runs next to it; medians\n");
    std::fprintf(out, "%-9s %-28s %-30s %-30s %-40s %s\n", "workload", "tool", "ratio to bare", "added us/op",
                 "CPU us/op (BPF + tool)", "lost");
    for (const WorkloadSummary &result : results)
        for (const auto &[mode, s] : result.summaries.modes) {
            if (mode == "bare") // the reference of the others
                continue;
            const auto with_ci = [](const std::optional<Spread> &value, const char *format) {
                if (!value)
                    return std::string("-");
                char buffer[32];
                std::snprintf(buffer, sizeof buffer, format, value->median);
                return buffer + format_ci(*value, format);
            };
            std::string cpu = with_ci(s.cpu_us, "%.2f");
            if (s.bpf_us && s.tool_us) {
                char parts[64];
                std::snprintf(parts, sizeof parts, " = %.2f + %.2f", s.bpf_us->median, s.tool_us->median);
                cpu += parts;
            }
            std::fprintf(out, "%-9s %-28s %-30s %-30s %-40s %s\n", result.name.c_str(), mode.c_str(),
                         with_ci(s.ratio, "%.3f").c_str(), with_ci(s.added_us, "%.2f").c_str(), cpu.c_str(),
                         s.lost ? std::to_string(*s.lost).c_str() : "-");
        }
    std::fputs("ratio: operations/s over the bare rate; added: wall time per operation over bare; CPU: the tool's "
               "BPF run time + its own process CPU per operation; lost: events the tool reported lost. A tool runs "
               "with bpf_stats off, its BPF and CPU figures are those of its \"+bpf_stats\" runs, whose added time "
               "includes the kernel's accounting\n",
               out);
}

void print_added_time_lines(const Summaries &summaries, std::string_view tool_name, std::string_view unit_name,
                            std::FILE *out)
{
    const std::string tool(tool_name), unit(unit_name);
    const ModeSummary *bare = summaries.find("bare");
    const ModeSummary *monitor = summaries.find(tool);
    if (bare && bare->op_us)
        std::fprintf(out, "\ntime per %s: bare %.3f us%s", unit.c_str(), bare->op_us->median,
                     format_ci(*bare->op_us).c_str());
    if (!monitor || !monitor->op_us || !monitor->added_us || !monitor->slowdown) {
        std::fputc('\n', out);
        return;
    }
    std::fprintf(out, ", with %s %.3f us%s\n", tool.c_str(), monitor->op_us->median,
                 format_ci(*monitor->op_us).c_str());
    std::fprintf(out, "%s: added %.3f us per %s%s, time ratio %.3f%s", tool.c_str(), monitor->added_us->median,
                 unit.c_str(), format_ci(*monitor->added_us, "%.3f").c_str(), monitor->slowdown->median,
                 format_ci(*monitor->slowdown).c_str());
    if (monitor->bpf_us && monitor->bpf_runs)
        std::fprintf(out, "; BPF run time %.3f us per %s%s (%.2f runs per %s)", monitor->bpf_us->median, unit.c_str(),
                     format_ci(*monitor->bpf_us).c_str(), monitor->bpf_runs->median, unit.c_str());
    if (monitor->tool_us)
        std::fprintf(out, "; tool CPU %.3f us per %s", monitor->tool_us->median, unit.c_str());
    std::fputc('\n', out);
}

void print_peer_lines(const Summaries &summaries, std::string_view tool, const PeerTool &peer, std::string_view unit,
                      std::FILE *out)
{
    const ModeSummary *ref = summaries.find(peer.name);
    if (!ref)
        return;
    const std::string &name = peer.name;
    const std::string per(unit);
    std::fprintf(out, "%s (%s):", name.c_str(), peer.what.c_str());
    if (ref->added_us)
        std::fprintf(out, " added %.3f us per %s%s;", ref->added_us->median, per.c_str(),
                     format_ci(*ref->added_us).c_str());
    if (ref->bpf_us_run)
        std::fprintf(out, " BPF run time per event %.3f us%s;", ref->bpf_us_run->median,
                     format_ci(*ref->bpf_us_run).c_str());
    if (ref->bpf_us)
        std::fprintf(out, " BPF run time per %s %.3f us%s;", per.c_str(), ref->bpf_us->median,
                     format_ci(*ref->bpf_us).c_str());
    std::fprintf(out, " lost %s\n", ref->lost ? std::to_string(*ref->lost).c_str() : "unknown");
    const ModeSummary *monitor = summaries.find(std::string(tool));
    if (!monitor || !monitor->bpf_us || !ref->bpf_us || !monitor->added_us || !ref->added_us)
        return;
    std::fprintf(out, "%s beyond %s: BPF %+.3f us per %s (%.2fx), added time %+.3f us per %s (medians)\n",
                 std::string(tool).c_str(), name.c_str(), monitor->bpf_us->median - ref->bpf_us->median, per.c_str(),
                 monitor->bpf_us->median / ref->bpf_us->median, monitor->added_us->median - ref->added_us->median,
                 per.c_str());
}

namespace
{

/// "the run decides it" or "the run cannot decide it" for a figure whose best and worst cases (from the two tools'
/// confidence intervals) are low and high, against a target met at or below target.
const char *decided(std::optional<std::pair<double, double>> bounds, double target)
{
    if (!bounds)
        return "too few rounds for a confidence interval";
    if (bounds->second <= target)
        return "the run decides it: even the worst case of the 95% CIs is within";
    if (bounds->first > target)
        return "the run decides it: even the best case of the 95% CIs is beyond";
    return "the run cannot decide it: the 95% CIs straddle the target";
}

} // namespace

void print_relative_verdict(const Summaries &summaries, std::string_view tool_name, std::string_view reference_name,
                            std::string_view unit_name, const RelativeTargets &targets, std::FILE *out)
{
    const ModeSummary *tool = summaries.find(tool_name);
    const ModeSummary *reference = summaries.find(reference_name);
    if (!tool || !reference)
        return;
    const std::string name(tool_name), ref(reference_name), unit(unit_name);
    if (tool->bpf_us && reference->bpf_us) {
        const Spread &a = *tool->bpf_us, &b = *reference->bpf_us;
        const double gap = a.median - b.median;
        std::optional<std::pair<double, double>> bounds;
        if (a.median_ci && b.median_ci)
            bounds = std::pair{a.median_ci->first - b.median_ci->second, a.median_ci->second - b.median_ci->first};
        std::fprintf(out, "target: %s's BPF time per %s within %.2f us of %s's %s (%+.3f us: %.3f vs %.3f us; %s)\n",
                     name.c_str(), unit.c_str(), targets.max_bpf_gap_us, ref.c_str(),
                     gap <= targets.max_bpf_gap_us ? "PASS" : "FAIL", gap, a.median, b.median,
                     decided(bounds, targets.max_bpf_gap_us));
    }
    if (targets.tool_cpu && tool->tool_us && reference->tool_us && reference->tool_us->median > 0) {
        const Spread &a = *tool->tool_us, &b = *reference->tool_us;
        const double ratio = a.median / b.median;
        std::optional<std::pair<double, double>> bounds;
        if (a.median_ci && b.median_ci && b.median_ci->first > 0)
            bounds = std::pair{a.median_ci->first / b.median_ci->second, a.median_ci->second / b.median_ci->first};
        std::fprintf(out, "target: %s's tool CPU per %s within %.2fx of %s's %s (%.2fx: %.3f vs %.3f us; %s)\n",
                     name.c_str(), unit.c_str(), targets.max_tool_ratio, ref.c_str(),
                     ratio <= targets.max_tool_ratio ? "PASS" : "FAIL", ratio, a.median, b.median,
                     decided(bounds, targets.max_tool_ratio));
    }
    const auto lost = [](const ModeSummary *s) { return s->lost ? std::to_string(*s->lost) : std::string("unknown"); };
    const bool none_lost = tool->lost && reference->lost && *tool->lost == 0 && *reference->lost == 0;
    std::fprintf(out, "target: 0 events lost %s (%s: %s, %s: %s over all measurements)\n", none_lost ? "PASS" : "FAIL",
                 name.c_str(), lost(tool).c_str(), ref.c_str(), lost(reference).c_str());
}

} // namespace winbpf::bench
