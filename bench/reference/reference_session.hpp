// SPDX-License-Identifier: MIT
// What the reference tools' userspace shares: attaching their programs, and the drain loop until SIGINT or SIGTERM
// that writes the records' lines to stdout per batch and ends with the summary line the bench reads.
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "common/output_writer.hpp" // winbpf::monitor::OutputWriter (header only)
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

/// The lines a ring buffer callback appends, and the records it saw.
struct Lines {
    std::string out;
    unsigned long long received = 0;
};

inline volatile std::sig_atomic_t stop_requested = 0;

/// Blocks SIGINT and SIGTERM, which from now on set stop_requested, and returns the signal mask from before: they stay
/// blocked until wait_for_stop's sigsuspend, so one that comes before the wait is not missed.
inline sigset_t block_stop_signals()
{
    sigset_t stop_signals, old;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop_signals, &old);
    std::signal(SIGINT, [](int) { stop_requested = 1; });
    std::signal(SIGTERM, [](int) { stop_requested = 1; });
    return old;
}

/// Sleeps (sigsuspend with old, the mask block_stop_signals returned) until SIGINT or SIGTERM came, then restores old.
inline void wait_for_stop(const sigset_t &old)
{
    while (!stop_requested)
        sigsuspend(&old);
    sigprocmask(SIG_SETMASK, &old, nullptr);
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

/// The rest of a reference tool's life once attached: prints "Press Ctrl-C to stop" on stderr, then consumes the ring
/// buffer map ring_fd (callback appends the lines of each record to the Lines it is given) until SIGINT or SIGTERM, on
/// a wake-up or every 250 ms as winbpf's session does (wake-ups are batched), writing each batch's lines to stdout;
/// then destroys links (detaching), drains what is left and prints "<tool>: received N, lost M" on stderr (M: *lost,
/// the BPF side's count of records that did not fit). Returns the exit code: 0, or 1 when the ring buffer cannot be
/// read.
inline int report_until_stopped(const char *tool, int ring_fd, ring_buffer_sample_fn callback, std::vector<Link> &links,
                                const volatile __u64 *lost)
{
    Lines lines;
    const RingBuffer ring(ring_buffer__new(ring_fd, callback, &lines, nullptr), &ring_buffer__free);
    if (!ring) {
        std::fprintf(stderr, "%s: ring buffer on map events: %s\n", tool, std::strerror(errno));
        return 1;
    }
    winbpf::monitor::OutputWriter stdout_writer(STDOUT_FILENO); // a failed write drops the rest, as in the monitors
    std::signal(SIGINT, [](int) { stop_requested = 1; });
    std::signal(SIGTERM, [](int) { stop_requested = 1; });
    std::fputs("Press Ctrl-C to stop\n", stderr);
    while (!stop_requested) {
        if (ring_buffer__poll(ring.get(), 250) >= 0)
            ring_buffer__consume(ring.get());
        stdout_writer.flush(lines.out);
    }
    links.clear(); // detach, then take what the programs wrote before
    ring_buffer__consume(ring.get());
    stdout_writer.flush(lines.out);
    std::fprintf(stderr, "%s: received %llu, lost %llu\n", tool, lines.received,
                 static_cast<unsigned long long>(*lost));
    return 0;
}

/// The rest of the life of a reference tool that writes no records (its programs keep maps only): prints "Press Ctrl-C
/// to stop" on stderr, waits for SIGINT or SIGTERM, destroys links (detaching), then prints "<tool>: received N, lost
/// M" on stderr (N: received(), e.g. the entries its programs wrote in a map; M: *lost, the BPF side's count of what
/// it could not write). Returns the exit code, 0.
inline int wait_until_stopped(const char *tool, std::vector<Link> &links,
                              const std::function<unsigned long long()> &received, const volatile __u64 *lost)
{
    const sigset_t old = block_stop_signals();
    std::fputs("Press Ctrl-C to stop\n", stderr);
    wait_for_stop(old);
    links.clear();
    std::fprintf(stderr, "%s: received %llu, lost %llu\n", tool, received(), static_cast<unsigned long long>(*lost));
    return 0;
}

/// Entries of the map with descriptor map_fd (walked with bpf_map_get_next_key; keys of key_size bytes, at most 64).
inline unsigned long long map_entries(int map_fd, std::size_t key_size)
{
    std::vector<unsigned char> key(key_size), next(key_size);
    unsigned long long entries = 0;
    for (const void *at = nullptr; bpf_map_get_next_key(map_fd, at, next.data()) == 0; at = key.data()) {
        key.swap(next);
        ++entries;
    }
    return entries;
}

} // namespace reference
