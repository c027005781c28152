// SPDX-License-Identifier: MIT
// bind_reference --cgroup PATH [--limit N]: loads bind_reference.bpf.c (embedded skeleton), attaches it to the
// cgroup-v2 directory PATH, prints one line per bind, post-bind and unbind until SIGINT or SIGTERM, then
// "bind_reference: received N, lost M" on stderr. A plain libbpf tool, winbpf_bench bind's reference for bind_monitor
// (bench/README.md); not a winbpf monitor.
#include <bpf/libbpf.h>

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
#include "reference_session.hpp"

namespace
{

/// Appends "<boottime ns> <op> pid=<n> name=<name> port=<n> count=<n>[ denied]" for one record.
int on_record(void *context, void *data, std::size_t size)
{
    auto &lines = *static_cast<reference::Lines *>(context);
    ++lines.received;
    bind_reference_event event{};
    std::memcpy(&event, data, size < sizeof event ? size : sizeof event);
    static constexpr const char *operations[] = {"bind", "post_bind", "unbind"};
    char line[128];
    const int n = std::snprintf(
        line, sizeof line,
        "%llu %s pid=%llu port=%u count=%u%s name=", static_cast<unsigned long long>(event.timestamp_ns),
        operations[event.operation < 3 ? event.operation : 0], static_cast<unsigned long long>(event.process_id),
        event.port, event.bind_count, event.denied ? " denied" : "");
    lines.out.append(line, static_cast<std::size_t>(n));
    lines.out.append(reinterpret_cast<const char *>(event.name),
                     event.name_size < sizeof event.name ? event.name_size : sizeof event.name);
    lines.out.push_back('\n');
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
