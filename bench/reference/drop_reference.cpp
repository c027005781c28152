// SPDX-License-Identifier: MIT
// drop_reference: loads drop_reference.bpf.c (embedded skeleton), prints one line per dropped packet until SIGINT or
// SIGTERM, then "drop_reference: received N, lost M" on stderr. A plain libbpf tool, winbpf_bench drop's reference
// for netevent_monitor (bench/README.md); not a winbpf monitor.
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "drop_reference.h"
#include "drop_reference.skel.h"
#include "reference_session.hpp"

namespace
{

/// Appends "<boottime ns> reason=<n> ifindex=<n> length=<n> captured=<n>" for one record.
int on_record(void *context, void *data, std::size_t size)
{
    auto &lines = *static_cast<reference::Lines *>(context);
    ++lines.received;
    drop_reference_event event{};
    std::memcpy(&event, data, size < sizeof event ? size : sizeof event);
    char line[160];
    const int n = std::snprintf(line, sizeof line, "%llu reason=%u ifindex=%u length=%u captured=%u\n",
                                static_cast<unsigned long long>(event.timestamp_ns), event.reason, event.ifindex,
                                event.packet_length, event.captured);
    lines.out.append(line, static_cast<std::size_t>(n));
    return 0;
}

} // namespace

int main()
{
    const std::unique_ptr<drop_reference_bpf, decltype(&drop_reference_bpf__destroy)> skel(
        drop_reference_bpf__open_and_load(), &drop_reference_bpf__destroy);
    if (!skel) {
        std::fprintf(stderr, "drop_reference: loading drop_reference.bpf.o: %s\n", std::strerror(errno));
        return 1;
    }
    std::vector<reference::Link> links;
    if (!reference::attach("drop_reference", skel->progs.drop_reference, links))
        return 1;
    return reference::report_until_stopped("drop_reference", bpf_map__fd(skel->maps.events), on_record, links,
                                           &skel->bss->lost);
}
