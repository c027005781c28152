// SPDX-License-Identifier: MIT
// connection_reference --cgroup PATH: loads connection_reference.bpf.c (embedded skeleton), attaches it to the
// cgroup-v2 directory PATH, prints one JSON line per flow start and end (connection_monitor --json's) until SIGINT or
// SIGTERM, then "connection_reference: received N, lost M" on stderr. A plain libbpf tool, winbpf_bench connections'
// reference for connection_monitor (bench/README.md); not a winbpf monitor.
#include <bpf/libbpf.h>

#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "connection_reference.h"
#include "connection_reference.skel.h"
#include "reference_json.hpp"
#include "reference_session.hpp"

namespace
{

/// Times of the records, formatted as the monitors format them.
reference::json::BoottimeClock boottime_clock;

/// The executable file name of each process id, read once from /proc/PID/exe (else argv[0] of /proc/PID/cmdline, as
/// connection_monitor reads it once it holds no capability); at most 4096 kept, then forgotten at once.
std::unordered_map<std::uint64_t, std::string> app_ids;

const std::string &app_id(std::uint64_t process_id)
{
    if (const auto found = app_ids.find(process_id); found != app_ids.end())
        return found->second;
    if (app_ids.size() >= 4096)
        app_ids.clear();
    const std::string proc = "/proc/" + std::to_string(process_id);
    char path[4096];
    std::string name;
    if (const ssize_t size = ::readlink((proc + "/exe").c_str(), path, sizeof path); size > 0) {
        name.assign(path, static_cast<std::size_t>(size));
        if (name.ends_with(" (deleted)"))
            name.resize(name.size() - 10);
    } else if (std::FILE *cmdline = std::fopen((proc + "/cmdline").c_str(), "re")) {
        const std::size_t size = std::fread(path, 1, sizeof path - 1, cmdline);
        std::fclose(cmdline);
        path[size] = '\0';
        name = path;
    }
    return app_ids.emplace(process_id, name.substr(name.rfind('/') + 1)).first->second;
}

/// Appends the JSON line connection_monitor --json writes for the same event: type, timestamp, process_id, app_id,
/// protocol, family, local_address, local_port, remote_address, remote_port, flow_id, duration_us (close).
int on_record(void *context, void *data, std::size_t size)
{
    namespace json = reference::json;
    auto &lines = *static_cast<reference::Lines *>(context);
    ++lines.received;
    connection_reference_event event{};
    std::memcpy(&event, data, size < sizeof event ? size : sizeof event);
    static constexpr const char *types[] = {"connect", "accept", "close"};
    std::string &out = lines.out;
    json::key("type", out, true);
    json::string(types[event.type < 3 ? event.type : 0], out);
    boottime_clock.field("timestamp", event.timestamp_ns, out);
    json::number_field("process_id", event.process_id, out);
    json::string_field("app_id", app_id(event.process_id), out);
    if (event.protocol == IPPROTO_TCP)
        json::string_field("protocol", "tcp", out);
    else if (event.protocol == IPPROTO_UDP)
        json::string_field("protocol", "udp", out);
    else
        json::number_field("protocol", event.protocol, out);
    json::number_field("family", event.family, out);
    json::key("local_address", out);
    json::address(event.family, event.local_ip, out);
    json::number_field("local_port", event.local_port, out);
    json::key("remote_address", out);
    json::address(event.family, event.remote_ip, out);
    json::number_field("remote_port", event.remote_port, out);
    json::number_field("flow_id", event.flow_id, out);
    if (event.type == CONNECTION_REFERENCE_CLOSE)
        json::number_field("duration_us", event.duration_ns / 1000, out);
    out += "}\n";
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    std::string cgroup;
    for (int i = 1; i + 1 < argc; i += 2)
        if (std::string_view(argv[i]) == "--cgroup")
            cgroup = argv[i + 1];
    if (cgroup.empty()) {
        std::fputs("usage: connection_reference --cgroup PATH\n", stderr);
        return 1;
    }
    const std::unique_ptr<connection_reference_bpf, decltype(&connection_reference_bpf__destroy)> skel(
        connection_reference_bpf__open(), &connection_reference_bpf__destroy);
    if (!skel) {
        std::fprintf(stderr, "connection_reference: opening connection_reference.bpf.o: %s\n", std::strerror(errno));
        return 1;
    }
    if (int err = connection_reference_bpf__load(skel.get()); err != 0) {
        std::fprintf(stderr, "connection_reference: loading connection_reference.bpf.o: %s\n", std::strerror(-err));
        return 1;
    }
    std::vector<reference::Link> links;
    if (!reference::attach_to_cgroup("connection_reference",
                                     {skel->progs.connection_reference_owner, skel->progs.connection_reference_tcp,
                                      skel->progs.connection_reference_egress, skel->progs.connection_reference_ingress,
                                      skel->progs.connection_reference_release},
                                     cgroup, links))
        return 1;
    return reference::report_until_stopped("connection_reference", bpf_map__fd(skel->maps.events), on_record, links,
                                           &skel->bss->lost);
}
