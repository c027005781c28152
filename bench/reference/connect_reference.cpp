// SPDX-License-Identifier: MIT
// connect_reference --cgroup PATH: loads connect_reference.bpf.c (embedded skeleton) and attaches its
// cgroup/sock_create, cgroup/connect4 and cgroup_skb/ingress programs to the cgroup-v2 directory PATH: the work of
// winbpf_bench connect's Windows-style program (bench/connect/connect_audit.c, through winbpf) hand-written as a plain
// libbpf tool, an audit map entry per connection on each side. Runs until SIGINT or SIGTERM, then prints
// "connect_reference: received N, lost M" on stderr (N: entries in the audit map, M: entries that could not be
// written). Not a winbpf tool.
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "connect_reference.skel.h"
#include "reference_session.hpp"

int main(int argc, char **argv)
{
    if (argc != 3 || std::string_view(argv[1]) != "--cgroup") {
        std::fputs("usage: connect_reference --cgroup PATH\n", stderr);
        return 1;
    }
    const std::unique_ptr<connect_reference_bpf, decltype(&connect_reference_bpf__destroy)> skel(
        connect_reference_bpf__open_and_load(), &connect_reference_bpf__destroy);
    if (!skel) {
        std::fprintf(stderr, "connect_reference: loading connect_reference.bpf.o: %s\n", std::strerror(errno));
        return 1;
    }
    std::vector<reference::Link> links;
    if (!reference::attach_to_cgroup("connect_reference",
                                     {skel->progs.connect_reference_owner, skel->progs.connect_reference_connect4,
                                      skel->progs.connect_reference_ingress},
                                     argv[2], links))
        return 1;
    const int audit_fd = bpf_map__fd(skel->maps.audit_map);
    return reference::wait_until_stopped(
        "connect_reference", links, [audit_fd] { return reference::map_entries(audit_fd, sizeof(__u64)); },
        &skel->bss->lost);
}
