// SPDX-License-Identifier: MIT
// winbpf_bench's relative verdict (issue 25): a monitor against its hand-written reference, BPF time per operation
// within 0.1 us, tool CPU within 1.2x, none lost. The measurements are interleaved, so each figure is compared within
// each round (paired by round index) and the verdict is the median of the per-round differences (quotients) with its
// 95% CI, which says whether the run decides it. The series below are made up, round by round, as the runner makes
// them: bare, tool, bare, tool +bpf_stats, ..., in rotating order.
#include "report.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace
{

using winbpf::bench::Measurement;
using winbpf::bench::Mode;
using winbpf::bench::Pairing;
using winbpf::bench::ProgramCounters;
using winbpf::bench::RoundSeries;
using winbpf::bench::Summaries;

constexpr unsigned operations = 20000;
constexpr Mode monitor_mode = 1, monitor_stats_mode = 2, reference_mode = 3, reference_stats_mode = 4;
const std::vector<std::string> mode_names{"bare", "bind_monitor", "bind_monitor +bpf_stats", "bind_reference",
                                          "bind_reference +bpf_stats"};

/// One tool's figures in one round, µs per operation; nullopt: the tool has no measurement in that round.
struct Figures {
    double bpf_us = 0;
    double tool_us = 0;
    std::uint64_t lost = 0;
};

std::chrono::nanoseconds per_operations(double us)
{
    return std::chrono::nanoseconds(std::llround(us * 1000.0 * operations));
}

Measurement bare(unsigned round)
{
    Measurement m;
    m.round = round;
    m.workload.done = operations;
    m.workload.elapsed = per_operations(8.0);
    return m;
}

/// A tool measurement: with bpf_stats, its BPF time split over two programs, a third on bind4 and the rest on
/// post_bind4 (the monitor's and the reference's have different names, as they do).
Measurement tool(Mode mode, unsigned round, const Figures &figures)
{
    Measurement m = bare(round);
    m.mode = mode;
    m.workload.elapsed = per_operations(8.0 + figures.bpf_us + figures.tool_us);
    m.tool_cpu = per_operations(figures.tool_us);
    m.lost = figures.lost;
    m.received = 3ull * operations;
    if (mode == monitor_stats_mode || mode == reference_stats_mode) {
        m.bpf_stats = true;
        const std::string prefix = mode == monitor_stats_mode ? "BindMonitor__winbpf_bind_" : "bind_reference_";
        const auto bind4 = static_cast<std::uint64_t>(per_operations(figures.bpf_us / 3).count());
        const auto post_bind4 = static_cast<std::uint64_t>(per_operations(figures.bpf_us).count()) - bind4;
        m.programs = {ProgramCounters{
                          10 + static_cast<std::uint32_t>(mode), prefix + "bind4", "cgroup/bind4", {bind4, operations}},
                      ProgramCounters{20 + static_cast<std::uint32_t>(mode),
                                      prefix + "post_bind4",
                                      "cgroup/post_bind4",
                                      {post_bind4, operations}}};
        m.bpf = {bind4 + post_bind4, 2ull * operations};
    }
    return m;
}

/// The measurements of rounds in the runner's order (each tool mode after a bare one; odd rounds the reference's
/// modes first), then the closing bare one. A round without a tool's figures has no measurement of it.
std::vector<Measurement> rounds(const std::vector<std::optional<Figures>> &monitor,
                                const std::vector<std::optional<Figures>> &reference)
{
    std::vector<Measurement> sequence;
    for (unsigned round = 0; round < monitor.size(); ++round) {
        std::vector<std::pair<Mode, std::optional<Figures>>> modes{{monitor_mode, monitor[round]},
                                                                   {monitor_stats_mode, monitor[round]},
                                                                   {reference_mode, reference[round]},
                                                                   {reference_stats_mode, reference[round]}};
        if (round % 2)
            std::rotate(modes.begin(), modes.begin() + 2, modes.end());
        for (const auto &[mode, figures] : modes)
            if (figures) {
                sequence.push_back(bare(round));
                sequence.push_back(tool(mode, round, *figures));
            }
    }
    sequence.push_back(bare(static_cast<unsigned>(monitor.size()) - 1));
    return sequence;
}

/// What a print function prints to a FILE.
template <typename Print> std::string printed(Print print)
{
    char *text = nullptr;
    std::size_t size = 0;
    std::FILE *out = open_memstream(&text, &size);
    EXPECT_NE(out, nullptr);
    print(out);
    std::fclose(out);
    const std::unique_ptr<char, decltype(&std::free)> owner(text, &std::free);
    return std::string(text, size);
}

/// What print_relative_verdict prints for bind_monitor against bind_reference.
std::string verdict(const Summaries &summaries, const winbpf::bench::RelativeTargets &targets = {})
{
    return printed([&](std::FILE *out) {
        winbpf::bench::print_relative_verdict(summaries, "bind_monitor", "bind_reference", "bind", targets, out);
    });
}

bool contains(const std::string &text, const std::string &part)
{
    return text.find(part) != std::string::npos;
}

// The VM's rounds: each round's BPF time sits at one of two levels, shared by every tool measured in it. The
// unpaired medians' CIs span both levels, so comparing them cannot decide anything; within each round the monitor
// is 0.04-0.06 us above the reference, which the paired difference decides.
TEST(BenchVerdict, BimodalRoundsStraddleUnpairedButThePairedDifferenceDecides)
{
    const std::vector<double> level{1.50, 2.40, 2.40, 1.50, 1.50, 2.40, 1.50, 2.40};
    const std::vector<double> jitter{0.05, 0.04, 0.06, 0.05, 0.06, 0.05, 0.04, 0.05};
    std::vector<std::optional<Figures>> monitor, reference;
    for (std::size_t round = 0; round < level.size(); ++round) {
        monitor.push_back(Figures{level[round] + jitter[round], 0.60});
        reference.push_back(Figures{level[round], 0.56});
    }
    const Summaries summaries = winbpf::bench::summarize(rounds(monitor, reference), mode_names);

    // What the unpaired verdict compared: the two medians' CIs, whose far ends straddle the target.
    const auto &a = summaries.find("bind_monitor")->bpf_us, &b = summaries.find("bind_reference")->bpf_us;
    ASSERT_TRUE(a && a->median_ci && b && b->median_ci);
    EXPECT_LT(a->median_ci->first - b->median_ci->second, 0.1);
    EXPECT_GT(a->median_ci->second - b->median_ci->first, 0.1);

    const std::string text = verdict(summaries);
    EXPECT_TRUE(contains(text, "target: bind_monitor's BPF time per bind within 0.10 us of bind_reference's PASS "
                               "(paired by round: +0.050 us (95% CI +0.040 to +0.060), 8 pairs; medians 2.000 vs "
                               "1.950 us; the run decides it: the 95% CI is within)"))
        << text;
    EXPECT_TRUE(contains(text, "target: bind_monitor's tool CPU per bind within 1.20x of bind_reference's PASS (paired "
                               "by round: 1.07x (95% CI 1.07x to 1.07x), 8 pairs; medians 0.600 vs 0.560 us; the run "
                               "decides it: the 95% CI is within)"))
        << text;
    EXPECT_TRUE(contains(text, "target: 0 events lost PASS (bind_monitor: 0, bind_reference: 0")) << text;
}

// Per-round differences on both sides of 0.1 us: the median passes, but its CI straddles the target. The tool CPU
// ratio is beyond 1.2x in every round: decided.
TEST(BenchVerdict, PairedDifferencesThatStraddleTheTargetCannotDecide)
{
    const std::vector<double> difference{0.12, -0.05, 0.20, 0.03, 0.30, 0.08, 0.00, 0.15, 0.06};
    std::vector<std::optional<Figures>> monitor, reference;
    for (std::size_t round = 0; round < difference.size(); ++round) {
        const double base = round % 2 ? 1.5 : 2.4;
        monitor.push_back(Figures{base + difference[round], 0.90 + 0.01 * static_cast<double>(round)});
        reference.push_back(Figures{base, 0.60});
    }
    const std::string text = verdict(winbpf::bench::summarize(rounds(monitor, reference), mode_names));
    // Sorted: -0.05 0.00 0.03 0.06 0.08 0.12 0.15 0.20 0.30; of 9 pairs the CI runs from the 2nd to the 8th.
    EXPECT_TRUE(contains(text, "within 0.10 us of bind_reference's PASS (paired by round: +0.080 us (95% CI +0.000 to "
                               "+0.200), 9 pairs;"))
        << text;
    EXPECT_TRUE(contains(text, "the run cannot decide it: the 95% CI straddles the target)")) << text;
    EXPECT_TRUE(contains(text, "within 1.20x of bind_reference's FAIL (paired by round: 1.57x (95% CI 1.52x to "
                               "1.62x), 9 pairs; medians 0.940 vs 0.600 us; the run decides it: the 95% CI is beyond)"))
        << text;
}

// Tool CPU is compared as a quotient within each round: the reference's CPU varies 3x from round to round, the
// monitor's is always 1.1x of it. A round whose reference measurement is missing is skipped and the pairs counted.
TEST(BenchVerdict, ToolCpuRatiosArePairedByRound)
{
    const std::vector<double> reference_cpu{0.40, 1.20, 0.50, 0.90, 0.60, 1.00, 0.45, 0.80};
    std::vector<std::optional<Figures>> monitor, reference;
    for (std::size_t round = 0; round < reference_cpu.size(); ++round) {
        monitor.push_back(Figures{1.55, 1.1 * reference_cpu[round]});
        reference.push_back(Figures{1.50, reference_cpu[round]});
    }
    reference[5].reset();
    const std::string text = verdict(winbpf::bench::summarize(rounds(monitor, reference), mode_names));
    EXPECT_TRUE(contains(text, "within 1.20x of bind_reference's PASS (paired by round: 1.10x (95% CI 1.10x to 1.10x), "
                               "7 pairs; medians 0.770 vs 0.600 us; the run decides it: the 95% CI is within)"))
        << text;
    EXPECT_TRUE(contains(text, "within 0.10 us of bind_reference's PASS (paired by round: +0.050 us (95% CI +0.050 to "
                               "+0.050), 7 pairs;"))
        << text;
}

// paired() itself: only rounds both series have; quotients skip a reference of 0; under 6 pairs no CI.
TEST(BenchVerdict, PairsByRoundIndexAndSkipsMissingRounds)
{
    const RoundSeries a{{0, 1.0}, {1, 2.0}, {2, 3.0}, {3, 4.0}};
    const RoundSeries b{{0, 2.0}, {1, 0.0}, {3, 8.0}, {5, 1.0}};
    const auto difference = winbpf::bench::paired(a, b, Pairing::difference);
    ASSERT_TRUE(difference);
    EXPECT_EQ(difference->pairs, 3u); // rounds 0, 1 and 3: -1, +2, -4
    EXPECT_DOUBLE_EQ(difference->spread.median, -1.0);
    EXPECT_FALSE(difference->spread.median_ci);
    const auto ratio = winbpf::bench::paired(a, b, Pairing::ratio);
    ASSERT_TRUE(ratio);
    EXPECT_EQ(ratio->pairs, 2u); // rounds 0 and 3: 0.5 and 0.5
    EXPECT_DOUBLE_EQ(ratio->spread.median, 0.5);
    EXPECT_FALSE(winbpf::bench::paired(a, RoundSeries{{7, 1.0}}, Pairing::difference));
}

TEST(BenchVerdict, BeyondTheTargetsAndLost)
{
    std::vector<std::optional<Figures>> monitor, reference;
    for (unsigned round = 0; round < 6; ++round) {
        monitor.push_back(Figures{1.91 + 0.01 * round, 1.11, round == 2 ? 3u : 0u});
        reference.push_back(Figures{1.51, 0.56});
    }
    const std::string text = verdict(winbpf::bench::summarize(rounds(monitor, reference), mode_names));
    EXPECT_TRUE(contains(text,
                         "within 0.10 us of bind_reference's FAIL (paired by round: +0.425 us (95% CI +0.400 to "
                         "+0.450), 6 pairs; medians 1.935 vs 1.510 us; the run decides it: the 95% CI is beyond)"))
        << text;
    EXPECT_TRUE(contains(text, "within 1.20x of bind_reference's FAIL (paired by round: 1.98x")) << text;
    EXPECT_TRUE(contains(text, "target: 0 events lost FAIL (bind_monitor: 3, bind_reference: 0")) << text;
}

TEST(BenchVerdict, FewerThanSixPairsHaveNoInterval)
{
    const std::string text = verdict(winbpf::bench::summarize(
        rounds({Figures{1.55, 0.6}, Figures{1.56, 0.6}}, {Figures{1.50, 0.6}, Figures{1.50, 0.6}}), mode_names));
    EXPECT_TRUE(contains(text, "PASS (paired by round: +0.055 us, 2 pairs; medians 1.555 vs 1.500 us; too few pairs "
                               "for a confidence interval (6 needed))"))
        << text;
}

// Tools whose processes only wait (winbpf_bench connect: their programs keep maps) have no tool CPU target.
TEST(BenchVerdict, NoToolCpuTargetWhenAsked)
{
    std::vector<std::optional<Figures>> monitor, reference;
    for (unsigned round = 0; round < 6; ++round) {
        monitor.push_back(Figures{1.55, 0.60});
        reference.push_back(Figures{1.50, 0.01});
    }
    winbpf::bench::RelativeTargets targets;
    targets.tool_cpu = false;
    const std::string text = verdict(winbpf::bench::summarize(rounds(monitor, reference), mode_names), targets);
    EXPECT_TRUE(contains(text, "target: bind_monitor's BPF time per bind within 0.10 us of bind_reference's PASS"))
        << text;
    EXPECT_FALSE(contains(text, "tool CPU")) << text;
    EXPECT_TRUE(contains(text, "target: 0 events lost PASS")) << text;
}

// Per program: each tool's programs by hook and name, medians over the rounds of us per run x runs per operation;
// the verdict's per-hook line pairs the two tools' programs on the same hook round by round.
TEST(BenchVerdict, PerProgramFiguresAndPairedHooks)
{
    std::vector<std::optional<Figures>> monitor, reference;
    for (unsigned round = 0; round < 6; ++round) {
        const double level = round % 2 ? 1.5 : 2.4;
        monitor.push_back(Figures{level + 0.06, 0.6});
        reference.push_back(Figures{level, 0.6});
    }
    std::vector<Measurement> sequence = rounds(monitor, reference);
    // The monitor's UNBIND program, on a hook the reference has no program on in this made-up run.
    for (Measurement &m : sequence)
        if (m.mode == monitor_stats_mode) {
            m.programs.push_back({40, "BindMonitor__winbpf_bind_unbind", "cgroup/sock_release", {6000000, operations}});
            m.bpf.run_time_ns += 6000000;
        }
    const Summaries summaries = winbpf::bench::summarize(sequence, mode_names);
    const std::string programs =
        printed([&](std::FILE *out) { winbpf::bench::print_program_lines(summaries, "bind", out); });
    // Medians over 6 rounds of 2.46/3 and 1.56/3 us on bind4 (0.52 and 0.82), of 2/3 of that on post_bind4.
    EXPECT_TRUE(contains(programs,
                         "BPF per program, medians over the rounds with bpf_stats: us per run x runs per bind "
                         "= us per bind\n"))
        << programs;
    EXPECT_TRUE(contains(
        programs, "  bind_monitor    cgroup/bind4         BindMonitor__winbpf_bind_bind4       0.670 x 1.00 = 0.670\n"))
        << programs;
    EXPECT_TRUE(contains(
        programs, "  bind_monitor    cgroup/sock_release  BindMonitor__winbpf_bind_unbind      0.300 x 1.00 = 0.300\n"))
        << programs;
    EXPECT_TRUE(contains(
        programs, "  bind_reference  cgroup/post_bind4    bind_reference_post_bind4            1.300 x 1.00 = 1.300\n"))
        << programs;
    EXPECT_FALSE(contains(programs, "+bpf_stats")) << programs;

    const std::string text = verdict(summaries);
    EXPECT_TRUE(contains(text, "within 0.10 us of bind_reference's FAIL (paired by round: +0.360 us")) << text;
    EXPECT_TRUE(contains(text,
                         "  per hook, BPF us per bind, bind_monitor minus bind_reference paired by round: "
                         "cgroup/bind4 +0.020 (95% CI +0.020 to +0.020), 6 pairs; cgroup/post_bind4 +0.040 "
                         "(95% CI +0.040 to +0.040), 6 pairs; only bind_monitor has cgroup/sock_release: 0.300\n"))
        << text;
}

} // namespace
