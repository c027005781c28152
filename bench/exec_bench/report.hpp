// SPDX-License-Identifier: MIT
// Aggregates the measurements of all rounds into the summary table and the verdict lines.
#pragma once

#include "mode_runner.hpp"
#include "options.hpp"

#include <cstdio>
#include <vector>

namespace winbpf::bench
{

/// Targets of the process_monitor performance issue.
struct Targets {
    double min_throughput_ratio = 0.97; ///< of bare
    double max_cpu_us_per_exec = 5.0;   ///< BPF run time + tool CPU
};

/// Collects measurements round by round, then prints medians.
class Report
{
  public:
    explicit Report(const Options &options) : options_(options) {}

    /// Records the measurement of one mode in round (0-based) and logs it to stderr. Measurements must be added in
    /// the order they ran: a tool is compared with the bare measurements added right before and after it.
    void add(unsigned round, const Measurement &measurement);
    /// Prints the table and one line per tool to out; returns false if a measurement had a problem.
    bool print(std::FILE *out) const;

  private:
    struct Entry {
        unsigned round;
        Measurement measurement;
    };
    const Options &options_;
    std::vector<Entry> entries_;
};

} // namespace winbpf::bench
