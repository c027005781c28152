// SPDX-License-Identifier: MIT
// What the reference tools' userspace shares: attaching cgroup programs, lines of the records written to stdout per
// drained batch, the drain loop until SIGINT or SIGTERM, and the summary line the bench reads.
#pragma once

#include <bpf/libbpf.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "winbpf/unique_fd.hpp"

namespace reference
{

/// Owning handles of libbpf objects (RAII: destroyed with their libbpf destructor).
using RingBuffer = std::unique_ptr<ring_buffer, decltype(&ring_buffer__free)>;
using Link = std::unique_ptr<bpf_link, decltype(&bpf_link__destroy)>;

/// Attaches each of programs to the cgroup-v2 directory cgroup, adding its link to links. On failure prints
/// "<tool>: ..." naming the cgroup (and the program) with the error on stderr and returns false.
inline bool attach_to_cgroup(const char *tool, std::initializer_list<bpf_program *> programs, const std::string &cgroup,
                             std::vector<Link> &links)
{
    const winbpf::UniqueFd cgroup_fd(::open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!cgroup_fd) {
        std::fprintf(stderr, "%s: %s: %s\n", tool, cgroup.c_str(), std::strerror(errno));
        return false;
    }
    for (bpf_program *program : programs) {
        links.emplace_back(bpf_program__attach_cgroup(program, cgroup_fd.get()), &bpf_link__destroy);
        if (!links.back()) {
            std::fprintf(stderr, "%s: attaching %s to %s: %s\n", tool, bpf_program__name(program), cgroup.c_str(),
                         std::strerror(errno));
            return false;
        }
    }
    return true;
}

/// A ring buffer consumer on map fd calling callback(context, ...) per record; empty (and errno set) on failure.
inline RingBuffer make_ring(int map_fd, ring_buffer_sample_fn callback, void *context)
{
    return {ring_buffer__new(map_fd, callback, context, nullptr), &ring_buffer__free};
}

/// The lines a ring buffer callback appends, and the records it saw.
struct Lines {
    std::string out;
    unsigned long long received = 0;
};

inline volatile std::sig_atomic_t stop_requested = 0;

/// Writes out all of out to stdout (EINTR retried; a failed write drops the rest) and clears it.
inline void write_out(std::string &out)
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

/// Prints "Press Ctrl-C to stop" on stderr, then drains ring (whose callback appends to lines) until SIGINT or
/// SIGTERM: on a wake-up or every 250 ms, as winbpf's session does (wake-ups are batched), writing the lines of each
/// batch.
inline void drain_until_stopped(ring_buffer *ring, Lines &lines)
{
    std::signal(SIGINT, [](int) { stop_requested = 1; });
    std::signal(SIGTERM, [](int) { stop_requested = 1; });
    std::fputs("Press Ctrl-C to stop\n", stderr);
    while (!stop_requested) {
        if (ring_buffer__poll(ring, 250) >= 0)
            ring_buffer__consume(ring);
        write_out(lines.out);
    }
}

/// Attaches program (where its section says), adding its link to links. On failure prints "<tool>: attaching ..." with
/// the error on stderr and returns false.
inline bool attach(const char *tool, bpf_program *program, std::vector<Link> &links)
{
    links.emplace_back(bpf_program__attach(program), &bpf_link__destroy);
    if (links.back())
        return true;
    std::fprintf(stderr, "%s: attaching %s (%s): %s\n", tool, bpf_program__name(program),
                 bpf_program__section_name(program), std::strerror(errno));
    return false;
}

/// The rest of a reference tool's life once attached: consumes the ring buffer map ring_fd (callback appends the lines
/// of each record to the Lines it is given) until SIGINT or SIGTERM, then destroys links (detaching), drains what is
/// left and prints "<tool>: received N, lost M" on stderr (M: *lost, the BPF side's count of records that did not
/// fit). Returns the exit code: 0, or 1 when the ring buffer cannot be read.
inline int report_until_stopped(const char *tool, int ring_fd, ring_buffer_sample_fn callback, std::vector<Link> &links,
                                const volatile __u64 *lost)
{
    Lines lines;
    const RingBuffer ring = make_ring(ring_fd, callback, &lines);
    if (!ring) {
        std::fprintf(stderr, "%s: ring buffer on map events: %s\n", tool, std::strerror(errno));
        return 1;
    }
    drain_until_stopped(ring.get(), lines);
    links.clear(); // detach, then take what the programs wrote before
    ring_buffer__consume(ring.get());
    write_out(lines.out);
    std::fprintf(stderr, "%s: received %llu, lost %llu\n", tool, lines.received,
                 static_cast<unsigned long long>(*lost));
    return 0;
}

} // namespace reference
