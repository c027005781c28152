// SPDX-License-Identifier: MIT
#include "common/format.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace winbpf::monitor
{
namespace
{

std::string escape(std::string_view text)
{
    std::string out = "<";
    append_terminal_escaped(text, out);
    return out;
}

TEST(TerminalEscape, PrintableTextUnchanged)
{
    EXPECT_EQ(escape("/usr/bin/ls -la ~/\"x y\""), "</usr/bin/ls -la ~/\"x y\"");
    EXPECT_EQ(escape("caf\xc3\xa9 \xf0\x9f\x98\x80"), "<caf\xc3\xa9 \xf0\x9f\x98\x80");
}

TEST(TerminalEscape, Backslash)
{
    EXPECT_EQ(escape("a\\x1b"), "<a\\\\x1b");
}

TEST(TerminalEscape, C0ControlsAndDel)
{
    EXPECT_EQ(escape("\x1b[2J\x07"), "<\\x1b[2J\\x07");
    EXPECT_EQ(escape(std::string_view("a\0b", 3)), "<a\\x00b");
    EXPECT_EQ(escape("\t\n\r"), "<\\t\\n\\r");
    EXPECT_EQ(escape("\x7f"), "<\\x7f");
    EXPECT_EQ(escape("\x1f"), "<\\x1f");
}

TEST(TerminalEscape, C1Controls)
{
    EXPECT_EQ(escape("\xc2\x9b"
                     "31m"),
              "<\\u009b31m"); // CSI
    EXPECT_EQ(escape("\xc2\x80\xc2\x9f\xc2\xa0"), "<\\u0080\\u009f\xc2\xa0");
}

TEST(TerminalEscape, InvalidUtf8Bytes)
{
    EXPECT_EQ(escape("a\xff"
                     "b"),
              "<a\\xffb");
    EXPECT_EQ(escape("\x9b"), "<\\x9b");                            // raw 8-bit CSI
    EXPECT_EQ(escape("\xc3("), "<\\xc3(");                          // bad continuation
    EXPECT_EQ(escape("\xe2\x82"), "<\\xe2\\x82");                   // truncated
    EXPECT_EQ(escape("\xc0\xaf"), "<\\xc0\\xaf");                   // overlong
    EXPECT_EQ(escape("\xed\xa0\x80"), "<\\xed\\xa0\\x80");          // encoded surrogate
    EXPECT_EQ(escape("\xf4\x90\x80\x80"), "<\\xf4\\x90\\x80\\x80"); // beyond U+10FFFF
}

TEST(TerminalEscape, OutputHasNoControlBytes)
{
    std::string all;
    for (int c = 0; c < 256; ++c)
        all += static_cast<char>(c);
    std::string out;
    append_terminal_escaped(all, out);
    for (unsigned char c : out)
        EXPECT_TRUE(c >= 0x20 && c < 0x7F) << static_cast<int>(c); // every byte >= 0x80 is invalid alone
}

TEST(QuotedField, QuotesAndBackslashesAreEscapedInside)
{
    std::string out;
    append_quoted("a\"b\\c\n", out);
    EXPECT_EQ(out, R"("a\"b\\c\n")");
    out.clear();
    append_quoted("", out);
    EXPECT_EQ(out, "\"\"");
    // Outside quotes (append_terminal_escaped) a quote stays as it is.
    out.clear();
    append_terminal_escaped("a\"b", out);
    EXPECT_EQ(out, "a\"b");
}

TEST(Utf8Validity, WellFormedAndNot)
{
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ascii \x01"));
    EXPECT_TRUE(is_valid_utf8("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    EXPECT_FALSE(is_valid_utf8("\xff"));
    EXPECT_FALSE(is_valid_utf8("\xc3"));             // cut
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));         // overlong
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));     // surrogate
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80")); // beyond U+10FFFF
}

TEST(Base64, Rfc4648Vectors)
{
    const std::pair<const char *, const char *> vectors[] = {{"", ""},
                                                             {"f", "Zg=="},
                                                             {"fo", "Zm8="},
                                                             {"foo", "Zm9v"},
                                                             {"foob", "Zm9vYg=="},
                                                             {"fooba", "Zm9vYmE="},
                                                             {"foobar", "Zm9vYmFy"}};
    for (const auto &[in, expected] : vectors) {
        std::string out;
        append_base64(in, out);
        EXPECT_EQ(out, expected) << in;
    }
    std::string out;
    append_base64(std::string_view("\xff\xfe\x00", 3), out);
    EXPECT_EQ(out, "//4A");
}

// The direct JSON writer gives exactly nlohmann's bytes (dump with error_handler_t::replace), invalid UTF-8 included.
TEST(JsonString, SameBytesAsNlohmann)
{
    std::string every_byte;
    for (int c = 0; c < 256; ++c)
        every_byte += static_cast<char>(c);
    const std::vector<std::string> texts{"",
                                         "plain",
                                         "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f",
                                         "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\x9b",
                                         "\xff\xfe",
                                         "\xc3(",
                                         "\xe2\x82",
                                         "\xe2\x82"
                                         "A",
                                         "\xc0\xaf",
                                         "\xed\xa0\x80",
                                         "\xf4\x90\x80\x80",
                                         "\xf0\x9f\x98",
                                         every_byte};
    for (const std::string &text : texts) {
        std::string mine;
        append_json_string(text, mine);
        EXPECT_EQ(mine, nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) << text;
    }
}

// The field writers give nlohmann's bytes for an object of the same fields: numbers (0 to UINT64_MAX), null, bools,
// strings (with <key>_bytes after one that is not valid UTF-8) and a FILETIME, first field without a comma.
TEST(JsonFields, SameBytesAsNlohmann)
{
    std::string mine = "{";
    append_json_number_field("zero", 0, mine, true);
    append_json_number_field("max", UINT64_MAX, mine);
    append_json_null_field("none", mine);
    append_json_bool_field("yes", true, mine);
    append_json_bool_field("no", false, mine);
    append_json_string_field("text", "a\"b\n", mine);
    append_json_string_field("bytes", "x\xff", mine);
    append_json_key("array", mine);
    mine += "[]";
    FiletimeFormatter times;
    times.append_json_field("time", filetime_unix_epoch + 10'000'000 + 1'234, mine);
    mine += '}';

    nlohmann::ordered_json line = nlohmann::ordered_json::object();
    line["zero"] = 0u;
    line["max"] = UINT64_MAX;
    line["none"] = nullptr;
    line["yes"] = true;
    line["no"] = false;
    line["text"] = "a\"b\n";
    line["bytes"] = "x\xff";
    line["bytes_bytes"] = "eP8=";
    line["array"] = nlohmann::ordered_json::array();
    line["time"] = "1970-01-01T00:00:01.000123Z";
    EXPECT_EQ(mine, line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));

    std::string first;
    append_json_null_field("k", first, true);
    EXPECT_EQ(first, R"("k":null)");
}

} // namespace
} // namespace winbpf::monitor
