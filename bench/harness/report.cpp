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

/// " (95% CI a to b)" for a median with a confidence interval (bounds printed with format, which may be signed),
/// else "".
std::string ci_text(const Spread &value, const char *format)
{
    return format_ci(value, format, " to ");
}

/// "1 pair", "N pairs".
std::string pairs_text(std::size_t pairs)
{
    return std::to_string(pairs) + (pairs == 1 ? " pair" : " pairs");
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

/// Adds value to round's entry of a series being built: the sum and the count of the values of each round.
using RoundSums = std::map<unsigned, std::pair<double, unsigned>>;

void add_to_round(RoundSums &sums, unsigned round, double value)
{
    auto &[sum, count] = sums[round];
    sum += value;
    ++count;
}

RoundSeries round_means(const RoundSums &sums)
{
    RoundSeries series;
    for (const auto &[round, sum] : sums)
        series[round] = sum.first / sum.second;
    return series;
}

/// A program's figures over the rounds, as they are collected.
struct ProgramRounds {
    std::vector<double> us_per_run, runs_per_op, us_per_op;
};

ModeSummary summarize_mode(const std::vector<std::pair<const Measurement *, std::optional<Relative>>> &measurements)
{
    std::vector<double> rate, op_us, ratio, added, slowdown, received, lines, runs, bpf, per_run, tool, cpu;
    RoundSums bpf_rounds, tool_rounds, added_rounds;
    std::map<std::string, RoundSums> hook_rounds;
    std::map<std::pair<std::string, std::string>, ProgramRounds> programs; // by hook and name
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
            if (m->mode != bare_mode)
                add_to_round(added_rounds, m->round, relative->added_us);
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
        add_to_round(tool_rounds, m->round, tool.back());
        if (!m->bpf_stats)
            continue;
        runs.push_back(static_cast<double>(m->bpf.run_count) / n);
        bpf.push_back(micros_per_op(static_cast<double>(m->bpf.run_time_ns), n));
        add_to_round(bpf_rounds, m->round, bpf.back());
        if (m->bpf.run_count > 0)
            per_run.push_back(static_cast<double>(m->bpf.run_time_ns) / 1000.0 / static_cast<double>(m->bpf.run_count));
        cpu.push_back(bpf.back() + tool.back());

        // Per program and per hook: programs of one measurement with the same hook and name count as one.
        std::map<std::pair<std::string, std::string>, BpfCounters> counters;
        std::map<std::string, std::uint64_t> hook_ns;
        for (const ProgramCounters &program : m->programs) {
            BpfCounters &sum = counters[{program.hook, program.name}];
            sum.run_time_ns += program.counters.run_time_ns;
            sum.run_count += program.counters.run_count;
            hook_ns[program.hook] += program.counters.run_time_ns;
        }
        for (const auto &[key, sum] : counters) {
            ProgramRounds &program = programs[key];
            if (sum.run_count > 0)
                program.us_per_run.push_back(static_cast<double>(sum.run_time_ns) / 1000.0 /
                                             static_cast<double>(sum.run_count));
            program.runs_per_op.push_back(static_cast<double>(sum.run_count) / n);
            program.us_per_op.push_back(micros_per_op(static_cast<double>(sum.run_time_ns), n));
        }
        for (const auto &[hook, ns] : hook_ns)
            add_to_round(hook_rounds[hook], m->round, micros_per_op(static_cast<double>(ns), n));
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
    summary.bpf_us_rounds = round_means(bpf_rounds);
    summary.tool_us_rounds = round_means(tool_rounds);
    summary.added_us_rounds = round_means(added_rounds);
    for (const auto &[hook, sums] : hook_rounds)
        summary.hook_us_rounds[hook] = round_means(sums);
    for (const auto &[key, program] : programs)
        summary.programs.push_back({key.first, key.second, spread(program.us_per_run), spread(program.runs_per_op),
                                    spread(program.us_per_op)});
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

std::string format_ci(const Spread &value, const char *format, const char *separator)
{
    if (!value.median_ci)
        return "";
    char low[32], high[32];
    std::snprintf(low, sizeof low, format, value.median_ci->first);
    std::snprintf(high, sizeof high, format, value.median_ci->second);
    return std::string(" (95% CI ") + low + separator + high + ")";
}

const ModeSummary *Summaries::find(std::string_view name) const
{
    for (const auto &[mode, summary] : modes)
        if (mode == name)
            return &summary;
    return nullptr;
}

Summaries summarize(const std::vector<Measurement> &measurements, const std::vector<std::string> &mode_names)
{
    const std::vector<std::optional<Relative>> relative = relative_to_neighbouring_bare(measurements);
    std::map<Mode, std::vector<std::pair<const Measurement *, std::optional<Relative>>>> by_mode;
    for (std::size_t i = 0; i < measurements.size(); ++i)
        by_mode[measurements[i].mode].emplace_back(&measurements[i], relative[i]);
    Summaries summaries;
    for (const auto &[mode, of_mode] : by_mode)
        summaries.modes.emplace_back(mode < mode_names.size() ? mode_names[mode] : "?", summarize_mode(of_mode));
    // A tool's BPF figures are those of its measurements with bpf_stats on; its own keep the added time without the
    // accounting.
    for (auto &[name, summary] : summaries.modes)
        if (const ModeSummary *accounted = summaries.find(name + bpf_stats_suffix)) {
            summary.bpf_runs = accounted->bpf_runs;
            summary.bpf_us = accounted->bpf_us;
            summary.bpf_us_run = accounted->bpf_us_run;
            summary.cpu_us = accounted->cpu_us;
            summary.bpf_us_rounds = accounted->bpf_us_rounds;
            summary.programs = accounted->programs;
            summary.hook_us_rounds = accounted->hook_us_rounds;
        }
    return summaries;
}

std::optional<Paired> paired(const RoundSeries &a, const RoundSeries &b, Pairing how)
{
    std::vector<double> per_round;
    for (const auto &[round, value] : a) {
        const auto other = b.find(round);
        if (other == b.end())
            continue;
        if (how == Pairing::difference)
            per_round.push_back(value - other->second);
        else if (other->second != 0)
            per_round.push_back(value / other->second);
    }
    const std::optional<Spread> result = spread(per_round);
    if (!result)
        return std::nullopt;
    return Paired{*result, per_round.size()};
}

void print_program_lines(const Summaries &summaries, std::string_view unit_name, std::FILE *out)
{
    const std::string unit(unit_name);
    // A "+bpf_stats" twin's programs are its tool's: print them once, under the tool's name.
    std::vector<const std::pair<std::string, ModeSummary> *> tools;
    for (const auto &mode : summaries.modes)
        if (!mode.second.programs.empty() &&
            !(mode.first.ends_with(bpf_stats_suffix) &&
              summaries.find(mode.first.substr(0, mode.first.size() - std::string_view(bpf_stats_suffix).size()))))
            tools.push_back(&mode);
    if (tools.empty())
        return;
    int tool_width = 0, hook_width = 0, name_width = 0;
    for (const auto *tool : tools) {
        tool_width = std::max(tool_width, static_cast<int>(tool->first.size()));
        for (const ProgramSummary &program : tool->second.programs) {
            hook_width = std::max(hook_width, static_cast<int>(program.hook.size()));
            name_width = std::max(name_width, static_cast<int>(program.name.size()));
        }
    }
    std::fprintf(out, "BPF per program, medians over the rounds with bpf_stats: us per run x runs per %s = us per %s\n",
                 unit.c_str(), unit.c_str());
    for (const auto *tool : tools)
        for (const ProgramSummary &program : tool->second.programs)
            std::fprintf(out, "  %-*s  %-*s  %-*s  %s x %s = %s\n", tool_width, tool->first.c_str(), hook_width,
                         program.hook.c_str(), name_width, program.name.c_str(),
                         format_spread(program.us_per_run, "%.3f", false).c_str(),
                         format_spread(program.runs_per_op, "%.2f", false).c_str(),
                         format_spread(program.us_per_op, "%.3f", false).c_str());
}

void Report::add(unsigned round, const Measurement &m)
{
    entries_.push_back(m);
    entries_.back().round = round;
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
    std::vector<std::string> names;
    for (Mode mode = bare_mode; mode <= setup_.tools.size(); ++mode)
        names.push_back(setup_.mode_name(mode));
    return winbpf::bench::summarize(entries_, names);
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
    print_program_lines(summaries, unit, out);
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
    if (!monitor)
        return;
    const std::optional<Paired> bpf = paired(monitor->bpf_us_rounds, ref->bpf_us_rounds, Pairing::difference);
    const std::optional<Paired> bpf_ratio = paired(monitor->bpf_us_rounds, ref->bpf_us_rounds, Pairing::ratio);
    const std::optional<Paired> added = paired(monitor->added_us_rounds, ref->added_us_rounds, Pairing::difference);
    if (!bpf && !added)
        return;
    std::fprintf(out, "%s beyond %s, medians of the per-round differences:", std::string(tool).c_str(), name.c_str());
    if (bpf) {
        std::fprintf(out, " BPF %+.3f us per %s%s", bpf->spread.median, per.c_str(),
                     ci_text(bpf->spread, "%+.3f").c_str());
        if (bpf_ratio)
            std::fprintf(out, " (%.2fx)", bpf_ratio->spread.median);
        std::fprintf(out, ", %s%s", pairs_text(bpf->pairs).c_str(), added ? ";" : "");
    }
    if (added)
        std::fprintf(out, " added time %+.3f us per %s%s, %s", added->spread.median, per.c_str(),
                     ci_text(added->spread, "%+.3f").c_str(), pairs_text(added->pairs).c_str());
    std::fputc('\n', out);
}

namespace
{

/// Whether the run decides a target met at or below target, from the 95% CI of the median of the paired figure.
const char *decided(const Paired &figure, double target)
{
    if (!figure.spread.median_ci)
        return "too few pairs for a confidence interval (6 needed)";
    if (figure.spread.median_ci->second <= target)
        return "the run decides it: the 95% CI is within";
    if (figure.spread.median_ci->first > target)
        return "the run decides it: the 95% CI is beyond";
    return "the run cannot decide it: the 95% CI straddles the target";
}

/// "  per hook, BPF us per <unit> ...": the paired difference of the two tools' BPF time on each hook both have
/// programs on, and each hook only one of them has with that tool's median.
void print_hook_differences(const ModeSummary &tool, const ModeSummary &reference, const std::string &name,
                            const std::string &ref, const std::string &unit, std::FILE *out)
{
    if (tool.hook_us_rounds.empty() || reference.hook_us_rounds.empty())
        return;
    std::fprintf(out, "  per hook, BPF us per %s, %s minus %s paired by round:", unit.c_str(), name.c_str(),
                 ref.c_str());
    const char *separator = " ";
    for (const auto &[hook, series] : tool.hook_us_rounds) {
        const auto other = reference.hook_us_rounds.find(hook);
        if (other == reference.hook_us_rounds.end())
            continue;
        if (const std::optional<Paired> gap = paired(series, other->second, Pairing::difference)) {
            std::fprintf(out, "%s%s %+.3f%s, %s", separator, hook.c_str(), gap->spread.median,
                         ci_text(gap->spread, "%+.3f").c_str(), pairs_text(gap->pairs).c_str());
            separator = "; ";
        }
    }
    const auto only = [&](const ModeSummary &in, const ModeSummary &not_in, const std::string &who) {
        for (const auto &[hook, series] : in.hook_us_rounds)
            if (!not_in.hook_us_rounds.contains(hook)) {
                std::vector<double> values;
                for (const auto &[round, value] : series)
                    values.push_back(value);
                std::fprintf(out, "%sonly %s has %s: %.3f", separator, who.c_str(), hook.c_str(),
                             spread(values).value_or(Spread{}).median);
                separator = "; ";
            }
    };
    only(tool, reference, name);
    only(reference, tool, ref);
    std::fputc('\n', out);
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
        std::fprintf(out, "target: %s's BPF time per %s within %.2f us of %s's ", name.c_str(), unit.c_str(),
                     targets.max_bpf_gap_us, ref.c_str());
        if (const std::optional<Paired> gap =
                paired(tool->bpf_us_rounds, reference->bpf_us_rounds, Pairing::difference))
            std::fprintf(out, "%s (paired by round: %+.3f us%s, %s; medians %.3f vs %.3f us; %s)\n",
                         gap->spread.median <= targets.max_bpf_gap_us ? "PASS" : "FAIL", gap->spread.median,
                         ci_text(gap->spread, "%+.3f").c_str(), pairs_text(gap->pairs).c_str(), tool->bpf_us->median,
                         reference->bpf_us->median, decided(*gap, targets.max_bpf_gap_us));
        else
            std::fprintf(out, "UNKNOWN (no round measured both: medians %.3f vs %.3f us)\n", tool->bpf_us->median,
                         reference->bpf_us->median);
        print_hook_differences(*tool, *reference, name, ref, unit, out);
    }
    if (targets.tool_cpu && tool->tool_us && reference->tool_us) {
        std::fprintf(out, "target: %s's tool CPU per %s within %.2fx of %s's ", name.c_str(), unit.c_str(),
                     targets.max_tool_ratio, ref.c_str());
        if (const std::optional<Paired> ratio = paired(tool->tool_us_rounds, reference->tool_us_rounds, Pairing::ratio))
            std::fprintf(out, "%s (paired by round: %.2fx%s, %s; medians %.3f vs %.3f us; %s)\n",
                         ratio->spread.median <= targets.max_tool_ratio ? "PASS" : "FAIL", ratio->spread.median,
                         ci_text(ratio->spread, "%.2fx").c_str(), pairs_text(ratio->pairs).c_str(),
                         tool->tool_us->median, reference->tool_us->median, decided(*ratio, targets.max_tool_ratio));
        else
            std::fprintf(out, "UNKNOWN (no round measured both with %s's CPU above 0: medians %.3f vs %.3f us)\n",
                         ref.c_str(), tool->tool_us->median, reference->tool_us->median);
    }
    const auto lost = [](const ModeSummary *s) { return s->lost ? std::to_string(*s->lost) : std::string("unknown"); };
    const bool none_lost = tool->lost && reference->lost && *tool->lost == 0 && *reference->lost == 0;
    std::fprintf(out, "target: 0 events lost %s (%s: %s, %s: %s over all measurements)\n", none_lost ? "PASS" : "FAIL",
                 name.c_str(), lost(tool).c_str(), ref.c_str(), lost(reference).c_str());
}

} // namespace winbpf::bench
