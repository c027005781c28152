// SPDX-License-Identifier: MIT
// FILETIME (100 ns ticks since 1601-01-01 UTC) as ISO-8601 text.
#pragma once

#include <cstddef>
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

/// append_filetime_iso8601 that keeps the text of the last second it formatted: the events of a busy system come
/// many per second, and most of the cost is the date and time of day.
class FiletimeFormatter
{
  public:
    /// Appends exactly what append_filetime_iso8601(filetime, out) appends.
    void append(std::uint64_t filetime, std::string &out);

  private:
    std::uint64_t second_ = UINT64_MAX; ///< Second (FILETIME / 10^7) of date_time_; no FILETIME has this one.
    char date_time_[40] = {};           ///< "YYYY-MM-DDTHH:MM:SS" of second_.
    std::size_t date_time_size_ = 0;
};

} // namespace winbpf::monitor
