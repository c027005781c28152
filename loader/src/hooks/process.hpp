// SPDX-License-Identifier: MIT
// Internals of the process hook's loader module (hooks/process.cpp) that tests reach directly.
#pragma once

#include <linux/types.h>

#include "winbpf/abi.h"

#include <vector>

namespace winbpf::detail
{

/// Stores uid's name (UTF-8, cut at WINBPF_ACCOUNT_NAME_MAX UTF-16 units) in the first free slot of
/// (uid + k) % WINBPF_ACCOUNT_SLOTS, k < WINBPF_ACCOUNT_PROBES (the layout the shim searches; slots has
/// WINBPF_ACCOUNT_SLOTS entries). A uid already stored keeps its first name, as getpwuid returns it.
/// Returns false when all probe slots are taken by other uids (that uid then resolves to -ENOENT) or name is empty.
bool place_account(std::vector<winbpf_account> &slots, __u32 uid, const char *name);

} // namespace winbpf::detail
