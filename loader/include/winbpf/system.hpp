// SPDX-License-Identifier: MIT
#pragma once

#include "winbpf/unique_fd.hpp"

#include <string>

namespace winbpf
{

/// True when a bpf filesystem is mounted at /sys/fs/bpf (read from /proc/self/mounts).
bool bpffs_mounted();

/// Mounts bpffs at /sys/fs/bpf when nothing is mounted there. Throws Error when it cannot.
void ensure_bpffs();

/// How a CREATE handler's deny is enforced on this kernel (CONTRACT §3).
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

} // namespace winbpf
