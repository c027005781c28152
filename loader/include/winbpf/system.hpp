// SPDX-License-Identifier: MIT
#pragma once

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

/// Probes BPF LSM by loading (then closing) a minimal lsm/bprm_check_security program; never throws. winbpf enforces
/// with SIGKILL today (LSM deny is not implemented); detail says whether the kernel would allow LSM.
Enforcement probe_enforcement();

/// "sigkill" or "lsm".
const char *enforcement_name(EnforcementMode mode);

} // namespace winbpf
