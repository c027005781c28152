// SPDX-License-Identifier: MIT
// The statistics and the tables: per-measurement lines, medians with confidence intervals, each workload's table and
// its "added time" lines and verdict, and the overview of every workload.
#pragma once

#include "measurement.hpp"
#include "monitor_tool.hpp"

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace winbpf::bench
{

/// Median, minimum and maximum of a sample, and a distribution-free confidence interval of the median.
struct Spread {
    double median = 0;
    double min = 0;
    double max = 0;
    /// At least 95% confidence interval of the true median (order statistics); nullopt below 6 values.
    std::optional<std::pair<double, double>> median_ci;
};

/// The spread of values; nullopt when empty.
std::optional<Spread> spread(std::vector<double> values);

/// " (95% CI a-b)" for a median with a confidence interval (bounds printed with format, joined by separator), else "".
std::string format_ci(const Spread &value, const char *format = "%.3f", const char *separator = "-");

/// One figure of a mode per round: round (0-based) -> value, the mean when a round measured the mode more than once.
using RoundSeries = std::map<unsigned, double>;

/// One BPF program of a tool over the rounds it was measured in with bpf_stats, matched from round to round by hook
/// and name (each measurement starts the tool afresh, with new program ids).
struct ProgramSummary {
    std::string hook;                  ///< where it is attached, e.g. "sockops" (ProgramCounters::hook)
    std::string name;                  ///< its function name (ProgramCounters::name)
    std::optional<Spread> us_per_run;  ///< run_time_ns / run_cnt in µs, over the rounds in which it ran
    std::optional<Spread> runs_per_op; ///< run_cnt per operation
    std::optional<Spread> us_per_op;   ///< run_time_ns per operation, µs
};

/// Per-measurement figures of one mode, reduced to medians. Relative figures compare a tool measurement with the
/// bare measurements right before and after it.
struct ModeSummary {
    std::optional<Spread> rate;           ///< operations/s
    std::optional<Spread> ratio;          ///< operations/s over the mean of the neighbouring bare runs'
    std::optional<Spread> op_us;          ///< wall time per operation
    std::optional<Spread> added_us;       ///< wall time per operation minus the neighbouring bare runs' mean
    std::optional<Spread> slowdown;       ///< wall time per operation over the neighbouring bare runs' mean
    std::optional<Spread> received;       ///< tool-reported events per operation
    std::optional<Spread> lines;          ///< output lines per operation
    std::optional<std::uint64_t> lost;    ///< summed over rounds
    std::optional<Spread> bpf_runs;       ///< BPF program runs per operation
    std::optional<Spread> bpf_us;         ///< BPF run time per operation
    std::optional<Spread> bpf_us_run;     ///< BPF run time per program run (run_time_ns / run_cnt)
    std::optional<Spread> tool_us;        ///< tool CPU per operation
    std::optional<Spread> cpu_us;         ///< both per operation
    RoundSeries bpf_us_rounds;            ///< bpf_us of each round
    RoundSeries tool_us_rounds;           ///< tool_us of each round
    RoundSeries added_us_rounds;          ///< added_us of each round
    std::vector<ProgramSummary> programs; ///< per program (measurements with bpf_stats), by hook, then name
    std::map<std::string, RoundSeries> hook_us_rounds; ///< per hook: BPF µs per operation of its programs, each round
};

/// The summary of every mode that was measured, for a workload's verdict.
struct Summaries {
    std::vector<std::pair<std::string, ModeSummary>> modes; ///< by mode name, bare first

    /// The summary of the mode called name, or nullptr.
    const ModeSummary *find(std::string_view name) const;
};

/// Every mode's summary from measurements in the order they ran (a tool is compared with the bare measurements right
/// before and after it); mode_names[mode] names each mode, bare first. A tool with a "+bpf_stats" twin takes its BPF
/// figures (bpf_*, cpu_us, programs, hook_us_rounds) from the twin's measurements.
Summaries summarize(const std::vector<Measurement> &measurements, const std::vector<std::string> &mode_names);

/// How the figures of two tools measured in the same round are compared.
enum class Pairing {
    difference, ///< a - b
    ratio,      ///< a / b
};

/// Two tools' figures compared round by round.
struct Paired {
    Spread spread;         ///< of the per-round differences (quotients); its median_ci from 6 pairs on
    std::size_t pairs = 0; ///< rounds in which both were measured (for quotients: and b's figure is not 0)
};

/// The per-round difference (quotient) of a's and b's figures over the rounds both have, i.e. paired by round
/// index; rounds where either is missing are skipped. nullopt without any pair.
std::optional<Paired> paired(const RoundSeries &a, const RoundSeries &b, Pairing how);

/// Prints, for each tool measured with bpf_stats, one line per BPF program: its hook, its name, and the medians over
/// the rounds of µs per run x runs per operation = µs per operation. Nothing without such a tool.
void print_program_lines(const Summaries &summaries, std::string_view unit, std::FILE *out);

/// Collects measurements round by round, then prints medians.
class Report
{
  public:
    explicit Report(const BenchSetup &setup) : setup_(setup) {}

    /// Records the measurement of one mode in round (0-based) and logs it to stderr. Measurements must be added in
    /// the order they ran: a tool is compared with the bare measurements added right before and after it.
    void add(unsigned round, const Measurement &measurement);
    /// Prints the table, the workload's lines and verdict, and the host steal to out; returns false if a
    /// measurement had a problem.
    bool print(std::FILE *out) const;
    /// Every mode's medians over the measurements added so far.
    Summaries summarize() const;

  private:
    const BenchSetup &setup_;
    std::vector<Measurement> entries_;
};

/// What one workload of a winbpf_bench run gave, for the overview table.
struct WorkloadSummary {
    std::string name;    ///< the workload's name, e.g. "exec"
    std::string unit;    ///< its operation, e.g. "exec"
    Summaries summaries; ///< bare first
};

/// Prints one line per tool of every workload: throughput ratio to bare, added wall time per operation, CPU per
/// operation (BPF run time + tool CPU) and events lost, medians with 95% CIs.
void print_overview(const std::vector<WorkloadSummary> &results, std::FILE *out);

/// Prints "time per <unit>: bare ..., with <tool> ..." and "<tool>: added ... per <unit>, time ratio ...; BPF run
/// time ... per <unit> (... runs per <unit>); tool CPU ... per <unit>", medians with 95% CIs.
void print_added_time_lines(const Summaries &summaries, std::string_view tool, std::string_view unit, std::FILE *out);

/// Prints "<peer> (<what>): added ... us per <unit> (CI); BPF run time per event ... us (CI); BPF run time per <unit>
/// ... us (CI); lost N" and "<tool> beyond <peer>, medians of the per-round differences: BPF +X us per <unit> (CI)
/// (R x), N pairs; added time +Y us per <unit> (CI), M pairs" (paired()): for the reference, what winbpf itself adds;
/// for the floor, what the work adds to the hooks' least cost. Nothing without the peer's figures.
void print_peer_lines(const Summaries &summaries, std::string_view tool, const PeerTool &peer, std::string_view unit,
                      std::FILE *out);

/// The relative targets of a monitor against its hand-written reference, measured in the same run.
struct RelativeTargets {
    double max_bpf_gap_us = 0.1; ///< BPF run time per operation: monitor - reference <= this
    double max_tool_ratio = 1.2; ///< tool CPU per operation: monitor / reference <= this
    /// false: no tool CPU target (tools whose programs keep maps only and whose process idles, e.g. connect's)
    bool tool_cpu = true;
};

/// Prints "target: <tool>'s BPF time per <unit> within 0.10 us of <reference>'s PASS|FAIL (paired by round: +X us
/// (95% CI ...), N pairs; medians A vs B us; ...)" and "target: <tool>'s tool CPU per <unit> within 1.20x of
/// <reference>'s PASS|FAIL (paired by round: R x (95% CI ...), N pairs; medians A vs B us; ...)": the median of the
/// per-round differences (quotients) of the two tools' figures (paired()) against the target, and whether the run
/// decides it: that median's 95% confidence interval lies wholly on one side of the target, or it cannot. A and B
/// are each tool's own median over its rounds. After the BPF target, the same per hook where both have programs on
/// it. Then "target: 0 events lost" over every measurement of both. Nothing for a figure either tool lacks.
void print_relative_verdict(const Summaries &summaries, std::string_view tool, std::string_view reference,
                            std::string_view unit, const RelativeTargets &targets, std::FILE *out);

} // namespace winbpf::bench
