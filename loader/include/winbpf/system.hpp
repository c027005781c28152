// SPDX-License-Identifier: MIT
#pragma once

#include "winbpf/unique_fd.hpp"

#include <cstdint>
#include <string>

namespace winbpf
{

/// True when a bpf filesystem is mounted at /sys/fs/bpf (read from /proc/self/mounts).
bool bpffs_mounted();

/// Mounts bpffs at /sys/fs/bpf when nothing is mounted there. Throws Error when it cannot.
void ensure_bpffs();

/// True when this process is in the initial mount namespace: pid 1's, or when pid 1 cannot be inspected, the one
/// with the inode the kernel gives the initial namespace (0xEFFFFFF8 from Linux 6.18, else 0xF0000000).
bool in_initial_mount_namespace();

/// Makes sure /sys/fs/bpf is a bpffs the rest of the system sees before anything is pinned or listed there: nothing
/// when a bpffs is mounted there; in the initial mount namespace, with mount, ensure_bpffs(); in a mount namespace
/// of the process's own without one (`ip netns exec` gives a command a private /sys: a bpffs mounted there would
/// vanish with it), throws Error saying why and what to run instead.
void use_system_bpffs(bool mount);

/// How a CREATE handler's deny is enforced on this kernel (docs/hooks/process.md).
enum class EnforcementMode { sigkill, lsm };

/// Result of probe_enforcement().
struct Enforcement {
    EnforcementMode mode;
    std::string detail; ///< Why: e.g. "BPF LSM unavailable: loading an lsm/bprm_check_security program: EPERM".
};

/// Probes BPF LSM by loading (then closing) a minimal lsm/bprm_check_security program; never throws. lsm when that
/// program loads and 'bpf' is in /sys/kernel/security/lsm (a denied execve fails with EPERM), else sigkill; detail
/// says why. The environment variable WINBPF_DENY_ENFORCEMENT=sigkill forces sigkill (tests of both modes).
Enforcement probe_enforcement();

/// "sigkill" or "lsm".
const char *enforcement_name(EnforcementMode mode);

} // namespace winbpf

namespace winbpf
{

/// Mount point of the cgroup-v2 hierarchy (first cgroup2 entry of /proc/self/mounts, e.g. /sys/fs/cgroup or, on
/// hybrid systems, /sys/fs/cgroup/unified). Throws Error when cgroup v2 is not mounted.
std::string cgroup2_mount();

/// Opens path as a cgroup-v2 directory (O_RDONLY | O_DIRECTORY). Throws Error, saying where
/// cgroup v2 is mounted, when path is missing or is not a directory of the cgroup-v2 hierarchy (e.g. a cgroup-v1
/// directory or an ordinary one).
UniqueFd open_cgroup2(const std::string &path);

/// Windows compartment id of the network namespace at netns_path (e.g. /run/netns/NAME of `ip netns`, or
/// /proc/PID/ns/net), as sock_addr programs see it in compartment_id and as the attach option compartment_id=N takes
/// it: 1 for the initial network namespace, else the low 32 bits of the namespace's cookie (SO_NETNS_COOKIE
/// of a socket created there; the calling thread enters the namespace for that). Throws Error when the path is not a
/// network namespace or cannot be entered (CAP_SYS_ADMIN).
std::uint32_t compartment_id(const std::string &netns_path);

} // namespace winbpf
