// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

namespace winbpf::glue
{

/// Whether a map of this type (Linux's numbering) and value size in bytes is a PERCPU_ARRAY whose value is over
/// Linux's per-CPU limit (32 KiB, PCPU_MIN_UNIT_SIZE, compared after the kernel rounds the size up to 8): winbpf
/// spreads such a map over an ARRAY (adapt_maps_for_linux), and the shim's map helpers must know it at compile time.
bool spread_per_cpu(std::uint32_t type, std::uint64_t value_size);

/// Rewrites in place the BTF map definitions of path's ".maps" variables that eBPF for Windows accepts and Linux
/// refuses, so that plain libbpf (bpftool prog loadall) creates them, and tags each changed variable with a
/// WINBPF_ADAPTED_* BTF decl tag (winbpf/abi.h) from which the loader reports the change and sizes it to the CPUs:
///   - PERF_EVENT_ARRAY without key or value size: key_size / value_size 4 (CPU index, perf event fd);
///   - PERF_EVENT_ARRAY with max_entries (Windows: a buffer size in bytes): max_entries 0, one slot per possible CPU
///     (libbpf's sizing of such an array);
///   - ARRAY / PERCPU_ARRAY with an 8-byte key: key_size 4 (the key's low 32 bits; no BTF key type);
///   - PERCPU_ARRAY whose value is over 32 KiB (spread_per_cpu): an ARRAY of max_entries values, which the loader
///     multiplies by the possible CPUs (entry k of CPU c is element k * CPUs + c, winbpf/map_helpers.h).
/// Legacy definitions are adapted too (run after convert_legacy_maps). Throws winbpf::Error naming the map when
/// the BTF cannot be rewritten; objects without such maps are left untouched.
void adapt_maps_for_linux(const std::string &path);

} // namespace winbpf::glue
