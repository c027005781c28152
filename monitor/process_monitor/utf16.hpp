// SPDX-License-Identifier: MIT
// UTF-16LE (as the process hook delivers strings) to UTF-8.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace winbpf::monitor
{

/// Replaces out with the UTF-8 form of the UTF-16LE text in. Surrogate pairs become 4-byte sequences. A lone
/// surrogate U+DC80..U+DCFF is the escape of an invalid UTF-8 byte of the original text (0xDC00 + byte) and is
/// turned back into exactly that byte, so the result may be invalid UTF-8 on purpose. Any other lone surrogate and
/// a trailing odd byte become U+FFFD. Reuses out's capacity.
void utf16le_to_utf8(std::span<const std::byte> in, std::string &out);

} // namespace winbpf::monitor
