// SPDX-License-Identifier: MIT
#include "process_monitor.hpp"

#include "winbpf/utf16.hpp"

#include <cstddef>
#include <cstring>
#include <utility>

namespace winbpf::monitor
{

// ---- Decoding

// bpf/process_monitor.h: 48 bytes, no padding (decode_process_event copies the fixed part as is).
static_assert(sizeof(process_monitor_event) == 48 && offsetof(process_monitor_event, operation) == 36 &&
              offsetof(process_monitor_event, command_line_size) == 46);

RecordStatus decode_process_event(std::span<const std::byte> bytes, ProcessMonitorEvent &out) noexcept
{
    constexpr std::size_t fixed_size = sizeof(process_monitor_event);
    if (bytes.size() < fixed_size)
        return RecordStatus::malformed("record too short");
    std::memcpy(&out.fixed, bytes.data(), fixed_size);
    const process_monitor_event &f = out.fixed;
    if (f.operation != static_cast<std::uint8_t>(Operation::create) &&
        f.operation != static_cast<std::uint8_t>(Operation::destroy))
        return RecordStatus::malformed("unknown operation");
    if (f.token_sid_size > PROCESS_MONITOR_SID_MAX)
        return RecordStatus::malformed("token_sid_size too large");
    if (bytes.size() < fixed_size + f.token_sid_size)
        return RecordStatus::malformed("size mismatch");
    out.token_sid = {reinterpret_cast<const std::uint8_t *>(bytes.data()) + fixed_size, f.token_sid_size};

    std::size_t expected = fixed_size + f.token_sid_size;
    if (out.has_strings()) {
        const std::size_t sizes[] = {f.account_name_size, f.account_domain_size, f.image_path_size,
                                     f.command_line_size};
        for (std::size_t size : sizes)
            if (size % 2 != 0)
                return RecordStatus::malformed("odd UTF-16 string size");
        expected += sizes[0] + sizes[1] + sizes[2] + sizes[3];
        if (bytes.size() < expected || bytes.size() - expected >= 8)
            return RecordStatus::malformed("size mismatch");
        std::size_t offset = fixed_size + f.token_sid_size;
        std::span<const std::byte> *views[] = {&out.account_name, &out.account_domain, &out.image_path,
                                               &out.command_line};
        for (std::size_t i = 0; i < 4; ++i) {
            *views[i] = bytes.subspan(offset, sizes[i]);
            offset += sizes[i];
        }
    } else {
        if (bytes.size() - expected >= 8)
            return RecordStatus::malformed("size mismatch");
        out.account_name = out.account_domain = out.image_path = out.command_line = {};
    }
    return RecordStatus::ok();
}

// ---- Live processes

namespace
{

/// Fills strings from an event's UTF-16LE strings (empty when it carries none); with
/// KeptStrings::without_accounts, account_name and account_domain are made empty.
void convert_strings(const ProcessMonitorEvent &event, ProcessStrings &strings, KeptStrings kept)
{
    if (kept == KeptStrings::all) {
        utf16le_to_utf8(event.account_name, strings.account_name);
        utf16le_to_utf8(event.account_domain, strings.account_domain);
    } else {
        strings.account_name.clear();
        strings.account_domain.clear();
    }
    utf16le_to_utf8(event.image_path, strings.image_path);
    utf16le_to_utf8(event.command_line, strings.command_line);
    strings.command_line_truncated = (event.fixed.flags & PROCESS_MONITOR_FLAG_COMMAND_TRUNCATED) != 0;
}

} // namespace

ProcessTable::ProcessTable(KeptStrings kept) : kept_(kept)
{
    live_.reserve(4096);
    recycled_.reserve(max_recycled);
}

void ProcessTable::recycle(Map::node_type node)
{
    if (node && recycled_.size() < max_recycled)
        recycled_.push_back(std::move(node));
}

const ProcessStrings &ProcessTable::on_create(const ProcessMonitorEvent &event)
{
    // One lookup: insert a recycled node (or emplace a new entry); an entry already there for the process id stays
    // and the recycled node goes back unused.
    Map::iterator it;
    if (!recycled_.empty()) {
        Map::node_type &node = recycled_.back();
        node.key() = event.fixed.process_id;
        auto result = live_.insert(std::move(node));
        if (result.inserted)
            recycled_.pop_back();
        else
            node = std::move(result.node);
        it = result.position;
    } else {
        it = live_.try_emplace(event.fixed.process_id).first;
    }
    Entry &entry = it->second;
    entry.creation_time = event.fixed.creation_time;
    convert_strings(event, entry.strings, kept_);
    return entry.strings;
}

const ProcessStrings &ProcessTable::on_delete(const ProcessMonitorEvent &event)
{
    recycle(std::move(deleted_)); // the strings the previous call returned
    const auto it = live_.find(event.fixed.process_id);
    const bool joined = it != live_.end() && (it->second.creation_time == event.fixed.creation_time ||
                                              it->second.creation_time == any_creation_time);
    if (!joined) {
        if (event.has_strings()) {
            convert_strings(event, scratch_, kept_);
        } else {
            scratch_.account_name.clear();
            scratch_.account_domain.clear();
            scratch_.image_path.clear();
            scratch_.command_line.clear();
            scratch_.command_line_truncated = false;
        }
        return scratch_;
    }

    deleted_ = live_.extract(it);
    ProcessStrings &known = deleted_.mapped().strings;
    if (event.has_strings()) {
        convert_strings(event, scratch_, kept_);
        std::pair<std::string *, std::string *> fields[] = {
            {&scratch_.account_name, &known.account_name},
            {&scratch_.account_domain, &known.account_domain},
            {&scratch_.image_path, &known.image_path},
            {&scratch_.command_line, &known.command_line},
        };
        for (auto [mine, theirs] : fields)
            if (mine->empty())
                mine->swap(*theirs);
        if (event.command_line.empty()) // none read at exit: the command line and flag of the entry
            scratch_.command_line_truncated = known.command_line_truncated;
        return scratch_;
    }
    return known; // the CREATE's strings, in place
}

void ProcessTable::add_running(std::uint32_t process_id, std::string_view command_line)
{
    const auto [it, inserted] = live_.try_emplace(process_id);
    if (inserted) {
        it->second.strings.command_line.assign(command_line);
        it->second.strings.command_line_truncated = false; // /proc/PID/cmdline is read whole
    }
}

// ---- Lines

void ProcessMonitorFormatter::append_human(const ProcessStrings &strings, std::string &out)
{
    const process_monitor_event &f = event_.fixed;
    const bool created = event_.operation() == Operation::create;
    out += created ? "Process created: PID:" : "Process destroyed: PID:";
    append_decimal(f.process_id, out);
    out += ", Image:";
    append_quoted(strings.image_path, out);
    if (strings.image_path_truncated())
        out += " (truncated)";
    out += ", CommandLine:";
    append_quoted(strings.command_line, out);
    if (strings.command_line_truncated)
        out += " (truncated)";
    if (created) {
        out += ", ParentPID:";
        append_decimal(f.parent_process_id, out);
        out += ", Create Time:";
        times_.append(f.creation_time, out);
    } else {
        out += ", Exit Time:";
        times_.append(event_.exit_time(), out);
        out += ", Exit Code:";
        append_decimal(f.process_exit_code, out);
    }
    out += '\n';
}

void ProcessMonitorFormatter::append_json(const ProcessStrings &strings, std::string &out)
{
    // Written directly (common/format.hpp), in the bytes nlohmann::ordered_json::dump gives (tests parse and re-dump
    // every line): building a json object per line cost 3-4 us per record.
    const process_monitor_event &f = event_.fixed;
    const bool created = event_.operation() == Operation::create;
    out += created ? R"({"type":"process_create")" : R"({"type":"process_delete")";
    times_.append_json_field("timestamp", f.timestamp, out); // a DELETE's timestamp is also its exit time
    append_json_number_field("process_id", f.process_id, out);
    append_json_number_field("parent_process_id", f.parent_process_id, out);
    append_json_number_field("creating_process_id", f.creating_process_id, out);
    append_json_number_field("creating_thread_id", f.creating_thread_id, out);
    times_.append_json_field("creation_time", f.creation_time, out);
    append_json_string_field("image_path", strings.image_path, out);
    append_json_bool_field("image_path_truncated", strings.image_path_truncated(), out);
    append_json_string_field("command_line", strings.command_line, out);
    append_json_bool_field("command_line_truncated", strings.command_line_truncated, out);
    append_json_key("token_sid", out);
    out += '"';
    append_sid_text(event_.token_sid, out);
    out += '"';
    append_json_string_field("account_name", strings.account_name, out);
    append_json_string_field("account_domain", strings.account_domain, out);
    if (!created) {
        times_.append_json_field("exit_time", event_.exit_time(), out);
        append_json_number_field("process_exit_code", f.process_exit_code, out);
        append_json_bool_field("never_executed", event_.never_executed(), out);
    }
    out += "}\n";
}

ProcessMonitorFormatter::ProcessMonitorFormatter(OutputFormat format)
    : format_(format), table_(format == OutputFormat::json ? KeptStrings::all : KeptStrings::without_accounts)
{
}

RecordStatus ProcessMonitorFormatter::format(std::span<const std::byte> record, std::string &out)
{
    const RecordStatus status = decode_process_event(record, event_);
    if (!status.is_ok())
        return status;
    const ProcessStrings &strings =
        event_.operation() == Operation::create ? table_.on_create(event_) : table_.on_delete(event_);
    if (format_ == OutputFormat::json)
        append_json(strings, out);
    else
        append_human(strings, out);
    return status;
}

} // namespace winbpf::monitor
