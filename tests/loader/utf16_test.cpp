// SPDX-License-Identifier: MIT
#include "support/encoding.hpp"
#include "winbpf/utf16.hpp"

#include <gtest/gtest.h>

#include <utility>
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

TEST(Utf16, AsciiOfEveryLengthAroundTheEightUnitSteps)
{
    for (std::size_t length = 0; length <= 40; ++length) {
        std::u16string text;
        std::string expected;
        for (std::size_t i = 0; i < length; ++i) {
            text.push_back(static_cast<char16_t>(0x20 + (i * 7) % 0x5F));
            expected.push_back(static_cast<char>(0x20 + (i * 7) % 0x5F));
        }
        EXPECT_EQ(convert(text), expected) << "length " << length;
    }
}

TEST(Utf16, FirstNonAsciiUnitAnywhereAfterAnAsciiPrefix)
{
    // Units whose low byte alone looks ASCII (U+0141, U+7F41) and ones just past ASCII (U+0080), at every position
    // of the 8-unit steps and of the tail: the converter goes on from there with the prefix kept.
    const std::pair<char16_t, std::string> cases[] = {
        {u'\u0141', "\xc5\x81"}, {u'\u7f41', "\xe7\xbd\x81"}, {u'\u0080', "\xc2\x80"}, {u'\u00ff', "\xc3\xbf"}};
    for (const auto &[unit, utf8] : cases) {
        for (std::size_t prefix = 0; prefix <= 20; ++prefix) {
            std::u16string text(prefix, u'a');
            text.push_back(unit);
            text += u"/tail";
            EXPECT_EQ(convert(text), std::string(prefix, 'a') + utf8 + "/tail")
                << "unit " << static_cast<unsigned>(unit) << " after " << prefix;
        }
    }
}

TEST(Utf16, ReusedOutputKeepsNothingOfALongerString)
{
    std::string out(1000, 'x');
    utf16le_to_utf8(utf16le_bytes(u"/usr/bin/true"), out);
    EXPECT_EQ(out, "/usr/bin/true");
    utf16le_to_utf8(utf16le_bytes(u"\u20ac"), out);
    EXPECT_EQ(out, "\xe2\x82\xac");
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
