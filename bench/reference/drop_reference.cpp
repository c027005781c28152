// SPDX-License-Identifier: MIT
// drop_reference: loads drop_reference.bpf.c (embedded skeleton), prints one line per dropped packet until SIGINT or
// SIGTERM, then "drop_reference: received N, lost M" on stderr. A plain libbpf tool, winbpf_bench drop's reference
// for netevent_monitor (bench/README.md); not a winbpf monitor.
#include <bpf/libbpf.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>

#include "drop_reference.h"
#include "drop_reference.skel.h"

namespace
{

volatile std::sig_atomic_t stop = 0;

void on_signal(int)
{
    stop = 1;
}

struct Consumer {
    std::string out;
    unsigned long long received = 0;
};

/// Appends "<boottime ns> reason=<n> ifindex=<n> length=<n> captured=<n>" for one record.
int on_record(void *context, void *data, std::size_t size)
{
    auto &consumer = *static_cast<Consumer *>(context);
    ++consumer.received;
    drop_reference_event event{};
    std::memcpy(&event, data, size < sizeof event ? size : sizeof event);
    char line[160];
    const int n = std::snprintf(line, sizeof line, "%llu reason=%u ifindex=%u length=%u captured=%u\n",
                                static_cast<unsigned long long>(event.timestamp_ns), event.reason, event.ifindex,
                                event.packet_length, event.captured);
    consumer.out.append(line, static_cast<std::size_t>(n));
    return 0;
}

void flush(std::string &out)
{
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::write(STDOUT_FILENO, out.data() + done, out.size() - done);
        if (n < 0 && errno != EINTR)
            break;
        if (n > 0)
            done += static_cast<std::size_t>(n);
    }
    out.clear();
}

} // namespace

int main()
{
    drop_reference_bpf *skel = drop_reference_bpf__open_and_load();
    if (!skel) {
        std::fprintf(stderr, "drop_reference: loading drop_reference.bpf.o: %s\n", std::strerror(errno));
        return 1;
    }
    int status = 1;
    Consumer consumer;
    ring_buffer *ring = nullptr;
    if (int err = drop_reference_bpf__attach(skel); err != 0) {
        std::fprintf(stderr, "drop_reference: attaching tp_btf/kfree_skb: %s\n", std::strerror(-err));
    } else if (!(ring = ring_buffer__new(bpf_map__fd(skel->maps.events), on_record, &consumer, nullptr))) {
        std::fprintf(stderr, "drop_reference: ring buffer on map events: %s\n", std::strerror(errno));
    } else {
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
        std::fputs("Press Ctrl-C to stop\n", stderr);
        while (!stop) {
            // Wake-ups are batched: drain on the timeout too, as winbpf's session does.
            if (ring_buffer__poll(ring, 250) >= 0)
                ring_buffer__consume(ring);
            flush(consumer.out);
        }
        drop_reference_bpf__detach(skel);
        ring_buffer__consume(ring);
        flush(consumer.out);
        std::fprintf(stderr, "drop_reference: received %llu, lost %llu\n", consumer.received,
                     static_cast<unsigned long long>(skel->bss->lost));
        status = 0;
    }
    ring_buffer__free(ring);
    drop_reference_bpf__destroy(skel);
    return status;
}
