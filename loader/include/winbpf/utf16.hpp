// SPDX-License-Identifier: MIT
// UTF-16LE, the string encoding of the Windows hook contexts, to and from UTF-8 (userspace side).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace winbpf
{

/// Replaces out with the UTF-8 form of the UTF-16LE text in (as the shim delivers strings). Surrogate pairs become
/// 4-byte sequences. A lone surrogate U+DC80..U+DCFF is the shim's escape of an invalid UTF-8 byte of the original
/// text (0xDC00 + byte) and is turned back into exactly that byte, so the result may be invalid UTF-8 on purpose.
/// Any other lone surrogate and a trailing odd byte become U+FFFD. Reuses out's capacity.
void utf16le_to_utf8(std::span<const std::byte> in, std::string &out);

/// UTF-8 to UTF-16 code units, at most max_units (never splits a surrogate pair); invalid bytes become U+FFFD.
std::u16string utf8_to_utf16(std::string_view text, std::size_t max_units = std::u16string::npos);

} // namespace winbpf
