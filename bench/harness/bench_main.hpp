// SPDX-License-Identifier: MIT
// The whole benchmark run, shared by every workload: command line, checks, warm-up, interleaved rounds, report.
#pragma once

#include "workload.hpp"

#include <span>

namespace winbpf::bench
{

/// winbpf_bench's main: `winbpf_bench [--rounds R] [--scale F]` runs every workload, `winbpf_bench NAME [options]`
/// one of them (NAME is Workload::name()). Each workload runs bare and with each of its tools, interleaved round by
/// round (bare, tool A, bare, tool B, ..., bare; the tools' order rotates) so that system noise hits every mode
/// alike, and prints its report; with more than one workload an overview table of every tool follows. Returns the
/// process exit code: 0, 1 on failure or when a measurement had a problem, 2 on a usage error, 130 when
/// interrupted.
int bench_main(int argc, char **argv, std::span<Workload *const> workloads);

} // namespace winbpf::bench
