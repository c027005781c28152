// SPDX-License-Identifier: MIT
// FILETIME (100 ns ticks since 1601-01-01 UTC) as ISO-8601 text.
#pragma once

#include <cstdint>
#include <string>

namespace winbpf::monitor
{

/// FILETIME of the Unix epoch, 1970-01-01T00:00:00Z.
inline constexpr std::uint64_t filetime_unix_epoch = 116444736000000000ULL;

/// Appends filetime as ISO-8601 UTC with microseconds, e.g. "2026-11-21T22:11:10.123456Z" (sub-microsecond ticks
/// are truncated). Every 64-bit value is representable (years beyond 9999 get more digits).
void append_filetime_iso8601(std::uint64_t filetime, std::string &out);

/// The same as a new string.
std::string filetime_to_iso8601(std::uint64_t filetime);

} // namespace winbpf::monitor
