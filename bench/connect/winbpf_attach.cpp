// SPDX-License-Identifier: MIT
// winbpf_attach OBJECT --cgroup PATH [--count-map MAP]: loads a Windows-style object built by Makefile.bpf with
// winbpf's loader (winbpf::Object, as `winbpf add program` does) and attaches every handler and support program of it
// to the cgroup-v2 directory PATH (winbpf::Attachment), so that a bench measures the object as a process of its own:
// prints "Press Ctrl-C to stop" on stderr once attached, detaches on SIGINT or SIGTERM and prints
// "winbpf_attach: received N, lost M" on stderr (N: the entries of map MAP of the object, 0 without --count-map; M:
// the records or entries the object's programs could not write, winbpf::Object::lost_events). Exit 0, 1 on a load or
// attach error (said on stderr), 2 on bad arguments. A bench tool (winbpf_bench connect), not a monitor.
#include "reference_session.hpp" // block_stop_signals, wait_for_stop
#include "winbpf/attachment.hpp"
#include "winbpf/error.hpp"
#include "winbpf/object.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace
{

/// Entries of map (walked with bpf_map_get_next_key).
unsigned long long map_entries(bpf_map *map)
{
    std::vector<unsigned char> key(bpf_map__key_size(map)), next(bpf_map__key_size(map));
    unsigned long long entries = 0;
    for (const void *at = nullptr; bpf_map_get_next_key(bpf_map__fd(map), at, next.data()) == 0; at = key.data()) {
        key.swap(next);
        ++entries;
    }
    return entries;
}

int usage()
{
    std::fputs("usage: winbpf_attach OBJECT --cgroup PATH [--count-map MAP]\n", stderr);
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 6)
        return usage();
    const std::string path = argv[1];
    winbpf::AttachOptions options;
    std::string count_map;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string_view option = argv[i];
        if (option == "--cgroup")
            options.cgroup = argv[i + 1];
        else if (option == "--count-map")
            count_map = argv[i + 1];
        else
            return usage();
    }
    if (options.cgroup.empty())
        return usage();

    const sigset_t old = reference::block_stop_signals();
    try {
        winbpf::Object object = winbpf::Object::open_file(path);
        bpf_map *counted = count_map.empty() ? nullptr : object.map(count_map);
        object.load();
        std::optional<winbpf::Attachment> attachment(std::in_place, object, options);
        std::fputs("Press Ctrl-C to stop\n", stderr);
        reference::wait_for_stop(old);
        attachment.reset();
        std::fprintf(stderr, "winbpf_attach: received %llu, lost %llu\n", counted ? map_entries(counted) : 0ull,
                     static_cast<unsigned long long>(object.lost_events()));
    } catch (const winbpf::Error &error) {
        std::fprintf(stderr, "winbpf_attach: %s\n", error.what());
        return 1;
    }
    return 0;
}
