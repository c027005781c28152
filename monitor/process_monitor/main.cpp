// SPDX-License-Identifier: MIT
// process_monitor: prints the process creations and exits seen through the winbpf process hook.
#include "session.hpp"
#include "stop_signals.hpp"

#include "winbpf/error.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <unistd.h>

int main(int argc, char **argv)
{
    CLI::App app{"Prints every process creation (exec) and exit seen by the winbpf process hook, one line each, "
                 "until Ctrl-C. Needs root."};
    app.name("process_monitor");
    bool json = false;
    app.add_flag("--json", json, "Print one JSON object per line instead of text");
    unsigned drain_ms = 250;
    app.add_option("--drain-ms", drain_ms, "Longest delay in ms between an event and its line (drain interval)")
        ->check(CLI::Range(10u, 10000u));
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &error) {
        return app.exit(error) == 0 ? 0 : 1; // --help: 0; a usage error: 1 like every other failure
    }

    if (geteuid() != 0) {
        std::fputs("process_monitor: must run as root (loading and attaching BPF programs needs CAP_BPF, "
                   "CAP_PERFMON and CAP_SYS_ADMIN)\n",
                   stderr);
        return 1;
    }
    try {
        const winbpf::monitor::StopSignals stop;
        winbpf::monitor::SessionOptions options;
        options.format = json ? winbpf::monitor::OutputFormat::json : winbpf::monitor::OutputFormat::human;
        options.poll_timeout = std::chrono::milliseconds(drain_ms);
        return winbpf::monitor::run_session(options, stop);
    } catch (const winbpf::Error &error) {
        std::fprintf(stderr, "process_monitor: %s\n", error.what());
    } catch (const std::exception &error) {
        std::fprintf(stderr, "process_monitor: %s\n", error.what());
    }
    return 1;
}
