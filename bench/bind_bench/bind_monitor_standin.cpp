// SPDX-License-Identifier: MIT
// bind_monitor_standin: what bind_bench measures while build/bin/bind_monitor does not exist yet. It runs the
// monitors' own session (monitor/common: load, attach, drain the ring buffer on a timer, one write per batch,
// "received N, lost M" on exit) with bpf/bind_monitor.o read from the build tree, attached to one cgroup, and
// prints one short line per record (operation, process id, bound-socket count) instead of bind_monitor's full
// formatting. Same command line as bind_monitor where it matters: --cgroup PATH, --json, --drain-ms MS.
#include "common/session.hpp"

#include "options.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" {
#include "bind_monitor.h"
}

namespace
{

/// The bytes of a file; empty if it cannot be read.
std::vector<std::byte> read_file(const std::string &path)
{
    std::ifstream file(path, std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    std::vector<std::byte> result(bytes.size());
    std::memcpy(result.data(), bytes.data(), bytes.size());
    return result;
}

/// One line per record: its operation, process id and the process's bound-socket count.
winbpf::monitor::RecordStatus format_record(std::span<const std::byte> record, std::string &out, bool json)
{
    bind_monitor_event event;
    if (record.size() < sizeof event)
        return winbpf::monitor::RecordStatus::malformed("short record");
    std::memcpy(&event, record.data(), sizeof event);
    static constexpr const char *operations[] = {"BIND", "POST_BIND", "UNBIND"};
    const char *operation = event.operation < 3 ? operations[event.operation] : "?";
    char line[160];
    const int length =
        json ? std::snprintf(line, sizeof line, "{\"operation\":\"%s\",\"process_id\":%llu,\"bind_count\":%u}\n",
                             operation, static_cast<unsigned long long>(event.process_id), event.bind_count)
             : std::snprintf(line, sizeof line, "%-9s pid %llu count %u\n", operation,
                             static_cast<unsigned long long>(event.process_id), event.bind_count);
    out.append(line, static_cast<std::size_t>(length));
    return winbpf::monitor::RecordStatus::ok();
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"Stand-in for bind_monitor in bind_bench (see bench/README.md). Needs root."};
    app.name("bind_monitor_standin");
    std::string object_path = winbpf::bench::sibling_path("../bpf/bind_monitor.o");
    std::string cgroup;
    bool json = false;
    unsigned drain_ms = 250;
    app.add_option("--object", object_path, "bind_monitor.o (default: bpf/ of the build tree)");
    app.add_option("--cgroup", cgroup, "cgroup-v2 directory to attach to (default: the root)");
    app.add_flag("--json", json, "JSON lines");
    app.add_option("--drain-ms", drain_ms, "Ring buffer drain interval");
    CLI11_PARSE(app, argc, argv);

    const std::vector<std::byte> elf = read_file(object_path);
    if (elf.empty()) {
        std::fprintf(stderr, "bind_monitor_standin: cannot read %s\n", object_path.c_str());
        return 1;
    }
    winbpf::monitor::SessionConfig config;
    config.tool = "bind_monitor_standin";
    config.object_elf = elf;
    config.ring_buffer_map = "bind_ringbuf";
    config.handle_record = [json](std::span<const std::byte> record, std::string &out) {
        return format_record(record, out, json);
    };
    config.attach = [cgroup](const winbpf::Object &object) { return winbpf::Attachment(object, {.cgroup = cgroup}); };
    config.poll_timeout = std::chrono::milliseconds(drain_ms);
    return winbpf::monitor::run_session(config);
}
