// SPDX-License-Identifier: MIT
// exec_reference: loads exec_reference.bpf.c (embedded skeleton), prints process_monitor --json's line for every
// process CREATE and DELETE until SIGINT or SIGTERM, then "exec_reference: received N, lost M" on stderr. A plain
// libbpf tool, winbpf_bench exec's reference for process_monitor (bench/README.md); not a winbpf monitor. Like
// process_monitor it keeps each process's strings from its CREATE until its DELETE (whose record then carries none).
#include <bpf/libbpf.h>

#include <pwd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "exec_reference.h"
#include "exec_reference.skel.h"
#include "reference_json.hpp"
#include "reference_session.hpp"

namespace
{

namespace json = reference::json;

/// A process's strings, as its CREATE gave them.
struct Strings {
    std::string image_path;
    std::string command_line; ///< argv joined by spaces
    bool command_line_truncated = false;
    std::string account_domain;
};

/// What the tool keeps between records.
struct State {
    json::BoottimeClock clock;
    std::unordered_map<std::uint32_t, Strings> processes;    ///< by process id, from CREATE to DELETE
    std::unordered_map<std::uint32_t, std::string> accounts; ///< user names by uid (passwd)
    Strings scratch;

    /// The passwd name of uid ("" when it has none), looked up once.
    const std::string &account(std::uint32_t uid)
    {
        const auto [it, inserted] = accounts.try_emplace(uid);
        if (inserted) {
            passwd entry{}, *found = nullptr;
            char buffer[1024];
            if (getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found)
                it->second = found->pw_name;
        }
        return it->second;
    }
} state;

/// Fills strings from the record's strings after the fixed part (argv's NULs become spaces, its last one dropped).
void read_strings(const exec_reference_event &event, const std::uint8_t *data, std::size_t size, Strings &strings)
{
    const std::size_t domain = event.domain_size, image = event.image_size, command = event.command_size;
    if (sizeof event + domain + image + command > size) {
        strings = {};
        return;
    }
    const auto *text = reinterpret_cast<const char *>(data + sizeof event);
    strings.account_domain.assign(text, domain);
    strings.image_path.assign(text + domain, image);
    std::string_view argv(text + domain + image, command);
    if (!argv.empty() && argv.back() == '\0')
        argv.remove_suffix(1);
    strings.command_line.assign(argv);
    std::ranges::replace(strings.command_line, '\0', ' ');
    strings.command_line_truncated = event.flags & EXEC_REFERENCE_FLAG_COMMAND_TRUNCATED;
}

void bool_field(std::string_view name, bool value, std::string &out)
{
    json::key(name, out);
    out += value ? "true" : "false";
}

/// Appends process_monitor --json's line for one CREATE or DELETE: type, timestamp, the four ids, creation_time,
/// image_path, command_line (each with its _truncated flag), token_sid (S-1-22-1-<euid>), account_name,
/// account_domain, and for a DELETE exit_time, process_exit_code and never_executed.
int on_record(void *context, void *data, std::size_t size)
{
    auto &lines = *static_cast<reference::Lines *>(context);
    ++lines.received;
    exec_reference_event event{};
    if (size < sizeof event)
        return 0;
    std::memcpy(&event, data, sizeof event);
    const bool created = event.operation == EXEC_REFERENCE_CREATE;
    const bool with_strings = event.flags & EXEC_REFERENCE_FLAG_STRINGS;
    const auto *bytes = static_cast<const std::uint8_t *>(data);

    const Strings *strings = &state.scratch;
    auto known = state.processes.end();
    if (created) {
        Strings &kept = state.processes[event.pid];
        read_strings(event, bytes, size, kept);
        strings = &kept;
    } else {
        known = state.processes.find(event.pid);
        if (with_strings) {
            read_strings(event, bytes, size, state.scratch);
            if (known != state.processes.end()) { // what the kernel no longer had at exit: the CREATE's
                Strings &mine = state.scratch, &theirs = known->second;
                if (mine.image_path.empty())
                    mine.image_path.swap(theirs.image_path);
                if (mine.account_domain.empty())
                    mine.account_domain.swap(theirs.account_domain);
                if (mine.command_line.empty()) {
                    mine.command_line.swap(theirs.command_line);
                    mine.command_line_truncated = theirs.command_line_truncated;
                }
            }
        } else if (known != state.processes.end()) {
            strings = &known->second;
        } else {
            state.scratch = {};
        }
    }

    std::string &out = lines.out;
    out += created ? R"({"type":"process_create")" : R"({"type":"process_delete")";
    state.clock.field("timestamp", event.timestamp_ns, out);
    json::number_field("process_id", event.pid, out);
    json::number_field("parent_process_id", event.parent_pid, out);
    json::number_field("creating_process_id", event.creating_pid, out);
    json::number_field("creating_thread_id", event.creating_tid, out);
    state.clock.field("creation_time", event.start_ns, out);
    json::string_field("image_path", strings->image_path, out);
    bool_field("image_path_truncated", !strings->image_path.empty() && strings->image_path.front() != '/', out);
    json::string_field("command_line", strings->command_line, out);
    bool_field("command_line_truncated", strings->command_line_truncated, out);
    json::key("token_sid", out);
    out += "\"S-1-22-1-";
    json::number(event.uid, out);
    out += '"';
    json::string_field("account_name", state.account(event.uid), out);
    json::string_field("account_domain", strings->account_domain, out);
    if (!created) {
        state.clock.field("exit_time", event.timestamp_ns, out);
        json::number_field("process_exit_code", event.exit_code, out);
        bool_field("never_executed", event.flags & EXEC_REFERENCE_FLAG_NEVER_EXECUTED, out);
    }
    out += "}\n";
    if (known != state.processes.end())
        state.processes.erase(known);
    return 0;
}

} // namespace

int main()
{
    const std::unique_ptr<exec_reference_bpf, decltype(&exec_reference_bpf__destroy)> skel(
        exec_reference_bpf__open(), &exec_reference_bpf__destroy);
    if (!skel) {
        std::fprintf(stderr, "exec_reference: opening exec_reference.bpf.o: %s\n", std::strerror(errno));
        return 1;
    }
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) {
        std::fprintf(stderr, "exec_reference: counting the possible CPUs: %s\n", std::strerror(-cpus));
        return 1;
    }
    if (int err = bpf_map__set_max_entries(skel->maps.scratch, static_cast<__u32>(cpus)); err != 0) {
        std::fprintf(stderr, "exec_reference: sizing map scratch for %d CPUs: %s\n", cpus, std::strerror(-err));
        return 1;
    }
    if (int err = exec_reference_bpf__load(skel.get()); err != 0) {
        std::fprintf(stderr, "exec_reference: loading exec_reference.bpf.o: %s\n", std::strerror(-err));
        return 1;
    }
    std::vector<reference::Link> links;
    for (bpf_program *program :
         {skel->progs.exec_reference_fork, skel->progs.exec_reference_exec, skel->progs.exec_reference_exit})
        if (!reference::attach("exec_reference", program, links))
            return 1;
    return reference::report_until_stopped("exec_reference", bpf_map__fd(skel->maps.events), on_record, links,
                                           &skel->bss->lost);
}
