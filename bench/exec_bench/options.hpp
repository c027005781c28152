// SPDX-License-Identifier: MIT
// Command line of exec_bench.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace winbpf::bench
{

/// Where a traced tool's stdout goes.
enum class Sink {
    pipe, ///< a pipe the bench drains and counts lines from
    null, ///< /dev/null (no line count for the tool)
};

/// Everything exec_bench can be told.
struct Options {
    unsigned execs = 2000;             ///< fork+execs per measurement (-n)
    unsigned rounds = 5;               ///< rounds of [bare, process_monitor, execsnoop]
    unsigned parallel = 1;             ///< concurrent fork+exec workers
    std::string program = "/bin/true"; ///< what every exec runs
    std::string monitor;               ///< process_monitor binary
    std::string generator;             ///< exec_generator binary: runs the workload in a process of its own
    std::string execsnoop = "/usr/sbin/execsnoop";
    bool with_monitor = true;
    bool with_execsnoop = true;
    Sink sink = Sink::pipe;
    std::chrono::milliseconds settle{
        600}; ///< idle time after a workload before sampling the tool (> 2 drain intervals)
    std::chrono::milliseconds ready_timeout{30000}; ///< longest wait for a tool to attach
};

/// Parses argv; prints help or an error and returns the exit code to use when the program should not run.
std::optional<int> parse_options(int argc, char **argv, Options &options);

} // namespace winbpf::bench
