// SPDX-License-Identifier: MIT
// Output lines of process_monitor: human-readable and JSON.
#pragma once

#include "filetime.hpp"
#include "process_table.hpp"
#include "record.hpp"

#include <span>

#include <string>

namespace winbpf::monitor
{

/// One event ready to print: the record's fixed part and SID, and the process's strings (from the record or the
/// table).
struct ProcessEvent {
    const process_monitor_event &fixed;
    std::span<const std::uint8_t> token_sid;
    const ProcessStrings &strings;
};

/// Writes the lines of events. Keeps the text of the last second formatted (FiletimeFormatter): one formatter per
/// thread.
class EventFormatter
{
  public:
    /// Appends the human line of an event (with '\n'); image path and command line are terminal-escaped:
    ///   Process created: PID:<pid>, Image:<path>, CommandLine:<cmd>, ParentPID:<ppid>, Create Time:<time>
    ///   Process destroyed: PID:<pid>, Image:<path>, CommandLine:<cmd>, Exit Time:<time>, Exit Code:<code>
    void append_human_line(const ProcessEvent &event, std::string &out);

    /// Appends the JSON line of an event (one object and '\n'). Keys in this order: type ("process_create" or
    /// "process_delete"), timestamp, process_id, parent_process_id, creating_process_id, creating_thread_id,
    /// creation_time, image_path, command_line, token_sid, account_name, account_domain, and for a delete exit_time
    /// and process_exit_code. Times are ISO-8601 strings. Serialised by nlohmann::json with invalid UTF-8 replaced
    /// by U+FFFD, so every line is valid JSON.
    void append_json_line(const ProcessEvent &event, std::string &out);

  private:
    FiletimeFormatter times_;
};

} // namespace winbpf::monitor
