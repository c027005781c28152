// SPDX-License-Identifier: MIT
#include "common/format.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <charconv>
#include <cstring>
#include <ctime>

namespace winbpf::monitor
{
namespace
{

constexpr char hex_digits[] = "0123456789abcdef";

struct CivilDate {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's civil_from_days).
CivilDate civil_from_days(std::int64_t z) noexcept
{
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned day = doy - (153 * mp + 2) / 5 + 1;
    const unsigned month = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
    return {year, month, day};
}

/// Writes value as exactly `width` decimal digits (value < 10^width).
char *put_digits(char *p, unsigned value, int width) noexcept
{
    for (int k = width - 1; k >= 0; --k) {
        p[k] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return p + width;
}

/// Writes "YYYY-MM-DDTHH:MM:SS" of a second counted from 1601-01-01 (more year digits beyond 9999); returns the end.
char *put_date_time(char *p, std::uint64_t seconds) noexcept
{
    // 1601-01-01 is 134774 days before 1970-01-01.
    constexpr std::int64_t days_1601_to_1970 = 134774;
    const auto days = static_cast<std::int64_t>(seconds / 86400);
    const auto second_of_day = static_cast<unsigned>(seconds % 86400);
    const CivilDate date = civil_from_days(days - days_1601_to_1970);
    if (date.year >= 0 && date.year <= 9999)
        p = put_digits(p, static_cast<unsigned>(date.year), 4);
    else
        p = std::to_chars(p, p + 20, date.year).ptr;
    *p++ = '-';
    p = put_digits(p, date.month, 2);
    *p++ = '-';
    p = put_digits(p, date.day, 2);
    *p++ = 'T';
    p = put_digits(p, second_of_day / 3600, 2);
    *p++ = ':';
    p = put_digits(p, second_of_day / 60 % 60, 2);
    *p++ = ':';
    return put_digits(p, second_of_day % 60, 2);
}

/// Writes ".ffffffZ" (microseconds); returns the end.
char *put_fraction(char *p, unsigned micros) noexcept
{
    *p++ = '.';
    p = put_digits(p, micros, 6);
    *p++ = 'Z';
    return p;
}

} // namespace

const char *ip_protocol_name(std::uint8_t protocol) noexcept
{
    switch (protocol) {
    case IPPROTO_TCP:
        return "tcp";
    case IPPROTO_UDP:
        return "udp";
    }
    return nullptr;
}

namespace
{

/// Writes an IPv4 address (4 bytes, network order) as inet_ntop does ("127.0.0.1"); returns the end.
char *put_ipv4(char *p, const std::uint8_t *address) noexcept
{
    for (int i = 0; i < 4; ++i) {
        if (i != 0)
            *p++ = '.';
        const unsigned byte = address[i];
        if (byte >= 100)
            *p++ = static_cast<char>('0' + byte / 100);
        if (byte >= 10)
            *p++ = static_cast<char>('0' + byte / 10 % 10);
        *p++ = static_cast<char>('0' + byte % 10);
    }
    return p;
}

/// Writes a 16-bit group in lowercase hex without leading zeros ("0", "db8"); returns the end.
char *put_hex_group(char *p, unsigned group) noexcept
{
    int shift = 12;
    while (shift > 0 && (group >> shift) == 0)
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        *p++ = hex_digits[(group >> shift) & 0xF];
    return p;
}

/// Writes an IPv6 address (16 bytes, network order) exactly as glibc's inet_ntop does: the first longest run of two
/// or more zero groups as "::", and the last 32 bits as IPv4 after exactly 6 zero groups ("::127.0.0.1"; "::1" has 7)
/// or 5 and ffff ("::ffff:127.0.0.1"); returns the end.
char *put_ipv6(char *p, const std::uint8_t *address) noexcept
{
    unsigned groups[8];
    for (int i = 0; i < 8; ++i)
        groups[i] = (static_cast<unsigned>(address[2 * i]) << 8) | address[2 * i + 1];
    int best_base = -1, best_length = 0;
    for (int i = 0; i < 8;) {
        if (groups[i] != 0) {
            ++i;
            continue;
        }
        int end = i;
        while (end < 8 && groups[end] == 0)
            ++end;
        if (end - i > best_length) {
            best_base = i;
            best_length = end - i;
        }
        i = end;
    }
    if (best_length < 2)
        best_base = -1;
    for (int i = 0; i < 8; ++i) {
        if (best_base != -1 && i >= best_base && i < best_base + best_length) {
            if (i == best_base)
                *p++ = ':';
            continue;
        }
        if (i != 0)
            *p++ = ':';
        if (i == 6 && best_base == 0 && (best_length == 6 || (best_length == 5 && groups[5] == 0xffff)))
            return put_ipv4(p, address + 12);
        p = put_hex_group(p, groups[i]);
    }
    if (best_base != -1 && best_base + best_length == 8)
        *p++ = ':';
    return p;
}

} // namespace

static_assert(ip_address_max == INET6_ADDRSTRLEN);

char *put_ip_address(char *p, unsigned family, const std::uint8_t *address) noexcept
{
    // By hand: glibc's inet_ntop formats each number with sprintf, a fifth of bind_monitor's user CPU.
    return family == 6 ? put_ipv6(p, address) : put_ipv4(p, address);
}

void append_ip_address(unsigned family, const std::uint8_t *address, std::string &out)
{
    char text[ip_address_max];
    out.append(text, static_cast<std::size_t>(put_ip_address(text, family, address) - text));
}

void append_ip_endpoint(unsigned family, const std::uint8_t *address, std::optional<std::uint16_t> port,
                        std::string &out)
{
    if (family == 6)
        out += '[';
    append_ip_address(family, address, out);
    if (family == 6)
        out += ']';
    out += ':';
    if (port)
        append_decimal(*port, out);
    else
        out += '?';
}

void append_decimal(std::uint64_t value, std::string &out)
{
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    out.append(buffer, static_cast<std::size_t>(result.ptr - buffer));
}

namespace
{

std::int64_t clock_ns(clockid_t clock) noexcept
{
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

} // namespace

std::int64_t realtime_minus_boottime_ns() noexcept
{
    const std::int64_t boot_before = clock_ns(CLOCK_BOOTTIME);
    const std::int64_t realtime = clock_ns(CLOCK_REALTIME);
    const std::int64_t boot_after = clock_ns(CLOCK_BOOTTIME);
    return realtime - (boot_before + (boot_after - boot_before) / 2);
}

std::uint64_t boottime_ns_to_filetime(std::uint64_t boottime_ns, std::int64_t realtime_minus_boottime_ns) noexcept
{
    // In 100 ns ticks throughout, so no sum overflows: boottime_ns / 100 < 2^58.
    const std::int64_t ticks = static_cast<std::int64_t>(boottime_ns / 100) + realtime_minus_boottime_ns / 100 +
                               static_cast<std::int64_t>(filetime_unix_epoch);
    return ticks < 0 ? 0 : static_cast<std::uint64_t>(ticks);
}

void append_filetime_iso8601(std::uint64_t filetime, std::string &out)
{
    const std::uint64_t micros = filetime / 10;
    char buffer[48];
    char *p = put_date_time(buffer, micros / 1000000);
    p = put_fraction(p, static_cast<unsigned>(micros % 1000000));
    out.append(buffer, static_cast<std::size_t>(p - buffer));
}

char *FiletimeFormatter::put(char *p, std::uint64_t filetime) noexcept
{
    static_assert(max_text >= sizeof(date_time_) + 8); // the date and time, ".ffffffZ"
    const std::uint64_t micros = filetime / 10;
    const std::uint64_t second = micros / 1000000;
    if (second != second_) {
        second_ = second;
        date_time_size_ = static_cast<std::size_t>(put_date_time(date_time_, second) - date_time_);
    }
    std::memcpy(p, date_time_, date_time_size_);
    return put_fraction(p + date_time_size_, static_cast<unsigned>(micros % 1000000));
}

void FiletimeFormatter::append(std::uint64_t filetime, std::string &out)
{
    char text[max_text];
    out.append(text, static_cast<std::size_t>(put(text, filetime) - text));
}

char *FiletimeFormatter::put_quoted(char *p, std::uint64_t filetime) noexcept
{
    *p++ = '"';
    p = put(p, filetime);
    *p++ = '"';
    return p;
}

void FiletimeFormatter::append_json_field(std::string_view key, std::uint64_t filetime, std::string &out, bool first)
{
    append_json_key(key, out, first);
    // "<time>" in one append.
    char text[max_text + 2];
    out.append(text, static_cast<std::size_t>(put_quoted(text, filetime) - text));
}

std::string filetime_to_iso8601(std::uint64_t filetime)
{
    std::string text;
    append_filetime_iso8601(filetime, text);
    return text;
}

// SID text

bool append_sid_text(std::span<const std::uint8_t> sid, std::string &out)
{
    constexpr std::size_t header = 8;
    if (sid.size() < header || sid[0] != 1 || sid[1] > 15 || sid.size() != header + 4u * sid[1])
        return false;
    std::uint64_t authority = 0;
    for (std::size_t i = 2; i < 8; ++i)
        authority = (authority << 8) | sid[i];

    char buffer[8 + 20 + 15 * 11];
    char *p = buffer;
    char *const end = buffer + sizeof(buffer);
    *p++ = 'S';
    *p++ = '-';
    p = std::to_chars(p, end, sid[0]).ptr;
    *p++ = '-';
    if (authority >= (1ULL << 32)) {
        *p++ = '0';
        *p++ = 'x';
        for (std::size_t i = 2; i < 8; ++i) {
            *p++ = hex_digits[sid[i] >> 4];
            *p++ = hex_digits[sid[i] & 0xF];
        }
    } else {
        p = std::to_chars(p, end, authority).ptr;
    }
    for (std::size_t k = 0; k < sid[1]; ++k) {
        const std::uint8_t *s = sid.data() + header + 4 * k;
        const std::uint32_t sub = s[0] | (s[1] << 8) | (s[2] << 16) | (static_cast<std::uint32_t>(s[3]) << 24);
        *p++ = '-';
        p = std::to_chars(p, end, sub).ptr;
    }
    out.append(buffer, static_cast<std::size_t>(p - buffer));
    return true;
}

std::string sid_to_text(std::span<const std::uint8_t> sid)
{
    std::string text;
    append_sid_text(sid, text);
    return text;
}

// Terminal escaping

namespace
{

/// The UTF-8 sequence starting at text[i] (text[i] >= 0x80).
struct Utf8Sequence {
    std::size_t length; ///< Bytes of the sequence when valid; else of its maximal invalid subpart (>= 1).
    bool valid;         ///< A well-formed sequence (no overlong form, surrogate or value above U+10FFFF).
};

/// Classifies the sequence at text[i]. For an invalid one, length is the longest prefix of a well-formed
/// sequence (Unicode's "maximal subpart"; at least 1): the bytes one U+FFFD replaces.
Utf8Sequence utf8_sequence_at(std::string_view text, std::size_t i) noexcept
{
    const auto b0 = static_cast<unsigned char>(text[i]);
    std::size_t need;                      // continuation bytes after b0
    unsigned char low = 0x80, high = 0xBF; // allowed range of the first continuation byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        if (b0 == 0xE0)
            low = 0xA0; // overlong
        else if (b0 == 0xED)
            high = 0x9F; // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        if (b0 == 0xF0)
            low = 0x90; // overlong
        else if (b0 == 0xF4)
            high = 0x8F; // above U+10FFFF
    } else {
        return {1, false};
    }
    std::size_t length = 1;
    for (std::size_t k = 1; k <= need; ++k, ++length) {
        if (i + k >= text.size())
            return {length, false};
        const auto b = static_cast<unsigned char>(text[i + k]);
        if (b < (k == 1 ? low : 0x80) || b > (k == 1 ? high : 0xBF))
            return {length, false};
    }
    return {length, true};
}

/// Bytes copied as they are: printable ASCII other than backslash.
constexpr std::array<bool, 256> plain = [] {
    std::array<bool, 256> table{};
    for (int c = 0x20; c < 0x7F; ++c)
        table[c] = c != '\\';
    return table;
}();

void append_hex_byte(std::string &out, const char *prefix, unsigned char byte)
{
    out += prefix;
    out += hex_digits[byte >> 4];
    out += hex_digits[byte & 0xF];
}

/// Bytes copied as they are inside a quoted field: printable ASCII other than backslash and '"'.
constexpr std::array<bool, 256> plain_in_quotes = [] {
    std::array<bool, 256> table = plain;
    table['"'] = false;
    return table;
}();

/// append_terminal_escaped with the given table of plain bytes; a '"' that is not plain becomes "\"".
void append_escaped(std::string_view text, std::string &out, const std::array<bool, 256> &copied)
{
    std::size_t i = 0;
    while (i < text.size()) {
        // Copy the longest run of plain bytes in one go.
        std::size_t run = i;
        while (run < text.size() && copied[static_cast<unsigned char>(text[run])])
            ++run;
        out.append(text.data() + i, run - i);
        i = run;
        if (i == text.size())
            break;

        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\\') {
            out += "\\\\";
            ++i;
        } else if (c == '"') {
            out += "\\\"";
            ++i;
        } else if (c == '\t') {
            out += "\\t";
            ++i;
        } else if (c == '\n') {
            out += "\\n";
            ++i;
        } else if (c == '\r') {
            out += "\\r";
            ++i;
        } else if (c < 0x80) { // other C0 control or DEL
            append_hex_byte(out, "\\x", c);
            ++i;
        } else if (const Utf8Sequence seq = utf8_sequence_at(text, i); !seq.valid) {
            append_hex_byte(out, "\\x", c); // byte by byte: each shows as itself
            ++i;
        } else if (seq.length == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) { // C1
            append_hex_byte(out, "\\u00", static_cast<unsigned char>(text[i + 1]));
            i += 2;
        } else {
            out.append(text.data() + i, seq.length);
            i += seq.length;
        }
    }
}

} // namespace

void append_terminal_escaped(std::string_view text, std::string &out)
{
    append_escaped(text, out, plain);
}

void append_quoted(std::string_view text, std::string &out)
{
    out += '"';
    append_escaped(text, out, plain_in_quotes);
    out += '"';
}

bool is_valid_utf8(std::string_view text) noexcept
{
    std::size_t i = 0;
    while (i < text.size()) {
        if (static_cast<unsigned char>(text[i]) < 0x80) {
            ++i;
            continue;
        }
        const Utf8Sequence seq = utf8_sequence_at(text, i);
        if (!seq.valid)
            return false;
        i += seq.length;
    }
    return true;
}

void append_base64(std::string_view bytes, std::string &out)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::size_t i = 0;
    const auto at = [&bytes](std::size_t k) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
    };
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
        out += alphabet[v >> 18];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    const std::size_t left = bytes.size() - i;
    if (left == 0)
        return;
    const std::uint32_t v = (at(i) << 16) | (left == 2 ? at(i + 1) << 8 : 0);
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += left == 2 ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
}

namespace
{

/// append_json_string; returns whether text was valid UTF-8 (found while escaping it: no second pass).
bool append_json_string_checked(std::string_view text, std::string &out)
{
    out += '"';
    bool valid = true;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t run = i;
        while (run < text.size()) {
            const auto c = static_cast<unsigned char>(text[run]);
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
                break;
            ++run;
        }
        out.append(text.data() + i, run - i);
        i = run;
        if (i == text.size())
            break;
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            const Utf8Sequence seq = utf8_sequence_at(text, i);
            if (seq.valid) {
                out.append(text.data() + i, seq.length);
            } else {
                out += "\xef\xbf\xbd"; // U+FFFD for the maximal invalid subpart
                valid = false;
            }
            i += seq.length;
            continue;
        }
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            append_hex_byte(out, "\\u00", c);
        }
        ++i;
    }
    out += '"';
    return valid;
}

/// Longest key the helpers below copy through a stack buffer (the monitors' keys are a few bytes).
constexpr std::size_t short_key = 48;

} // namespace

void append_json_string(std::string_view text, std::string &out)
{
    append_json_string_checked(text, out);
}

void append_json_key(std::string_view key, std::string &out, bool first)
{
    // One append of ,"key": (the four appends it was cost more than the copy).
    if (key.size() > short_key) {
        if (!first)
            out += ',';
        out += '"';
        out += key;
        out += "\":";
        return;
    }
    char buffer[short_key + 4];
    out.append(buffer, static_cast<std::size_t>(put_json_key(buffer, key, first) - buffer));
}

void append_json_string_field(std::string_view key, std::string_view text, std::string &out, bool first)
{
    append_json_key(key, out, first);
    if (!append_json_string_checked(text, out)) {
        out += ",\"";
        out += key;
        out += "_bytes\":\"";
        append_base64(text, out);
        out += '"';
    }
}

void append_json_number_field(std::string_view key, std::uint64_t value, std::string &out, bool first)
{
    if (key.size() > short_key) {
        append_json_key(key, out, first);
        append_decimal(value, out);
        return;
    }
    // ,"key":<digits> in one append.
    char buffer[short_key + 24];
    out.append(buffer, static_cast<std::size_t>(put_json_number_field(buffer, key, value, first) - buffer));
}

void append_json_null_field(std::string_view key, std::string &out, bool first)
{
    append_json_key(key, out, first);
    out += "null";
}

void append_json_bool_field(std::string_view key, bool value, std::string &out, bool first)
{
    append_json_key(key, out, first);
    out += value ? "true" : "false";
}

} // namespace winbpf::monitor
