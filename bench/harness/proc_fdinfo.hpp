// SPDX-License-Identifier: MIT
// Which BPF programs and links a process holds, read from /proc/<pid>/fdinfo.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <sys/types.h>

namespace winbpf::bench
{

/// The BPF objects behind a process's descriptors.
struct BpfHoldings {
    std::set<std::uint32_t> programs;        ///< ids of programs held directly (bpf-prog fds)
    std::set<std::uint32_t> linked_programs; ///< ids of programs behind the bpf_link fds
    std::size_t links = 0;                   ///< bpf_link fds

    /// Every program id seen, held directly or through a link.
    std::set<std::uint32_t> all_programs() const;
    /// True once the process holds at least one link and every program it holds is behind one of its links:
    /// the attach phase of a libbpf tool is over.
    bool attached() const;
};

/// Scans /proc/<pid>/fdinfo; empty holdings if the process is gone.
BpfHoldings scan_bpf_holdings(pid_t pid);

} // namespace winbpf::bench
