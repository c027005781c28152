// SPDX-License-Identifier: MIT
// Binary Windows SID to its text form.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace winbpf::monitor
{

/// Appends the text form of a binary SID ("S-1-22-1-1000"): revision, sub-authority count, 6-byte big-endian
/// identifier authority (as 12 hex digits 0x... when >= 2^32, like Windows), little-endian 32-bit
/// sub-authorities. Returns false and appends nothing when sid is not a well-formed SID (too short, revision not 1,
/// more than 15 sub-authorities, or a size that does not match the count).
bool append_sid_text(std::span<const std::uint8_t> sid, std::string &out);

/// The text form as a new string; empty when sid is malformed.
std::string sid_to_text(std::span<const std::uint8_t> sid);

} // namespace winbpf::monitor
