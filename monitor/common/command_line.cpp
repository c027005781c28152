// SPDX-License-Identifier: MIT
#include "common/command_line.hpp"

#include "common/metrics.hpp"
#include "common/nats_output.hpp"

#include "winbpf/error.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

#ifndef WINBPF_VERSION
#error WINBPF_VERSION must be defined (monitor/common/CMakeLists.txt: the version of the project)
#endif

namespace winbpf::monitor
{
namespace
{

/// Checks stdout before anything opens a file: when it is closed, the next descriptor opened (a recording, a BPF
/// object) would take its number and receive the lines. Then puts /dev/null on a closed stdin or stderr, so that no
/// descriptor takes their numbers either. Prints "<tool>: stdout is ..." and returns false when stdout is closed or
/// not open for writing.
bool standard_streams_usable(const std::string &tool)
{
    const int flags = ::fcntl(STDOUT_FILENO, F_GETFL);
    if (flags < 0) {
        std::fprintf(stderr, "%s: stdout is closed: it writes its lines there (redirect it to a file or /dev/null)\n",
                     tool.c_str());
        return false;
    }
    if ((flags & O_ACCMODE) == O_RDONLY) {
        std::fprintf(stderr, "%s: stdout is open for reading only: it writes its lines there\n", tool.c_str());
        return false;
    }
    // In this order, each open gets the lowest free number: the closed one.
    if (::fcntl(STDIN_FILENO, F_GETFD) < 0)
        static_cast<void>(::open("/dev/null", O_RDONLY));
    if (::fcntl(STDERR_FILENO, F_GETFD) < 0)
        static_cast<void>(::open("/dev/null", O_WRONLY));
    return true;
}

} // namespace

std::uint32_t parse_ring_buffer_size(const std::string &text)
{
    const std::string what = "'" + text + "' is ";
    const std::string accepted = ": the ring buffer's size is bytes, or with K or M, a power of two from the page size "
                                 "to 512M (e.g. 64K, 1M, 16M)";
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
        ++digits;
    const std::string suffix = text.substr(digits);
    std::uint64_t unit = 1;
    if (digits == 0)
        throw Error(what + "not a size" + accepted);
    if (suffix == "K" || suffix == "k")
        unit = 1024;
    else if (suffix == "M" || suffix == "m")
        unit = 1024 * 1024;
    else if (!suffix.empty())
        throw Error(what + "not a size" + accepted);
    if (digits > 12) // more than any size accepted, in any unit: no overflow below
        throw Error(what + "larger than 512M" + accepted);
    const std::uint64_t bytes = std::stoull(text.substr(0, digits)) * unit;
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    if (bytes > max_ring_buffer_size)
        throw Error(what + "larger than 512M" + accepted);
    if (bytes < page)
        throw Error(what + "smaller than the page size (" + std::to_string(page) + " bytes)" + accepted);
    if ((bytes & (bytes - 1)) != 0)
        throw Error(what + "not a power of two" + accepted);
    return static_cast<std::uint32_t>(bytes); // a power of two >= the page size: a multiple of it
}

std::optional<int> parse_command_line(const ToolCommandLine &tool, CommonOptions &options, int argc, char **argv)
{
    if (!standard_streams_usable(tool.name))
        return 1;
    CLI::App app{tool.description};
    app.name(tool.name);
    for (const ToolOption &option : tool.options) {
        CLI::Option *added = std::visit(
            [&](auto *value) { return app.add_option(option.name, *value, option.description); }, option.value);
        if (!option.allowed.empty())
            added->check(CLI::IsMember(option.allowed));
    }
    app.set_version_flag("--version", tool.name + " " + WINBPF_VERSION, "Print the version and exit");
    app.add_flag("--json", options.json, "Print one JSON object per line instead of text");
    app.add_option("--drain-ms", options.drain_ms, "Longest delay in ms between an event and its line (drain interval)")
        ->check(CLI::Range(10u, 10000u));
    app.add_option_function<std::string>(
           "--ring-buffer-size",
           [&options](const std::string &text) { options.ring_buffer_size = parse_ring_buffer_size(text); },
           "Size of the ring buffer between the BPF programs and the monitor: BYTES, or with K or M (KiB, MiB); a "
           "power of two from the page size to 512M (default: the BPF object's, e.g. 16M)")
        ->type_name("BYTES")
        ->check([](const std::string &text) -> std::string {
            try {
                static_cast<void>(parse_ring_buffer_size(text));
                return {};
            } catch (const winbpf::Error &error) {
                return error.what();
            }
        });
    auto *record = app.add_option("--record", options.record,
                                  "Also write every record, as the BPF side wrote it, to FILE (a recording)");
    app.add_option("--replay", options.replay,
                   "Print the lines of a recording made with --record instead of attaching (needs no privilege)")
        ->excludes(record);
    app.add_option("--output", options.outputs.sinks,
                   "Where the lines go, repeatable: stdout (the default) or file:PATH (JSON lines, mode 0600, rotated "
                   "by size; SIGUSR1 reopens it); any output but stdout implies --json")
        ->check([](const std::string &sink) -> std::string {
            if (sink == "stdout" || (sink.starts_with("file:") && sink.size() > 5))
                return {};
            if (is_nats_sink(sink)) {
                try {
                    static_cast<void>(parse_nats_target(sink));
                    return {};
                } catch (const winbpf::Error &error) {
                    return error.what();
                }
            }
            return "unknown output '" + sink + "': use stdout, file:PATH or nats://HOST:PORT/SUBJECT";
        });
    app.add_option("--output-max-size", options.outputs.max_size_mb,
                   "Size in MB (10^6 bytes) at which a file output is rotated (default 10)")
        ->check(CLI::Range(0.001, 1e6));
    app.add_option("--output-max-files", options.outputs.max_files,
                   "Rotated files kept beside a file output's current one: PATH.1 .. PATH.N (default 5)")
        ->check(CLI::Range(0u, 1000u));
    app.add_option("--output-buffer", options.outputs.buffer_events,
                   "Events a NATS output holds at most while the server is away or slow (default 100000); more are "
                   "dropped and counted")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
    app.add_option("--nats-stream", options.outputs.nats_stream,
                   "JetStream stream created (file storage) when none captures the subject (default WINBPF)");
    app.add_option("--nats-creds", options.outputs.nats_creds, "NATS credentials file (user JWT and NKey seed)")
        ->check(CLI::ExistingFile);
    app.add_option("--nats-tls-ca", options.outputs.nats_tls_ca, "CA certificates to trust for the NATS server (PEM)")
        ->check(CLI::ExistingFile);
    auto *key = app.add_option("--nats-tls-key", options.outputs.nats_tls_key, "Client key for NATS TLS (PEM)")
                    ->check(CLI::ExistingFile);
    app.add_option("--nats-tls-cert", options.outputs.nats_tls_cert, "Client certificate for NATS TLS (PEM)")
        ->check(CLI::ExistingFile)
        ->needs(key);
    app.add_flag("--output-gzip", options.outputs.gzip, "gzip-compress the rotated files of a file output (PATH.N.gz)");
    app.add_option("--metrics", options.metrics,
                   "Serve Prometheus metrics on [ADDRESS:]PORT (PORT alone: 127.0.0.1; [::1]:PORT for IPv6), at "
                   "/metrics")
        ->check([](const std::string &value) -> std::string {
            try {
                static_cast<void>(metrics_listen_address(value));
                return {};
            } catch (const winbpf::Error &error) {
                return error.what();
            }
        });
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &error) {
        return app.exit(error) == 0 ? 0 : 1; // --help, --version: 0; a usage error: 1 like every other failure
    }
    options.realtime_minus_boottime_ns = monitor::realtime_minus_boottime_ns();
    if (options.replay.empty())
        return std::nullopt;
    try {
        options.recording = read_recording(options.replay);
    } catch (const winbpf::Error &error) {
        std::fprintf(stderr, "%s: %s\n", tool.name.c_str(), error.what());
        return 1;
    }
    options.realtime_minus_boottime_ns = options.recording->realtime_minus_boottime_ns;
    if (options.recording->tool != tool.name) {
        std::fprintf(stderr, "%s: recording %s was made by %s, not by %s\n", tool.name.c_str(), options.replay.c_str(),
                     options.recording->tool.c_str(), tool.name.c_str());
        return 1;
    }
    return std::nullopt;
}

void CommonOptions::configure(SessionConfig &config) const
{
    config.poll_timeout = std::chrono::milliseconds(drain_ms);
    config.record_path = record;
    config.recording_clock_offset_ns = realtime_minus_boottime_ns;
    config.replay = recording ? &*recording : nullptr;
    config.outputs = outputs;
    config.metrics_address = metrics;
    config.json = format() == OutputFormat::json;
    config.ring_buffer_size = ring_buffer_size;
}

} // namespace winbpf::monitor
