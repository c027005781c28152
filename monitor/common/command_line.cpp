// SPDX-License-Identifier: MIT
#include "common/command_line.hpp"

namespace winbpf::monitor
{

std::optional<int> parse_command_line(CLI::App &app, CommonOptions &options, int argc, char **argv)
{
    app.add_flag("--json", options.json, "Print one JSON object per line instead of text");
    app.add_option("--drain-ms", options.drain_ms, "Longest delay in ms between an event and its line (drain interval)")
        ->check(CLI::Range(10u, 10000u));
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &error) {
        return app.exit(error) == 0 ? 0 : 1; // --help: 0; a usage error: 1 like every other failure
    }
    return std::nullopt;
}

} // namespace winbpf::monitor
