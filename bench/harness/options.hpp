// SPDX-License-Identifier: MIT
// Command line shared by every benchmark of the harness; a workload adds its own options (Workload::add_options).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace winbpf::bench
{

class Workload;

/// Where a traced tool's stdout goes.
enum class Sink {
    pipe, ///< a pipe the bench drains and counts lines from
    null, ///< /dev/null (no line count for the tool)
};

/// What the harness itself is told; a workload keeps its own options (tool paths, ...).
struct Options {
    unsigned count = 2000;  ///< operations per measurement (-n); a workload sets its own default
    unsigned rounds = 5;    ///< rounds; each measures every tool once, each after a bare run
    std::string generator;  ///< the program that runs the workload (default: <unit>_generator next to the bench)
    Sink sink = Sink::pipe; ///< tools' stdout
    std::chrono::milliseconds settle{
        600}; ///< idle time after a workload before sampling the tool (> 2 drain intervals)
    std::chrono::milliseconds ready_timeout{30000}; ///< longest wait for a tool to attach
};

/// The program called name next to this executable (same bin directory), or just name if /proc/self/exe cannot be
/// read.
std::string sibling_path(const std::string &name);

/// Parses argv (harness options, then the workload's); prints help or an error and returns the exit code to use
/// when the program should not run.
std::optional<int> parse_options(int argc, char **argv, Workload &workload, Options &options);

} // namespace winbpf::bench
