// SPDX-License-Identifier: MIT
// Command line options every monitor takes (--json, --drain-ms) and the parse step of its main().
#pragma once

#include "common/format.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <optional>

namespace winbpf::monitor
{

/// Values of the options every monitor takes.
struct CommonOptions {
    bool json = false;       ///< --json
    unsigned drain_ms = 250; ///< --drain-ms, 10..10000

    OutputFormat format() const noexcept { return json ? OutputFormat::json : OutputFormat::human; }
    /// SessionConfig::poll_timeout.
    std::chrono::milliseconds poll_timeout() const noexcept { return std::chrono::milliseconds(drain_ms); }
};

/// Adds --json and --drain-ms to app (whose own options are already added) and parses argv into them. Returns the
/// exit status main() should return when it must not run: 0 after --help, 1 for a usage error (printed by CLI11);
/// nullopt to run.
std::optional<int> parse_command_line(CLI::App &app, CommonOptions &options, int argc, char **argv);

} // namespace winbpf::monitor
