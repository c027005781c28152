// SPDX-License-Identifier: MIT
// Text of monitor output lines: FILETIME and SID as text, terminal escaping of untrusted strings, JSON lines.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace winbpf::monitor
{

/// Output format of a monitor: human-readable lines or one JSON object per line.
enum class OutputFormat { human, json };

/// Appends value in decimal.
void append_decimal(std::uint64_t value, std::string &out);

/// "tcp" (6), "udp" (17), or nullptr for another IP protocol number.
const char *ip_protocol_name(std::uint8_t protocol) noexcept;

/// Room put_ip_address needs: the longest IPv6 text (INET6_ADDRSTRLEN).
inline constexpr std::size_t ip_address_max = 46;

/// Writes the text form of an address as append_ip_address appends it at p (room for ip_address_max bytes); returns
/// the end.
char *put_ip_address(char *p, unsigned family, const std::uint8_t *address) noexcept;

/// Appends the text form ("127.0.0.1", "::1") of an IPv4 (family 4: 4 bytes at address) or IPv6 (family 6: 16
/// bytes) address in network order.
void append_ip_address(unsigned family, const std::uint8_t *address, std::string &out);

/// Appends an address and port as every tool writes them: "127.0.0.1:80", IPv6 in brackets "[::1]:80"; an unknown
/// port as "?" ("[::1]:?").
void append_ip_endpoint(unsigned family, const std::uint8_t *address, std::optional<std::uint16_t> port,
                        std::string &out);

// FILETIME: 100 ns ticks since 1601-01-01 UTC.

/// FILETIME of the Unix epoch, 1970-01-01T00:00:00Z.
inline constexpr std::uint64_t filetime_unix_epoch = 116444736000000000ULL;

/// Appends filetime as ISO-8601 UTC with microseconds, e.g. "2026-11-21T22:11:10.123456Z" (sub-microsecond ticks
/// are truncated). Every 64-bit value is representable (years beyond 9999 get more digits).
void append_filetime_iso8601(std::uint64_t filetime, std::string &out);

/// The same as a new string.
std::string filetime_to_iso8601(std::uint64_t filetime);

/// append_filetime_iso8601 that keeps the text of the last second it formatted: the events of a busy system come
/// many per second, and most of the cost is the date and time of day.
class FiletimeFormatter
{
  public:
    /// Appends exactly what append_filetime_iso8601(filetime, out) appends.
    void append(std::uint64_t filetime, std::string &out);

    /// Appends ,"key":"<the same text>" (a JSON string field; no comma when first).
    void append_json_field(std::string_view key, std::uint64_t filetime, std::string &out, bool first = false);

    /// Room put needs: the longest text (a 20-digit year).
    static constexpr std::size_t max_text = 48;
    /// Writes the text append appends at p (room for max_text bytes); returns its end.
    char *put(char *p, std::uint64_t filetime) noexcept;
    /// Writes the text in double quotes, a JSON string, at p (room for max_text + 2 bytes); returns its end.
    char *put_quoted(char *p, std::uint64_t filetime) noexcept;

  private:
    std::uint64_t second_ = UINT64_MAX; ///< Second (FILETIME / 10^7) of date_time_; no FILETIME has this one.
    char date_time_[40] = {};           ///< "YYYY-MM-DDTHH:MM:SS" of second_.
    std::size_t date_time_size_ = 0;
};

/// CLOCK_REALTIME - CLOCK_BOOTTIME in ns, read now (the boottime reading is taken on both sides of the realtime
/// one and averaged). Records stamped with bpf_ktime_get_boot_ns() become wall-clock times with it.
std::int64_t realtime_minus_boottime_ns() noexcept;

/// FILETIME of a CLOCK_BOOTTIME reading in ns, given realtime_minus_boottime_ns() (100 ns resolution; times before
/// 1601 become 0).
std::uint64_t boottime_ns_to_filetime(std::uint64_t boottime_ns, std::int64_t realtime_minus_boottime_ns) noexcept;

/// Appends the text form of a binary SID ("S-1-22-1-1000"): revision, sub-authority count, 6-byte big-endian
/// identifier authority (as 12 hex digits 0x... when >= 2^32, like Windows), little-endian 32-bit
/// sub-authorities. Returns false and appends nothing when sid is not a well-formed SID (too short, revision not 1,
/// more than 15 sub-authorities, or a size that does not match the count).
bool append_sid_text(std::span<const std::uint8_t> sid, std::string &out);

/// The text form as a new string; empty when sid is malformed.
std::string sid_to_text(std::span<const std::uint8_t> sid);

/// Appends text to out so that it cannot drive a terminal: backslash becomes "\\", tab/newline/carriage return
/// "\t" "\n" "\r", other C0 controls and DEL "\xNN", C1 controls (U+0080..U+009F) "\u00NN", each byte of an
/// invalid UTF-8 sequence "\xNN" (lowercase hex). Valid printable UTF-8 is copied unchanged.
void append_terminal_escaped(std::string_view text, std::string &out);

/// Appends text as a quoted field of a human line: '"', text escaped as append_terminal_escaped does and '"' as
/// "\"", then '"'. Nothing inside can end the field early, so no argument or path can make a line parse as other
/// fields: a reader takes the field up to the first '"' not preceded by an escaping backslash.
void append_quoted(std::string_view text, std::string &out);

/// True when text is well-formed UTF-8 (no overlong form, surrogate, value above U+10FFFF or cut sequence).
bool is_valid_utf8(std::string_view text) noexcept;

/// Appends the standard base64 form (RFC 4648, with '=' padding) of bytes.
void append_base64(std::string_view bytes, std::string &out);

// JSON lines are written directly, in exactly the bytes nlohmann::ordered_json::dump(-1, ' ', false,
// error_handler_t::replace) gives for the same object (the unit tests compare them): building a json object per line
// cost several us per record. A line is '{', its fields (the first with first = true), "}\n". Keys are copied as
// they are: the monitors' keys are plain ASCII names that need no escaping.

/// Appends text as a JSON string literal (quotes included): '"', '\\', \b \f \n \r \t escaped, other C0 controls as
/// \u00xx, valid UTF-8 copied, each maximal invalid UTF-8 subpart as U+FFFD (so every line is valid JSON).
void append_json_string(std::string_view text, std::string &out);

/// Appends ,"key": (no comma when first): the start of any field.
void append_json_key(std::string_view key, std::string &out, bool first = false);

/// Appends ,"key":<text as a JSON string> (no comma when first), and when text is not valid UTF-8 also
/// ,"key_bytes":"<base64>": the readable string (invalid bytes become U+FFFD) and, beside it, what it really was.
void append_json_string_field(std::string_view key, std::string_view text, std::string &out, bool first = false);

/// Appends ,"key":<value in decimal> (no comma when first).
void append_json_number_field(std::string_view key, std::uint64_t value, std::string &out, bool first = false);

/// Appends ,"key":null (no comma when first).
void append_json_null_field(std::string_view key, std::string &out, bool first = false);

// The same fields written at a pointer into room the caller reserved (each says how much), returning the end: a
// line's fixed fields are then plain stores, without the capacity check and library call of a std::string append
// per field (inline, so a literal key is a copy of known size). The append_json_ functions above write these bytes.

/// Writes ,"key": (no comma when first): room for key.size() + 4 bytes.
inline char *put_json_key(char *p, std::string_view key, bool first = false) noexcept
{
    if (!first)
        *p++ = ',';
    *p++ = '"';
    std::memcpy(p, key.data(), key.size());
    p += key.size();
    *p++ = '"';
    *p++ = ':';
    return p;
}

/// Writes ,"key":<value in decimal> (no comma when first): room for key.size() + 24 bytes.
inline char *put_json_number_field(char *p, std::string_view key, std::uint64_t value, bool first = false) noexcept
{
    p = put_json_key(p, key, first);
    return std::to_chars(p, p + 20, value).ptr;
}

/// Writes ,"key":null (no comma when first): room for key.size() + 8 bytes.
inline char *put_json_null_field(char *p, std::string_view key, bool first = false) noexcept
{
    p = put_json_key(p, key, first);
    std::memcpy(p, "null", 4);
    return p + 4;
}

/// Appends ,"key":true or ,"key":false (no comma when first).
void append_json_bool_field(std::string_view key, bool value, std::string &out, bool first = false);

} // namespace winbpf::monitor
