// SPDX-License-Identifier: MIT
// process_monitor's records to lines: decoding of process_monitor_event (bpf/process_monitor.h), the table of live
// processes that completes a DELETE with the strings of its CREATE, and the human and JSON lines.
#pragma once

#include "common/format.hpp"
#include "common/loss_reporter.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

extern "C" {
#include "process_monitor.h"
}

namespace winbpf::monitor
{

// ---- Decoding

/// process_operation_t values carried in process_monitor_event::operation.
enum class Operation : std::uint8_t { create = 0, destroy = 1 };

/// A decoded process_monitor_event record: a copy of its fixed part plus views of its SID and UTF-16LE strings
/// into the record bytes. The string views are empty when the record carries no strings (see has_strings()).
struct ProcessMonitorEvent {
    process_monitor_event fixed{};
    std::span<const std::uint8_t> token_sid; ///< binary SID, fixed.token_sid_size bytes
    std::span<const std::byte> account_name;
    std::span<const std::byte> account_domain;
    std::span<const std::byte> image_path;
    std::span<const std::byte> command_line;

    Operation operation() const noexcept { return static_cast<Operation>(fixed.operation); }
    bool has_strings() const noexcept { return (fixed.flags & PROCESS_MONITOR_FLAG_STRINGS) != 0; }
    /// FILETIME of the exit (DELETE records carry it as their timestamp).
    std::uint64_t exit_time() const noexcept { return fixed.timestamp; }
    /// A DELETE of a process that never exec'd: a fork of its parent, running its parent's image and argv
    /// (PROCESS_MONITOR_FLAG_NEVER_EXECUTED).
    bool never_executed() const noexcept { return (fixed.flags & PROCESS_MONITOR_FLAG_NEVER_EXECUTED) != 0; }
};

/// Decodes one record. Its size must be the fixed part (sizeof(process_monitor_event)) plus token_sid_size plus the
/// four string sizes when PROCESS_MONITOR_FLAG_STRINGS is set, with up to 7 bytes of alignment padding after it.
/// Malformed (with the reason): "record too short", "unknown operation", "token_sid_size too large" (over
/// PROCESS_MONITOR_SID_MAX), "odd UTF-16 string size", "size mismatch". On success out's SID and string views point
/// into bytes, which must outlive them.
RecordStatus decode_process_event(std::span<const std::byte> bytes, ProcessMonitorEvent &out) noexcept;

// ---- Live processes

/// A process's strings, converted to UTF-8 (may hold restored invalid UTF-8 bytes of the original argv).
struct ProcessStrings {
    std::string account_name;
    std::string account_domain;
    std::string image_path;
    std::string command_line;
    /// The command line holds only the start of a longer argv (PROCESS_MONITOR_FLAG_COMMAND_TRUNCATED).
    bool command_line_truncated = false;

    /// The image path is the tail of a path too long to name (over 4095 bytes; readlink fails there): it starts
    /// with "..." where every other image path starts with "/".
    bool image_path_truncated() const noexcept { return !image_path.empty() && image_path.front() != '/'; }
};

/// Which strings of a record a ProcessTable converts and keeps.
enum class KeptStrings {
    all,
    without_accounts, ///< account_name and account_domain stay empty (the human format does not print them).
};

/// Live processes keyed by process id, each remembering the creation_time and strings of its newest CREATE.
/// A later CREATE with the same process id replaces the entry: either the same process exec'd again (newest CREATE
/// wins) or the id was reused, which means the old process is gone. So the table never outgrows pid_max.
class ProcessTable
{
  public:
    explicit ProcessTable(KeptStrings kept = KeptStrings::all);

    /// Remembers a CREATE's strings (converted to UTF-8) and returns them; valid until the next call.
    const ProcessStrings &on_create(const ProcessMonitorEvent &event);

    /// Strings for a DELETE: its own when it carries strings, else those of the CREATE seen for the same
    /// (process_id, creation_time), else empty. A string the DELETE lacks (no command line where the kernel freed the
    /// process's memory before its exit event) is taken from the matching entry too. Drops the process's entry. Valid
    /// until the next call.
    const ProcessStrings &on_delete(const ProcessMonitorEvent &event);

    /// Remembers the command line of a process that was running before the monitor attached (its CREATE was never
    /// seen; a DELETE of it carries every string but the command line). Matches the next DELETE of process_id
    /// whatever its creation_time. Does nothing when the process is already known.
    void add_running(std::uint32_t process_id, std::string_view command_line);

    /// Live processes remembered.
    std::size_t size() const noexcept { return live_.size(); }

  private:
    /// creation_time of entries from add_running(): matches any DELETE of the process id.
    static constexpr std::uint64_t any_creation_time = 0;

    struct Entry {
        std::uint64_t creation_time = any_creation_time;
        ProcessStrings strings;
    };
    using Map = std::unordered_map<std::uint32_t, Entry>;

    /// Keeps a node of an exited process for reuse (its strings keep their capacity), so the steady state of
    /// CREATE/DELETE pairs allocates nothing. A node beyond max_recycled is freed; an empty node is ignored.
    void recycle(Map::node_type node);

    static constexpr std::size_t max_recycled = 1024;
    KeptStrings kept_;
    Map live_;
    std::vector<Map::node_type> recycled_;
    /// Node of the process the last on_delete() joined (its strings may be what it returned); recycled at the next
    /// on_delete().
    Map::node_type deleted_;
    ProcessStrings scratch_;
};

/// Adds every process of proc_root (normally /proc) with a non-empty cmdline to table (ProcessTable::add_running):
/// arguments joined by single spaces, bytes kept as they are (the BPF side's argv form). Processes that vanish
/// meanwhile are skipped. Returns the processes added. (running_processes.cpp)
std::size_t add_running_processes(ProcessTable &table, const std::filesystem::path &proc_root = "/proc");

/// Turns a /proc/PID/cmdline buffer (NUL-terminated arguments) into argv joined by single spaces.
void cmdline_to_command_line(std::string &cmdline);

// ---- Lines

/// Turns records into lines, one per event, appended to a caller-owned buffer:
///   Process created: PID:<pid>, Image:"<path>", CommandLine:"<cmd>", ParentPID:<ppid>, Create Time:<time>
///   Process destroyed: PID:<pid>, Image:"<path>", CommandLine:"<cmd>", Exit Time:<time>, Exit Code:<code>
/// Image path and command line are quoted (append_quoted: '"' and '\' escaped, controls and invalid UTF-8 as
/// \xNN), so nothing in them can pass for another field; a cut one is followed by " (truncated)" after its closing
/// quote. Or JSON objects with keys in this order: type ("process_create" or "process_delete"), timestamp,
/// process_id, parent_process_id, creating_process_id, creating_thread_id, creation_time, image_path,
/// [image_path_bytes], image_path_truncated, command_line, [command_line_bytes], command_line_truncated, token_sid,
/// account_name, [account_name_bytes], account_domain, [account_domain_bytes], and for a delete exit_time,
/// process_exit_code and never_executed (true for a process that never exec'd: its image and command line are its
/// parent's, which it ran). A *_bytes key (base64 of the exact bytes) is present only when its string is not valid
/// UTF-8 (append_json_string_field). Times are ISO-8601 UTC µs. One formatter per thread.
class ProcessMonitorFormatter
{
  public:
    explicit ProcessMonitorFormatter(OutputFormat format);

    /// Decodes one record, completes a DELETE from its CREATE (table()), appends the event's line to out.
    /// Returns the decode status (out is untouched unless ok).
    RecordStatus format(std::span<const std::byte> record, std::string &out);

    /// The live processes (e.g. to add those running before the monitor attached).
    ProcessTable &table() noexcept { return table_; }

  private:
    void append_human(const ProcessStrings &strings, std::string &out);
    void append_json(const ProcessStrings &strings, std::string &out);

    OutputFormat format_;
    ProcessTable table_;
    ProcessMonitorEvent event_; ///< the record being formatted
    FiletimeFormatter times_;
};

} // namespace winbpf::monitor
