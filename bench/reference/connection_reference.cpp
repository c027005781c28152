// SPDX-License-Identifier: MIT
// connection_reference --cgroup PATH: loads connection_reference.bpf.c (embedded skeleton), attaches it to the
// cgroup-v2 directory PATH, prints one line per flow start and end until SIGINT or SIGTERM, then
// "connection_reference: received N, lost M" on stderr. A plain libbpf tool, winbpf_bench connections' reference for
// connection_monitor (bench/README.md); not a winbpf monitor.
#include <arpa/inet.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connection_reference.h"
#include "connection_reference.skel.h"
#include "reference_session.hpp"

namespace
{

/// Appends "<boottime ns> <type> pid=<n> proto=<n> <local> <remote> flow=<n> us=<n>" for one record.
int on_record(void *context, void *data, std::size_t size)
{
    auto &lines = *static_cast<reference::Lines *>(context);
    ++lines.received;
    connection_reference_event event{};
    std::memcpy(&event, data, size < sizeof event ? size : sizeof event);
    static constexpr const char *types[] = {"connect", "accept", "close"};
    const int family = event.family == 6 ? AF_INET6 : AF_INET;
    char local[INET6_ADDRSTRLEN] = "", remote[INET6_ADDRSTRLEN] = "";
    inet_ntop(family, event.local_ip, local, sizeof local);
    inet_ntop(family, event.remote_ip, remote, sizeof remote);
    char line[256];
    const int n =
        std::snprintf(line, sizeof line, "%llu %s pid=%llu proto=%u %s:%u %s:%u flow=%llu us=%llu\n",
                      static_cast<unsigned long long>(event.timestamp_ns), types[event.type < 3 ? event.type : 0],
                      static_cast<unsigned long long>(event.process_id), event.protocol, local, event.local_port,
                      remote, event.remote_port, static_cast<unsigned long long>(event.flow_id),
                      static_cast<unsigned long long>(event.duration_ns / 1000));
    lines.out.append(line, static_cast<std::size_t>(n > 0 ? n : 0));
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
