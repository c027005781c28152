// SPDX-License-Identifier: MIT
// UTF-8 validation of one sequence at a time, for the terminal escaper (terminal_escape.cpp).
#pragma once

#include <cstddef>
#include <string_view>

namespace winbpf::monitor
{

/// The UTF-8 sequence starting at text[i] (text[i] >= 0x80).
struct Utf8Sequence {
    std::size_t length; ///< Bytes of the sequence when valid; else of its maximal invalid subpart (>= 1).
    bool valid;         ///< A well-formed sequence (no overlong form, surrogate or value above U+10FFFF).
};

/// Classifies the sequence at text[i]. For an invalid one, length is the longest prefix of a well-formed
/// sequence (Unicode's "maximal subpart"; at least 1): the bytes one U+FFFD replaces.
Utf8Sequence utf8_sequence_at(std::string_view text, std::size_t i) noexcept;

} // namespace winbpf::monitor
