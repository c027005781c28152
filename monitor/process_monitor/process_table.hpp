// SPDX-License-Identifier: MIT
// Strings of live processes, so a DELETE record without strings can be printed with those of its CREATE.
#pragma once

#include "record.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace winbpf::monitor
{

/// A process's strings, converted to UTF-8 (may hold restored invalid UTF-8 bytes of the original argv).
struct ProcessStrings {
    std::string account_name;
    std::string account_domain;
    std::string image_path;
    std::string command_line;
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

    /// Remembers a CREATE record's strings (converted to UTF-8) and returns them; valid until the next call.
    const ProcessStrings &on_create(const Record &record);

    /// Strings for a DELETE record: its own when it carries strings, else those of the CREATE seen for the same
    /// (process_id, creation_time), else empty. A string the DELETE lacks (the BPF side sends no command line at
    /// exit) is taken from the matching entry too. Drops the process's entry. Valid until the next call.
    const ProcessStrings &on_delete(const Record &record);

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

} // namespace winbpf::monitor
