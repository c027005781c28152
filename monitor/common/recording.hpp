// SPDX-License-Identifier: MIT
// Recordings: the raw ring buffer records of a monitor session in a file (--record), formatted again later by the
// same monitor (--replay) or benchmarked (bench/monitor_bench --replay).
#pragma once

#include "common/output_writer.hpp"

#include "winbpf/unique_fd.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace winbpf::monitor
{

/// First bytes of a recording file.
inline constexpr std::string_view recording_magic{"WINBPFRC", 8};
/// Layout version written after the magic.
inline constexpr std::uint32_t recording_version = 1;

/// A recording read back. File layout, integers little-endian:
///   header  "WINBPFRC", u32 version (1), u32 tool name length n, i64 realtime_minus_boottime_ns, n bytes tool name
///   records u32 size, then size bytes: the record as the BPF side wrote it into the ring buffer
struct Recording {
    /// The monitor that recorded it ("bind_monitor").
    std::string tool;
    /// CLOCK_REALTIME - CLOCK_BOOTTIME in ns when the recording started (realtime_minus_boottime_ns()): replays turn
    /// CLOCK_BOOTTIME timestamps into the wall-clock times the live session printed.
    std::int64_t realtime_minus_boottime_ns = 0;
    /// The complete records, in the order the session received them.
    std::vector<std::vector<std::byte>> records;
    /// Empty, or what is wrong with the bytes after the last complete record (a session killed while writing leaves
    /// a cut record): "record 12 at byte 4096: 300 bytes announced, 17 left".
    std::string damage;
};

/// Reads the recording at path. Throws winbpf::Error ("recording <path>: ...") when it cannot be read or does not
/// start with a winbpf recording header of a known version; damage after the header is reported in damage.
Recording read_recording(const std::string &path);

/// Writes a recording: the header at construction, then each record appended, buffered until flush().
class RecordingWriter
{
  public:
    /// Creates path with mode 0600, or truncates an existing recording (or empty file) and sets its mode to 0600, and
    /// writes the header; a FIFO or device is written as it is. Throws winbpf::Error naming path, leaving the file
    /// untouched, when path is a symbolic link ("... is a symbolic link: not following it ...") or an existing
    /// regular file that is not a recording ("... exists and is not a winbpf recording: not overwriting it").
    RecordingWriter(const std::string &path, std::string_view tool, std::int64_t realtime_minus_boottime_ns);

    /// Appends one record (at most 4 GiB - 1 bytes, as every ring buffer record is) to the buffer; writes the buffer
    /// out when it holds 64 KiB or more. Does not throw on a failed write: flush() reports it.
    void append(std::span<const std::byte> record);
    /// Writes out everything appended. Throws winbpf::Error ("recording <path>: <errno text>") when this or an
    /// earlier write failed.
    void flush();

  private:
    std::string path_;
    UniqueFd fd_;
    OutputWriter writer_; ///< on fd_; keeps the first failure's errno
    std::string buffer_;
};

} // namespace winbpf::monitor
