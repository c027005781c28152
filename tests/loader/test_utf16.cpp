// SPDX-License-Identifier: MIT
#include "support/encoding.hpp"
#include "winbpf/utf16.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace winbpf
{
namespace
{

using winbpf::test::utf16le_bytes;

std::string convert(const std::u16string &text)
{
    std::string out = "stale content that must be replaced";
    utf16le_to_utf8(utf16le_bytes(text), out);
    return out;
}

TEST(Utf16, Ascii)
{
    EXPECT_EQ(convert(u"/bin/sh -c exit"), "/bin/sh -c exit");
}

TEST(Utf16, Empty)
{
    EXPECT_EQ(convert(u""), "");
}

TEST(Utf16, BasicMultilingualPlane)
{
    EXPECT_EQ(convert(u"caf\u00e9 \u20ac \u4e2d"), "caf\xc3\xa9 \xe2\x82\xac \xe4\xb8\xad");
}

TEST(Utf16, SurrogatePair)
{
    // U+1F600 = D83D DE00; U+10FFFF = DBFF DFFF.
    EXPECT_EQ(convert(u"a\U0001F600b"), "a\xf0\x9f\x98\x80"
                                        "b");
    EXPECT_EQ(convert(u"\U0010FFFF"), "\xf4\x8f\xbf\xbf");
}

TEST(Utf16, LoneSurrogateRestoresEveryInvalidByte)
{
    for (unsigned byte = 0x80; byte <= 0xFF; ++byte) {
        const std::u16string text = {u'x', static_cast<char16_t>(0xDC00 + byte), u'y'};
        const std::string expected = {'x', static_cast<char>(byte), 'y'};
        EXPECT_EQ(convert(text), expected) << "byte " << byte;
    }
}

TEST(Utf16, RestoredBytesRoundTripInvalidUtf8)
{
    // Original argv "a\xff\xc3(b" (invalid UTF-8) as the BPF side encodes it.
    const std::u16string text = {u'a', 0xDCFF, 0xDCC3, u'(', u'b'};
    EXPECT_EQ(convert(text), "a\xff\xc3(b");
}

TEST(Utf16, OtherLoneSurrogatesBecomeReplacementCharacter)
{
    const std::string fffd = "\xef\xbf\xbd";
    EXPECT_EQ(convert(std::u16string{u'a', 0xD800}), "a" + fffd); // high at the end (truncated pair)
    EXPECT_EQ(convert(std::u16string{0xD83D, u'b'}), fffd + "b"); // high followed by a non-surrogate
    EXPECT_EQ(convert(std::u16string{0xDC00}), fffd);             // low below the escape range
    EXPECT_EQ(convert(std::u16string{0xDE00}), fffd);             // low above the escape range
    EXPECT_EQ(convert(std::u16string{0xD800, 0xD800, 0xDC00}), fffd + "\xf0\x90\x80\x80");
}

TEST(Utf16, OddTrailingByteBecomesReplacementCharacter)
{
    auto bytes = utf16le_bytes(u"ab");
    bytes.push_back(std::byte{'c'});
    std::string out;
    utf16le_to_utf8(bytes, out);
    EXPECT_EQ(out, "ab\xef\xbf\xbd");
}

TEST(Utf16, AsciiAndMultibyte)
{
    EXPECT_EQ(utf8_to_utf16("root", 64), u"root");
    EXPECT_EQ(utf8_to_utf16("j\xc3\xb6rg", 64), u"j\u00f6rg");
    EXPECT_EQ(utf8_to_utf16("\xf0\x9f\x98\x80x", 64), u"\U0001F600x");
    EXPECT_EQ(utf8_to_utf16("a\xffz", 64), u"a\uFFFDz");
}

TEST(Utf16, CapNeverSplitsASurrogatePair)
{
    EXPECT_EQ(utf8_to_utf16("abcdef", 4), u"abcd");
    EXPECT_EQ(utf8_to_utf16("abc\xf0\x9f\x98\x80", 4), u"abc");
    EXPECT_EQ(utf8_to_utf16(std::string(100, 'u'), 64).size(), 64u);
}

} // namespace
} // namespace winbpf
