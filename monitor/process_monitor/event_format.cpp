// SPDX-License-Identifier: MIT
#include "event_format.hpp"

#include "sid.hpp"
#include "terminal_escape.hpp"

#include <charconv>
#include <utility>

#include <nlohmann/json.hpp>

namespace winbpf::monitor
{
namespace
{

void append_number(std::string &out, std::uint64_t value)
{
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    out.append(buffer, static_cast<std::size_t>(result.ptr - buffer));
}

} // namespace

void EventFormatter::append_human_line(const ProcessEvent &event, std::string &out)
{
    const process_monitor_event &f = event.fixed;
    const bool created = f.operation == static_cast<std::uint8_t>(Operation::create);
    out += created ? "Process created: PID:" : "Process destroyed: PID:";
    append_number(out, f.process_id);
    out += ", Image:";
    append_terminal_escaped(event.strings.image_path, out);
    out += ", CommandLine:";
    append_terminal_escaped(event.strings.command_line, out);
    if (created) {
        out += ", ParentPID:";
        append_number(out, f.parent_process_id);
        out += ", Create Time:";
        times_.append(f.creation_time, out);
    } else {
        out += ", Exit Time:";
        times_.append(f.timestamp, out); // a DELETE's timestamp is its exit time
        out += ", Exit Code:";
        append_number(out, f.process_exit_code);
    }
    out += '\n';
}

void EventFormatter::append_json_line(const ProcessEvent &event, std::string &out)
{
    const process_monitor_event &f = event.fixed;
    const bool created = f.operation == static_cast<std::uint8_t>(Operation::create);
    const auto iso = [this](std::uint64_t filetime) {
        std::string text;
        times_.append(filetime, text);
        return text;
    };
    std::string timestamp = iso(f.timestamp); // a DELETE's timestamp is also its exit time
    std::string sid;
    append_sid_text(event.token_sid, sid);

    nlohmann::ordered_json line = nlohmann::ordered_json::object();
    line.get_ref<nlohmann::ordered_json::object_t &>().reserve(created ? 12 : 14);
    line["type"] = created ? "process_create" : "process_delete";
    line["timestamp"] = created ? std::move(timestamp) : timestamp; // a DELETE moves it to exit_time below
    line["process_id"] = f.process_id;
    line["parent_process_id"] = f.parent_process_id;
    line["creating_process_id"] = f.creating_process_id;
    line["creating_thread_id"] = f.creating_thread_id;
    line["creation_time"] = iso(f.creation_time);
    line["image_path"] = event.strings.image_path;
    line["command_line"] = event.strings.command_line;
    line["token_sid"] = std::move(sid);
    line["account_name"] = event.strings.account_name;
    line["account_domain"] = event.strings.account_domain;
    if (!created) {
        line["exit_time"] = std::move(timestamp);
        line["process_exit_code"] = f.process_exit_code;
    }
    // Invalid UTF-8 from argv becomes U+FFFD, so every line is valid JSON.
    out += line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    out += '\n';
}

} // namespace winbpf::monitor
