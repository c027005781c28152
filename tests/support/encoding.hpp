// SPDX-License-Identifier: MIT
// Bytes as the Windows-style programs see them: UTF-16LE strings and binary SIDs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace winbpf::test
{

/// UTF-16 code units as UTF-16LE bytes (no NUL).
std::vector<std::byte> utf16le_bytes(std::u16string_view text);

/// Binary SID S-1-22-1-<uid> (the Unix user SID winbpf reports): 16 bytes.
std::vector<std::uint8_t> unix_user_sid(std::uint32_t uid);

} // namespace winbpf::test
