// SPDX-License-Identifier: MIT
#include "filetime.hpp"

#include <charconv>

namespace winbpf::monitor
{
namespace
{

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

void append_filetime_iso8601(std::uint64_t filetime, std::string &out)
{
    const std::uint64_t micros = filetime / 10;
    char buffer[48];
    char *p = put_date_time(buffer, micros / 1000000);
    p = put_fraction(p, static_cast<unsigned>(micros % 1000000));
    out.append(buffer, static_cast<std::size_t>(p - buffer));
}

void FiletimeFormatter::append(std::uint64_t filetime, std::string &out)
{
    const std::uint64_t micros = filetime / 10;
    const std::uint64_t second = micros / 1000000;
    if (second != second_) {
        second_ = second;
        date_time_size_ = static_cast<std::size_t>(put_date_time(date_time_, second) - date_time_);
    }
    char fraction[8];
    put_fraction(fraction, static_cast<unsigned>(micros % 1000000));
    out.append(date_time_, date_time_size_);
    out.append(fraction, sizeof(fraction));
}

std::string filetime_to_iso8601(std::uint64_t filetime)
{
    std::string text;
    append_filetime_iso8601(filetime, text);
    return text;
}

} // namespace winbpf::monitor
