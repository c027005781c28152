// SPDX-License-Identifier: MIT
// bind_reference --cgroup PATH [--limit N]: loads bind_reference.bpf.c (embedded skeleton), attaches it to the
// cgroup-v2 directory PATH, prints one JSON line per bind, post-bind and unbind (bind_monitor --json's) until SIGINT or
// SIGTERM, then "bind_reference: received N, lost M" on stderr. A plain libbpf tool, winbpf_bench bind's reference for
// bind_monitor (bench/README.md); not a winbpf monitor.
#include <bpf/libbpf.h>

#include <netinet/in.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bind_reference.h"
#include "bind_reference.skel.h"
#include "reference_json.hpp"
#include "reference_session.hpp"

namespace
{

/// Times of the records, formatted as the monitors format them.
reference::json::BoottimeClock boottime_clock;

/// Appends the JSON line bind_monitor --json writes for the same event: type, timestamp, process_id, app_id (the
/// executable's file name), family, address, port, protocol, action, bind_count.
int on_record(void *context, void *data, std::size_t size)
{
    namespace json = reference::json;
    auto &lines = *static_cast<reference::Lines *>(context);
    ++lines.received;
    bind_reference_event event{};
    std::memcpy(&event, data, size < sizeof event ? size : sizeof event);
    static constexpr const char *operations[] = {"bind", "post_bind", "unbind"};
    std::string &out = lines.out;
    json::key("type", out, true);
    json::string(operations[event.operation < 3 ? event.operation : 0], out);
    boottime_clock.field("timestamp", event.timestamp_ns, out);
    json::number_field("process_id", event.process_id, out);
    json::string_field("app_id",
                       {reinterpret_cast<const char *>(event.name),
                        event.name_size < sizeof event.name ? event.name_size : sizeof event.name},
                       out);
    json::number_field("family", 4, out);
    json::key("address", out);
    json::address(4, event.address, out);
    json::number_field("port", event.port, out);
    if (event.protocol == IPPROTO_TCP)
        json::string_field("protocol", "tcp", out);
    else if (event.protocol == IPPROTO_UDP)
        json::string_field("protocol", "udp", out);
    else
        json::number_field("protocol", event.protocol, out);
    json::string_field("action", event.denied ? "deny" : "permit", out);
    json::number_field("bind_count", event.bind_count, out);
    out += "}\n";
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    std::string cgroup;
    unsigned long limit = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view option = argv[i];
        if (option == "--cgroup")
            cgroup = argv[i + 1];
        else if (option == "--limit")
            limit = std::strtoul(argv[i + 1], nullptr, 10);
    }
    if (cgroup.empty()) {
        std::fputs("usage: bind_reference --cgroup PATH [--limit N]\n", stderr);
        return 1;
    }
    const std::unique_ptr<bind_reference_bpf, decltype(&bind_reference_bpf__destroy)> skel(
        bind_reference_bpf__open(), &bind_reference_bpf__destroy);
    if (!skel) {
        std::fprintf(stderr, "bind_reference: opening bind_reference.bpf.o: %s\n", std::strerror(errno));
        return 1;
    }
    skel->rodata->limit = static_cast<__u32>(limit);
    if (int err = bind_reference_bpf__load(skel.get()); err != 0) {
        std::fprintf(stderr, "bind_reference: loading bind_reference.bpf.o: %s\n", std::strerror(-err));
        return 1;
    }
    std::vector<reference::Link> links;
    if (!reference::attach_to_cgroup("bind_reference",
                                     {skel->progs.bind_reference_bind4, skel->progs.bind_reference_post_bind4,
                                      skel->progs.bind_reference_release},
                                     cgroup, links))
        return 1;
    return reference::report_until_stopped("bind_reference", bpf_map__fd(skel->maps.events), on_record, links,
                                           &skel->bss->lost);
}
