// SPDX-License-Identifier: MIT
// bind_reference --cgroup PATH [--limit N]: loads bind_reference.bpf.c (embedded skeleton), attaches it to the
// cgroup-v2 directory PATH, prints one line per bind, post-bind and unbind until SIGINT or SIGTERM, then
// "bind_reference: received N, lost M" on stderr. A plain libbpf tool, winbpf_bench bind's reference for bind_monitor
// (bench/README.md); not a winbpf monitor.
#include <bpf/libbpf.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "bind_reference.h"
#include "bind_reference.skel.h"

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

/// Appends "<boottime ns> <op> pid=<n> name=<name> port=<n> count=<n>[ denied]" for one record.
int on_record(void *context, void *data, std::size_t size)
{
    auto &consumer = *static_cast<Consumer *>(context);
    ++consumer.received;
    bind_reference_event event{};
    std::memcpy(&event, data, size < sizeof event ? size : sizeof event);
    static constexpr const char *operations[] = {"bind", "post_bind", "unbind"};
    char line[128];
    const int n = std::snprintf(
        line, sizeof line,
        "%llu %s pid=%llu port=%u count=%u%s name=", static_cast<unsigned long long>(event.timestamp_ns),
        operations[event.operation < 3 ? event.operation : 0], static_cast<unsigned long long>(event.process_id),
        event.port, event.bind_count, event.denied ? " denied" : "");
    consumer.out.append(line, static_cast<std::size_t>(n));
    consumer.out.append(reinterpret_cast<const char *>(event.name),
                        event.name_size < sizeof event.name ? event.name_size : sizeof event.name);
    consumer.out.push_back('\n');
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
    const int cgroup_fd = ::open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cgroup_fd < 0) {
        std::fprintf(stderr, "bind_reference: %s: %s\n", cgroup.c_str(), std::strerror(errno));
        return 1;
    }
    bind_reference_bpf *skel = bind_reference_bpf__open();
    if (!skel) {
        std::fprintf(stderr, "bind_reference: opening bind_reference.bpf.o: %s\n", std::strerror(errno));
        ::close(cgroup_fd);
        return 1;
    }
    skel->rodata->limit = static_cast<__u32>(limit);
    int status = 1;
    Consumer consumer;
    ring_buffer *ring = nullptr;
    bpf_link *links[3] = {};
    bpf_program *programs[3] = {skel->progs.bind_reference_bind4, skel->progs.bind_reference_post_bind4,
                                skel->progs.bind_reference_release};
    bool attached = true;
    if (int err = bind_reference_bpf__load(skel); err != 0) {
        std::fprintf(stderr, "bind_reference: loading bind_reference.bpf.o: %s\n", std::strerror(-err));
        attached = false;
    }
    for (int i = 0; attached && i < 3; ++i)
        if (!(links[i] = bpf_program__attach_cgroup(programs[i], cgroup_fd))) {
            std::fprintf(stderr, "bind_reference: attaching %s to %s: %s\n", bpf_program__name(programs[i]),
                         cgroup.c_str(), std::strerror(errno));
            attached = false;
        }
    if (attached && !(ring = ring_buffer__new(bpf_map__fd(skel->maps.events), on_record, &consumer, nullptr))) {
        std::fprintf(stderr, "bind_reference: ring buffer on map events: %s\n", std::strerror(errno));
        attached = false;
    }
    if (attached) {
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
        std::fputs("Press Ctrl-C to stop\n", stderr);
        while (!stop) {
            // Wake-ups are batched: drain on the timeout too, as winbpf's session does.
            if (ring_buffer__poll(ring, 250) >= 0)
                ring_buffer__consume(ring);
            flush(consumer.out);
        }
    }
    for (bpf_link *link : links)
        bpf_link__destroy(link);
    if (attached) {
        ring_buffer__consume(ring);
        flush(consumer.out);
        std::fprintf(stderr, "bind_reference: received %llu, lost %llu\n", consumer.received,
                     static_cast<unsigned long long>(skel->bss->lost));
        status = 0;
    }
    ring_buffer__free(ring);
    bind_reference_bpf__destroy(skel);
    ::close(cgroup_fd);
    return status;
}
