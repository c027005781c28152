// SPDX-License-Identifier: MIT
// hook_floor bind|connections|connect --cgroup PATH | hook_floor drop: loads hook_floor.bpf.c (embedded skeleton) and
// attaches one set of its programs, the least a tool that reports each event of those hooks can cost (a 16-byte record
// per event, one line each on stdout): bind attaches the cgroup/bind4, post_bind4 and sock_release programs to the
// cgroup-v2 directory PATH, connections the sockops program to PATH, drop the tp_btf/kfree_skb program (real drops
// only); connect attaches cgroup/sock_create, cgroup/connect4 and cgroup_skb/ingress programs that only return (no
// record). Runs until SIGINT or SIGTERM, then prints "hook_floor: received N, lost M" on stderr. A plain libbpf tool,
// winbpf_bench's floor beside bind_monitor and netevent_monitor (bench/README.md); not a winbpf monitor.
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hook_floor.h"
#include "hook_floor.skel.h"
#include "reference_session.hpp"

namespace
{

/// Appends "<boottime ns> <hook> <value>" for one record.
int on_record(void *context, void *data, std::size_t size)
{
    auto &lines = *static_cast<reference::Lines *>(context);
    ++lines.received;
    hook_floor_event event{};
    std::memcpy(&event, data, size < sizeof event ? size : sizeof event);
    static constexpr const char *hooks[] = {"kfree_skb reason=", "bind4 port=", "post_bind4 port=", "sock_release ",
                                            "sockops op="};
    char line[64];
    const int n = std::snprintf(line, sizeof line, "%llu %s%u\n", static_cast<unsigned long long>(event.timestamp_ns),
                                hooks[event.hook < 5 ? event.hook : 0], event.value);
    lines.out.append(line, static_cast<std::size_t>(n));
    return 0;
}

int usage()
{
    std::fputs("usage: hook_floor bind|connections|connect --cgroup PATH | hook_floor drop\n", stderr);
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const std::string_view set = argv[1];
    std::string cgroup;
    if (set == "bind" || set == "connections" || set == "connect") {
        if (argc != 4 || std::string_view(argv[2]) != "--cgroup")
            return usage();
        cgroup = argv[3];
    } else if (set != "drop" || argc != 2) {
        return usage();
    }
    const std::unique_ptr<hook_floor_bpf, decltype(&hook_floor_bpf__destroy)> skel(hook_floor_bpf__open(),
                                                                                   &hook_floor_bpf__destroy);
    if (!skel) {
        std::fprintf(stderr, "hook_floor: opening hook_floor.bpf.o: %s\n", std::strerror(errno));
        return 1;
    }
    const std::initializer_list<bpf_program *> bind_programs{
        skel->progs.hook_floor_bind4, skel->progs.hook_floor_post_bind4, skel->progs.hook_floor_release};
    // Load only the set asked for: the other set's hooks need not exist for this one to be measured.
    for (bpf_program *program : bind_programs)
        bpf_program__set_autoload(program, set == "bind");
    bpf_program__set_autoload(skel->progs.hook_floor_sockops, set == "connections");
    bpf_program__set_autoload(skel->progs.hook_floor_drop, set == "drop");
    const std::initializer_list<bpf_program *> connect_programs{
        skel->progs.hook_floor_sock_create, skel->progs.hook_floor_connect4, skel->progs.hook_floor_ingress};
    for (bpf_program *program : connect_programs)
        bpf_program__set_autoload(program, set == "connect");
    if (int err = hook_floor_bpf__load(skel.get()); err != 0) {
        std::fprintf(stderr, "hook_floor: loading hook_floor.bpf.o: %s\n", std::strerror(-err));
        return 1;
    }
    std::vector<reference::Link> links;
    if (set == "bind") {
        if (!reference::attach_to_cgroup("hook_floor", bind_programs, cgroup, links))
            return 1;
    } else if (set == "connections") {
        if (!reference::attach_to_cgroup("hook_floor", {skel->progs.hook_floor_sockops}, cgroup, links))
            return 1;
    } else if (set == "connect") {
        if (!reference::attach_to_cgroup("hook_floor", connect_programs, cgroup, links))
            return 1;
        return reference::wait_until_stopped(
            "hook_floor", links, [] { return 0ull; }, &skel->bss->lost);
    } else {
        if (!reference::attach("hook_floor", skel->progs.hook_floor_drop, links))
            return 1;
    }
    return reference::report_until_stopped("hook_floor", bpf_map__fd(skel->maps.events), on_record, links,
                                           &skel->bss->lost);
}
