// SPDX-License-Identifier: MIT
// The whole benchmark run, shared by every workload: checks, warm-up, interleaved rounds, report.
#pragma once

#include "workload.hpp"

namespace winbpf::bench
{

/// Parses the command line, then runs workload bare and with each of its tools, interleaved round by round (bare,
/// tool A, bare, tool B, ..., bare; the tools' order rotates) so that system noise hits every mode alike, and prints
/// the report. Returns the process exit code: 0, 1 on failure or when a measurement had a problem, 130 when
/// interrupted.
int bench_main(int argc, char **argv, Workload &workload);

} // namespace winbpf::bench
