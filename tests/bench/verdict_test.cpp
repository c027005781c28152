// SPDX-License-Identifier: MIT
// winbpf_bench's relative verdict (issue 25): a monitor against its hand-written reference, BPF time per operation
// within 0.1 us, tool CPU within 1.2x, none lost; each says whether the run decides it from the 95% CIs.
#include "report.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace
{

using winbpf::bench::ModeSummary;
using winbpf::bench::Spread;
using winbpf::bench::Summaries;

Spread around(double median, double low, double high)
{
    return {median, low, high, std::pair{low, high}};
}

ModeSummary mode(Spread bpf, Spread tool, std::uint64_t lost)
{
    ModeSummary summary;
    summary.bpf_us = bpf;
    summary.tool_us = tool;
    summary.lost = lost;
    return summary;
}

/// What print_relative_verdict prints for monitor against reference.
std::string verdict(const ModeSummary &monitor, const ModeSummary &reference,
                    const winbpf::bench::RelativeTargets &targets = {})
{
    Summaries summaries;
    summaries.modes = {{"bare", {}}, {"bind_monitor", monitor}, {"bind_reference", reference}};
    char *text = nullptr;
    std::size_t size = 0;
    std::FILE *out = open_memstream(&text, &size);
    EXPECT_NE(out, nullptr);
    winbpf::bench::print_relative_verdict(summaries, "bind_monitor", "bind_reference", "bind", targets, out);
    std::fclose(out);
    const std::unique_ptr<char, decltype(&std::free)> owner(text, &std::free);
    return std::string(text, size);
}

TEST(BenchVerdict, WithinBothTargetsAndDecided)
{
    const std::string text = verdict(mode(around(1.55, 1.53, 1.58), around(0.60, 0.58, 0.62), 0),
                                     mode(around(1.50, 1.49, 1.52), around(0.56, 0.55, 0.57), 0));
    EXPECT_NE(text.find("target: bind_monitor's BPF time per bind within 0.10 us of bind_reference's PASS (+0.050 us: "
                        "1.550 vs 1.500 us; the run decides it"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("target: bind_monitor's tool CPU per bind within 1.20x of bind_reference's PASS (1.07x"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("target: 0 events lost PASS"), std::string::npos) << text;
}

TEST(BenchVerdict, BeyondTheTargetsAndLost)
{
    const std::string text = verdict(mode(around(1.91, 1.88, 2.06), around(1.11, 1.05, 1.20), 3),
                                     mode(around(1.51, 1.51, 1.63), around(0.56, 0.50, 0.60), 0));
    EXPECT_NE(text.find("within 0.10 us of bind_reference's FAIL (+0.400 us: 1.910 vs 1.510 us; the run decides it: "
                        "even the best case"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("within 1.20x of bind_reference's FAIL (1.98x"), std::string::npos) << text;
    EXPECT_NE(text.find("target: 0 events lost FAIL (bind_monitor: 3, bind_reference: 0"), std::string::npos) << text;
}

TEST(BenchVerdict, OverlappingIntervalsCannotDecide)
{
    const std::string text = verdict(mode(around(1.58, 1.40, 1.80), around(0.60, 0.40, 0.80), 0),
                                     mode(around(1.50, 1.45, 1.60), around(0.55, 0.50, 0.60), 0));
    EXPECT_NE(text.find("PASS (+0.080 us: 1.580 vs 1.500 us; the run cannot decide it"), std::string::npos) << text;
    EXPECT_NE(text.find("PASS (1.09x: 0.600 vs 0.550 us; the run cannot decide it"), std::string::npos) << text;
}

// Tools whose processes only wait (winbpf_bench connect: their programs keep maps) have no tool CPU target.
TEST(BenchVerdict, NoToolCpuTargetWhenAsked)
{
    winbpf::bench::RelativeTargets targets;
    targets.tool_cpu = false;
    const std::string text = verdict(mode(around(1.55, 1.53, 1.58), around(0.60, 0.58, 0.62), 0),
                                     mode(around(1.50, 1.49, 1.52), around(0.01, 0.01, 0.02), 0), targets);
    EXPECT_NE(text.find("target: bind_monitor's BPF time per bind within 0.10 us of bind_reference's PASS"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("tool CPU"), std::string::npos) << text;
    EXPECT_NE(text.find("target: 0 events lost PASS"), std::string::npos) << text;
}

} // namespace
