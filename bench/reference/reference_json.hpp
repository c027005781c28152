// SPDX-License-Identifier: MIT
// The reference tools' JSON lines, hand-written (not the monitors' formatter): the same objects, keys and values as
// the monitor each tool stands beside writes with --json (its own code, so its user CPU is what a plain libbpf tool
// pays for the same output). One line is '{', fields, "}\n"; keys are plain ASCII names.
#pragma once

#include <arpa/inet.h>

#include <charconv>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace reference::json
{

/// Appends value in decimal.
inline void number(std::uint64_t value, std::string &out)
{
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, static_cast<std::size_t>(end - digits));
}

/// Appends ,"key": ({"key": when first).
inline void key(std::string_view name, std::string &out, bool first = false)
{
    out += first ? "{\"" : ",\"";
    out += name;
    out += "\":";
}

/// Appends text as a JSON string: '"' and '\\' escaped, \b \f \n \r \t, other control characters as \u00XX; other
/// bytes copied as they are (the monitors also replace invalid UTF-8, which the bench's names never hold).
inline void string(std::string_view text, std::string &out)
{
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && c != '"' && c != '\\') {
            out += c;
            continue;
        }
        out += '\\';
        switch (c) {
        case '"':
            out += '"';
            break;
        case '\\':
            out += '\\';
            break;
        case '\b':
            out += 'b';
            break;
        case '\f':
            out += 'f';
            break;
        case '\n':
            out += 'n';
            break;
        case '\r':
            out += 'r';
            break;
        case '\t':
            out += 't';
            break;
        default:
            out += "u00";
            out += hex[u >> 4];
            out += hex[u & 0xF];
        }
    }
    out += '"';
}

/// Appends ,"key":<value> / ,"key":"<text>" / ,"key":null.
inline void number_field(std::string_view name, std::uint64_t value, std::string &out)
{
    key(name, out);
    number(value, out);
}
inline void string_field(std::string_view name, std::string_view text, std::string &out)
{
    key(name, out);
    string(text, out);
}
inline void null_field(std::string_view name, std::string &out)
{
    key(name, out);
    out += "null";
}

/// Appends the text form of an IPv4 (family 4: 4 bytes) or IPv6 (16 bytes) address in network order, quoted.
inline void address(int family, const void *bytes, std::string &out)
{
    char text[INET6_ADDRSTRLEN];
    out += '"';
    if (inet_ntop(family == 6 ? AF_INET6 : AF_INET, bytes, text, sizeof text))
        out += text;
    out += '"';
}

/// Appends bytes as lowercase hex digits, quoted.
inline void hex(const std::uint8_t *bytes, std::size_t size, std::string &out)
{
    static constexpr char digits[] = "0123456789abcdef";
    out += '"';
    for (std::size_t i = 0; i < size; ++i) {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 0xF];
    }
    out += '"';
}

/// CLOCK_BOOTTIME nanoseconds as "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" (UTC, microseconds), what the monitors' timestamps
/// read; the date and time of day are formatted once per second.
class BoottimeClock
{
  public:
    BoottimeClock()
    {
        timespec boot{}, real{};
        clock_gettime(CLOCK_BOOTTIME, &boot);
        clock_gettime(CLOCK_REALTIME, &real);
        offset_ns_ = (real.tv_sec - boot.tv_sec) * 1'000'000'000LL + (real.tv_nsec - boot.tv_nsec);
    }

    /// Appends ,"key":"<time>" for boottime_ns.
    void field(std::string_view name, std::uint64_t boottime_ns, std::string &out)
    {
        const auto real_ns = static_cast<std::uint64_t>(static_cast<std::int64_t>(boottime_ns) + offset_ns_);
        const std::uint64_t second = real_ns / 1'000'000'000;
        if (second != second_) {
            const auto t = static_cast<std::time_t>(second);
            std::tm tm{};
            gmtime_r(&t, &tm);
            date_size_ = std::strftime(date_, sizeof date_, "%Y-%m-%dT%H:%M:%S", &tm);
            second_ = second;
        }
        key(name, out);
        out += '"';
        out.append(date_, date_size_);
        char micros[8];
        const unsigned us = static_cast<unsigned>(real_ns % 1'000'000'000 / 1000);
        micros[0] = '.';
        for (int i = 6, v = static_cast<int>(us); i >= 1; --i, v /= 10)
            micros[i] = static_cast<char>('0' + v % 10);
        out.append(micros, 7);
        out += "Z\"";
    }

  private:
    std::int64_t offset_ns_ = 0;
    std::uint64_t second_ = UINT64_MAX;
    char date_[32] = {};
    std::size_t date_size_ = 0;
};

} // namespace reference::json
