// SPDX-License-Identifier: MIT
// Command line options every monitor takes (--version, --json, --drain-ms, --record, --replay, --output...) and the
// parse step of its main().
#pragma once

#include "common/format.hpp"
#include "common/output.hpp"
#include "common/recording.hpp"
#include "common/session.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace winbpf::monitor
{

/// Values of the options every monitor takes.
struct CommonOptions {
    bool json = false;       ///< --json
    unsigned drain_ms = 250; ///< --drain-ms, 10..10000
    std::string record;      ///< --record FILE: also write the session's records to FILE
    std::string replay;      ///< --replay FILE: format a recording instead of attaching
    std::string metrics;     ///< --metrics [ADDRESS:]PORT: serve Prometheus metrics (off when empty)
    /// --ring-buffer-size BYTES: the ring buffer map's size (0: the size the BPF object declares).
    std::uint32_t ring_buffer_size = 0;
    OutputOptions outputs; ///< --output SINK (repeatable), --output-max-size, --output-max-files, --output-gzip
    /// The recording of --replay, read by parse_command_line.
    std::optional<Recording> recording;
    /// CLOCK_REALTIME - CLOCK_BOOTTIME in ns of the session, set by parse_command_line: the recording's with --replay,
    /// else one reading now. What the formatter and a recording of this session use (one value, so a replay gives
    /// the same times to the microsecond).
    std::int64_t realtime_minus_boottime_ns = 0;

    /// JSON with --json or with an output other than stdout (files carry JSON lines), else human lines.
    OutputFormat format() const { return json || outputs.wants_json() ? OutputFormat::json : OutputFormat::human; }
    /// Sets config's poll_timeout, record_path, recording_clock_offset_ns, outputs, metrics_address, json, replay and
    /// ring_buffer_size
    /// (pointing into this object, which must outlive the session).
    void configure(SessionConfig &config) const;
};

/// The largest ring buffer --ring-buffer-size accepts: 512 MiB, the largest power of two under Linux's limit for a
/// BPF_MAP_TYPE_RINGBUF (RINGBUF_MAX_DATA_SZ, just under 1 GiB).
inline constexpr std::uint64_t max_ring_buffer_size = 512ull * 1024 * 1024;

/// The bytes of a --ring-buffer-size value: a decimal number, optionally followed by K or M (KiB, MiB: 1024 and
/// 1024 * 1024; k and m too), that is a power of two, a multiple of the page size (sysconf(_SC_PAGESIZE)) and at most
/// max_ring_buffer_size, as Linux requires of a ring buffer map. Throws winbpf::Error saying what is wrong with text
/// and what is accepted, e.g. "'100000' is not a power of two: the ring buffer's size is bytes, or with K or M, a
/// power of two from the page size to 512M (e.g. 64K, 1M, 16M)" (CLI11 puts "--ring-buffer-size: " before it).
std::uint32_t parse_ring_buffer_size(const std::string &text);

/// One option a monitor takes besides the common ones: `NAME VALUE`, parsed by CLI11 into main()'s variable.
struct ToolOption {
    std::string name;        ///< "--limit"
    std::string description; ///< --help's text
    /// Where the value goes (left as it is when the option is absent); for a number, a value that is not one in
    /// std::uint32_t's range is a usage error.
    std::variant<std::uint32_t *, std::string *> value;
    /// The values accepted (a usage error naming them otherwise); empty: any.
    std::vector<std::string> allowed = {};
};

/// A monitor's command line: its name (in --help, --version and its messages), --help's description and its own
/// options. CLI11 parses it in command_line.cpp only (a monitor's main() does not compile CLI11).
struct ToolCommandLine {
    std::string name;
    std::string description;
    std::vector<ToolOption> options = {};
};

/// Parses argv into tool's own options and the common ones: --version ("<tool> <project version>" on stdout), --json,
/// --drain-ms, --ring-buffer-size, --record, --replay and the output options; with --replay, reads the recording. Call
/// it first in main(): it also checks that stdout is open for writing ("<tool>: stdout is closed ..." otherwise) and
/// puts /dev/null on a closed stdin or stderr. Returns the exit status main() should return when it must not run: 0
/// after --help or
/// --version, 1 for a closed stdout, a usage error (printed by CLI11) or a recording that cannot be read or was made
/// by another monitor ("<tool>: recording FILE: ..." on stderr); nullopt to run.
std::optional<int> parse_command_line(const ToolCommandLine &tool, CommonOptions &options, int argc, char **argv);

} // namespace winbpf::monitor
