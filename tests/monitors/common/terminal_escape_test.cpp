// SPDX-License-Identifier: MIT
#include "common/format.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstring>
#include <iterator>
#include <random>

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

/// inet_ntop's text of address (family 4: 4 bytes, 6: 16 bytes): what append_ip_address must give.
std::string inet_ntop_text(unsigned family, const std::uint8_t *address)
{
    char text[INET6_ADDRSTRLEN];
    EXPECT_NE(inet_ntop(family == 6 ? AF_INET6 : AF_INET, address, text, sizeof(text)), nullptr);
    return text;
}

std::string address_text(unsigned family, const std::uint8_t *address)
{
    std::string out = "<";
    append_ip_address(family, address, out);
    return out.substr(1);
}

TEST(IpAddress, Ipv4AsInetNtop)
{
    EXPECT_EQ(address_text(4, std::array<std::uint8_t, 4>{127, 0, 0, 1}.data()), "127.0.0.1");
    std::mt19937 random(4);
    for (int i = 0; i < 100000; ++i) {
        const std::uint32_t value = random();
        std::uint8_t address[4];
        std::memcpy(address, &value, sizeof(address));
        ASSERT_EQ(address_text(4, address), inet_ntop_text(4, address));
    }
    for (unsigned byte = 0; byte < 256; ++byte) { // every byte value at every position
        for (int at = 0; at < 4; ++at) {
            std::uint8_t address[4] = {1, 10, 100, 255};
            address[at] = static_cast<std::uint8_t>(byte);
            ASSERT_EQ(address_text(4, address), inet_ntop_text(4, address));
        }
    }
}

TEST(IpAddress, Ipv6AsInetNtop)
{
    std::uint8_t loopback[16] = {};
    loopback[15] = 1;
    EXPECT_EQ(address_text(6, loopback), "::1");
    const std::uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
    EXPECT_EQ(address_text(6, mapped), "::ffff:127.0.0.1");
    // Every pattern of zero and non-zero groups (the "::" choice), with group values of every hex length, and the
    // IPv4 forms (groups 5 and 6 as ffff or 0).
    std::mt19937 random(6);
    const unsigned values[] = {0x1, 0xf, 0x10, 0xab, 0x100, 0xdb8, 0x1000, 0xffff};
    for (unsigned zeros = 0; zeros < 256; ++zeros) {
        for (int round = 0; round < 64; ++round) {
            std::uint8_t address[16];
            for (int group = 0; group < 8; ++group) {
                unsigned value = (zeros >> group) & 1 ? 0 : values[random() % std::size(values)];
                if (round % 4 == 1 && group == 5 && value != 0)
                    value = 0xffff;
                address[2 * group] = static_cast<std::uint8_t>(value >> 8);
                address[2 * group + 1] = static_cast<std::uint8_t>(value);
            }
            ASSERT_EQ(address_text(6, address), inet_ntop_text(6, address));
        }
    }
    for (int i = 0; i < 100000; ++i) {
        std::uint8_t address[16];
        for (std::uint8_t &byte : address)
            byte = static_cast<std::uint8_t>(random() % 4 == 0 ? random() : 0);
        ASSERT_EQ(address_text(6, address), inet_ntop_text(6, address));
    }
}

} // namespace
} // namespace winbpf::monitor
