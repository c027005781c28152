// SPDX-License-Identifier: MIT
// The summary lines and verdict of a bench whose target is the wall time a tool adds to one operation (the bind and
// drop workloads).
#pragma once

#include "report.hpp"

#include <cstdio>
#include <string_view>

namespace winbpf::bench
{

/// Prints "time per <unit>: bare ..., with <tool> ..." and "<tool>: added ... per <unit>, time ratio ...; BPF run
/// time ... per <unit> (... runs per <unit>); tool CPU ... per <unit>", medians with 95% CIs.
void print_added_time_lines(const Summaries &summaries, std::string_view tool, std::string_view unit, std::FILE *out);

/// Prints "target: added time per <unit> <= <target> us PASS|FAIL (median ...)" and whether the 95% CI of the
/// median lies below the target, above it, or contains it (the run cannot decide). Nothing without tool figures.
void print_added_time_verdict(const Summaries &summaries, std::string_view tool, std::string_view unit,
                              double target_us, std::FILE *out);

} // namespace winbpf::bench
