// SPDX-License-Identifier: MIT
#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>

namespace winbpf::bench
{
namespace
{

/// Median, minimum and maximum of a sample, and a distribution-free confidence interval of the median.
struct Spread {
    double median = 0;
    double min = 0;
    double max = 0;
    /// At least 95% confidence interval of the true median (order statistics); nullopt below 6 values.
    std::optional<std::pair<double, double>> median_ci;
};

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

/// " (95% CI a-b)" for a median with a confidence interval, else "".
std::string format_ci(const Spread &value)
{
    if (!value.median_ci)
        return "";
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, " (95%% CI %.3f-%.3f)", value.median_ci->first, value.median_ci->second);
    return buffer;
}

/// Per-round figures of one mode, reduced to medians.
struct ModeSummary {
    std::optional<Spread> rate;        ///< execs/s
    std::optional<Spread> ratio;       ///< execs/s over the mean execs/s of the bare runs just before and after
    std::optional<Spread> received;    ///< tool-reported events per exec
    std::optional<Spread> lines;       ///< output lines per exec
    std::optional<std::uint64_t> lost; ///< summed over rounds
    std::optional<Spread> bpf_runs;    ///< BPF program runs per exec
    std::optional<Spread> bpf_us;      ///< BPF run time per exec
    std::optional<Spread> tool_us;     ///< tool CPU per exec
    std::optional<Spread> cpu_us;      ///< both per exec
};

double micros_per_exec(double nanoseconds, unsigned execs)
{
    return execs ? nanoseconds / 1000.0 / execs : 0;
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

} // namespace

void Report::add(unsigned round, const Measurement &m)
{
    entries_.push_back({round, m});
    const unsigned execs = m.workload.execs;
    std::fprintf(stderr, "round %u/%u %-15s %u execs in %.3f s = %.0f/s", round + 1, options_.rounds,
                 std::string(mode_name(m.mode)).c_str(), execs,
                 std::chrono::duration<double>(m.workload.elapsed).count(), m.execs_per_second());
    if (m.mode != Mode::bare) {
        if (m.received)
            std::fprintf(stderr, ", received %llu, lost %llu", static_cast<unsigned long long>(*m.received),
                         static_cast<unsigned long long>(m.lost.value_or(0)));
        if (m.lines)
            std::fprintf(stderr, ", lines %llu", static_cast<unsigned long long>(*m.lines));
        std::fprintf(stderr, ", tool %.2f us/exec, BPF %.2f us/exec (%llu runs:",
                     micros_per_exec(static_cast<double>(m.tool_cpu.count()), execs),
                     micros_per_exec(static_cast<double>(m.bpf.run_time_ns), execs),
                     static_cast<unsigned long long>(m.bpf.run_count));
        for (const ProgramCounters &program : m.programs)
            std::fprintf(stderr, " %s#%u %llu x %.2f us", program.name.c_str(), program.id,
                         static_cast<unsigned long long>(program.counters.run_count),
                         program.counters.run_count ? static_cast<double>(program.counters.run_time_ns) / 1000.0 /
                                                          static_cast<double>(program.counters.run_count)
                                                    : 0.0);
        std::fputc(')', stderr);
    }
    if (m.workload.steal_percent)
        std::fprintf(stderr, ", host steal %.1f%%", *m.workload.steal_percent);
    if (!m.problem.empty())
        std::fprintf(stderr, " PROBLEM: %s", m.problem.c_str());
    std::fputc('\n', stderr);
}

namespace
{

/// One measurement and its throughput relative to the bare runs around it.
struct Rated {
    const Measurement *measurement;
    std::optional<double> ratio; ///< execs/s over the mean execs/s of the nearest bare runs before and after
};

/// The ratio of every measurement of sequence (in the order they ran) to the mean rate of the nearest bare measurements
/// before and after it (only one of them at either end of the run); 1 for bare measurements.
std::vector<std::optional<double>> ratios_to_neighbouring_bare(const std::vector<const Measurement *> &sequence)
{
    std::vector<std::optional<double>> ratios(sequence.size());
    for (std::size_t i = 0; i < sequence.size(); ++i) {
        const Measurement &m = *sequence[i];
        if (m.mode == Mode::bare) {
            ratios[i] = m.workload.execs > 0 ? std::optional<double>(1.0) : std::nullopt;
            continue;
        }
        const auto usable_bare = [&](std::size_t j) {
            return sequence[j]->mode == Mode::bare && sequence[j]->execs_per_second() > 0;
        };
        std::vector<double> neighbours;
        for (std::size_t j = i; j-- > 0;)
            if (usable_bare(j)) {
                neighbours.push_back(sequence[j]->execs_per_second());
                break;
            }
        for (std::size_t j = i + 1; j < sequence.size(); ++j)
            if (usable_bare(j)) {
                neighbours.push_back(sequence[j]->execs_per_second());
                break;
            }
        if (!neighbours.empty() && m.workload.execs > 0) {
            double sum = 0;
            for (const double rate : neighbours)
                sum += rate;
            ratios[i] = m.execs_per_second() / (sum / static_cast<double>(neighbours.size()));
        }
    }
    return ratios;
}

ModeSummary summarize(Mode mode, const std::vector<Rated> &measurements)
{
    std::vector<double> rate, ratio, received, lines, runs, bpf, tool, cpu;
    ModeSummary summary;
    for (const auto &[m, relative] : measurements) {
        const unsigned n = m->workload.execs;
        if (n == 0)
            continue;
        rate.push_back(m->execs_per_second());
        if (relative)
            ratio.push_back(*relative);
        if (mode == Mode::bare)
            continue;
        if (m->received)
            received.push_back(static_cast<double>(*m->received) / n);
        if (m->lines)
            lines.push_back(static_cast<double>(*m->lines) / n);
        if (m->lost)
            summary.lost = summary.lost.value_or(0) + *m->lost;
        runs.push_back(static_cast<double>(m->bpf.run_count) / n);
        bpf.push_back(micros_per_exec(static_cast<double>(m->bpf.run_time_ns), n));
        tool.push_back(micros_per_exec(static_cast<double>(m->tool_cpu.count()), n));
        cpu.push_back(bpf.back() + tool.back());
    }
    summary.rate = spread(rate);
    summary.ratio = spread(ratio);
    summary.received = spread(received);
    summary.lines = spread(lines);
    summary.bpf_runs = spread(runs);
    summary.bpf_us = spread(bpf);
    summary.tool_us = spread(tool);
    summary.cpu_us = spread(cpu);
    return summary;
}

const char *verdict(bool ok)
{
    return ok ? "PASS" : "FAIL";
}

} // namespace

bool Report::print(std::FILE *out) const
{
    std::vector<const Measurement *> sequence;
    bool clean = true;
    for (const Entry &entry : entries_) {
        sequence.push_back(&entry.measurement);
        clean = clean && entry.measurement.problem.empty();
    }
    const std::vector<std::optional<double>> ratios = ratios_to_neighbouring_bare(sequence);
    std::map<Mode, std::vector<Rated>> by_mode;
    for (std::size_t i = 0; i < sequence.size(); ++i)
        by_mode[sequence[i]->mode].push_back({sequence[i], ratios[i]});
    std::map<Mode, ModeSummary> summaries;
    for (const auto &[mode, measurements] : by_mode)
        summaries[mode] = summarize(mode, measurements);

    std::fprintf(out,
                 "\nexec_bench: %u rounds x %u fork+execs of %s, %u worker(s), tools' stdout to %s; "
                 "medians over measurements (min-max)\n",
                 options_.rounds, options_.execs, options_.program.c_str(), options_.parallel,
                 options_.sink == Sink::pipe ? "a pipe" : "/dev/null");
    std::fprintf(out, "%-16s %-22s %-22s %9s %10s %6s %9s %11s %12s %11s\n", "mode", "execs/s", "ratio to bare",
                 "recv/exec", "lines/exec", "lost", "BPF runs", "BPF us/exec", "tool us/exec", "CPU us/exec");
    for (const auto &[mode, s] : summaries) {
        const std::string lost = s.lost ? std::to_string(*s.lost) : "-";
        std::fprintf(out, "%-16s %-22s %-22s %9s %10s %6s %9s %11s %12s %11s\n", std::string(mode_name(mode)).c_str(),
                     format_spread(s.rate, "%.0f", true).c_str(), format_spread(s.ratio, "%.3f", true).c_str(),
                     format_spread(s.received, "%.2f", false).c_str(), format_spread(s.lines, "%.2f", false).c_str(),
                     lost.c_str(), format_spread(s.bpf_runs, "%.2f", false).c_str(),
                     format_spread(s.bpf_us, "%.2f", false).c_str(), format_spread(s.tool_us, "%.2f", false).c_str(),
                     format_spread(s.cpu_us, "%.2f", true).c_str());
    }

    const auto find = [&](Mode mode) -> const ModeSummary * {
        const auto it = summaries.find(mode);
        return it == summaries.end() ? nullptr : &it->second;
    };
    const ModeSummary *monitor = find(Mode::monitor);
    const ModeSummary *execsnoop = find(Mode::execsnoop);
    std::string line;
    char buffer[256];
    if (monitor && monitor->ratio && monitor->cpu_us) {
        std::snprintf(buffer, sizeof buffer,
                      "process_monitor: throughput %.3f of bare%s, lost %llu, CPU/exec %.2f us (BPF %.2f + user %.2f)",
                      monitor->ratio->median, format_ci(*monitor->ratio).c_str(),
                      static_cast<unsigned long long>(monitor->lost.value_or(0)), monitor->cpu_us->median,
                      monitor->bpf_us->median, monitor->tool_us->median);
        line += buffer;
    }
    if (execsnoop && execsnoop->ratio && execsnoop->cpu_us) {
        std::snprintf(buffer, sizeof buffer, "%sexecsnoop: throughput %.3f%s, CPU/exec %.2f us (BPF %.2f + user %.2f)",
                      line.empty() ? "" : "; ", execsnoop->ratio->median, format_ci(*execsnoop->ratio).c_str(),
                      execsnoop->cpu_us->median, execsnoop->bpf_us->median, execsnoop->tool_us->median);
        line += buffer;
    }
    if (!line.empty())
        std::fprintf(out, "\n%s\n", line.c_str());

    // Time the host ran other guests while ours wanted the CPU: it inflates every time figure above (BPF run
    // time is wall time around each run), so a run with much steal is not comparable with a quiet one.
    std::vector<double> steal;
    for (const Entry &entry : entries_)
        if (entry.measurement.workload.steal_percent)
            steal.push_back(*entry.measurement.workload.steal_percent);
    if (!steal.empty()) {
        std::ranges::sort(steal);
        std::fprintf(out, "host steal during the workloads: median %.1f%%, max %.1f%% of CPU time\n",
                     steal[steal.size() / 2], steal.back());
    }

    if (monitor && monitor->ratio && monitor->cpu_us) {
        const Targets targets;
        const double ratio = monitor->ratio->median;
        const double cpu = monitor->cpu_us->median;
        const std::uint64_t lost = monitor->lost.value_or(0);
        std::fprintf(out,
                     "targets: throughput >= %.2f of bare %s (%.3f); lost == 0 %s (%llu); CPU/exec <= %.1f us %s "
                     "(%.2f)",
                     targets.min_throughput_ratio, verdict(ratio >= targets.min_throughput_ratio), ratio,
                     verdict(lost == 0 && monitor->lost.has_value()), static_cast<unsigned long long>(lost),
                     targets.max_cpu_us_per_exec, verdict(cpu <= targets.max_cpu_us_per_exec), cpu);
        if (execsnoop && execsnoop->ratio && execsnoop->cpu_us)
            std::fprintf(out, "; not behind execsnoop: throughput %s (%.3f vs %.3f), CPU %s (%.2f vs %.2f us)",
                         verdict(ratio >= execsnoop->ratio->median), ratio, execsnoop->ratio->median,
                         verdict(cpu <= execsnoop->cpu_us->median), cpu, execsnoop->cpu_us->median);
        std::fputc('\n', out);
        if (const auto &ci = monitor->ratio->median_ci;
            ci && ci->first < targets.min_throughput_ratio && ci->second >= targets.min_throughput_ratio)
            std::fprintf(out,
                         "throughput: the 95%% confidence interval of the median ratio (%.3f-%.3f) contains the "
                         "target %.2f, so this run cannot decide it; more --rounds narrow the interval\n",
                         ci->first, ci->second, targets.min_throughput_ratio);
    }
    if (!clean)
        std::fputs("some measurements had problems (see the PROBLEM lines above)\n", out);
    return clean;
}

} // namespace winbpf::bench
