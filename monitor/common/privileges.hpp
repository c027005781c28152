// SPDX-License-Identifier: MIT
// Least privilege for the monitors (libcap): start with only the capabilities a monitor documents, hold none once
// its programs are attached.
#pragma once

#include <sys/capability.h>

#include <functional>
#include <string>
#include <vector>

namespace winbpf::monitor
{

/// Names of caps as libcap spells them in upper case ("CAP_BPF, CAP_PERFMON").
std::string capability_names(const std::vector<cap_value_t> &caps);

/// The caps of needed that the calling process does not hold in its effective set (empty: it holds them all).
std::vector<cap_value_t> missing_capabilities(const std::vector<cap_value_t> &needed);

/// Reduces the process to needed: effective and permitted sets hold exactly needed, the inheritable and ambient sets
/// are cleared, so whatever else it was started with (root holds every capability) is gone for good. Throws
/// std::system_error when the kernel refuses.
void limit_capabilities(const std::vector<cap_value_t> &needed);

/// Drops every capability (effective, permitted, inheritable, ambient: CapEff 0) and sets no_new_privs, so neither
/// this process nor anything it could exec regains one, except those of keep. Throws std::system_error.
void drop_capabilities(const std::vector<cap_value_t> &keep = {});

/// Whether check() returns true in a forked child of this process that holds no capabilities (the child inherits
/// every file descriptor, so check() can try what the process will do after drop_capabilities()). False when the
/// fork fails.
bool works_without_capabilities(const std::function<bool()> &check);

} // namespace winbpf::monitor
