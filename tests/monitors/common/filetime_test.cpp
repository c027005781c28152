// SPDX-License-Identifier: MIT
#include "common/format.hpp"

#include <gtest/gtest.h>

namespace winbpf::monitor
{
namespace
{

TEST(Filetime, Epochs)
{
    EXPECT_EQ(filetime_to_iso8601(0), "1601-01-01T00:00:00.000000Z");
    EXPECT_EQ(filetime_to_iso8601(filetime_unix_epoch), "1970-01-01T00:00:00.000000Z");
}

TEST(Filetime, KnownValues)
{
    EXPECT_EQ(filetime_to_iso8601(134397726701234567ULL), "2026-11-21T22:11:10.123456Z"); // 100 ns truncated
    EXPECT_EQ(filetime_to_iso8601(133000000000000000ULL), "2022-06-18T04:26:40.000000Z");
    EXPECT_EQ(filetime_to_iso8601(125963423999999990ULL), "2000-02-29T23:59:59.999999Z"); // leap day
    EXPECT_EQ(filetime_to_iso8601(126000000000000009ULL), "2000-04-12T08:00:00.000000Z");
    EXPECT_EQ(filetime_to_iso8601(2650467743999999990ULL), "9999-12-31T23:59:59.999999Z");
    EXPECT_EQ(filetime_to_iso8601(UINT64_MAX), "60056-05-28T05:36:10.955161Z");
}

TEST(Filetime, Appends)
{
    std::string out = "t=";
    append_filetime_iso8601(filetime_unix_epoch + 10, out);
    EXPECT_EQ(out, "t=1970-01-01T00:00:00.000001Z");
}

TEST(FiletimeFormatter, SameAsAppendFiletimeIso8601)
{
    FiletimeFormatter formatter;
    // Within one second, across seconds, days and years, backwards, and the extremes.
    const std::uint64_t second = 10'000'000;
    const std::uint64_t base = 134397726701234567ULL;
    const std::uint64_t times[] = {base,
                                   base + 1,
                                   base + 10,
                                   base + second - 1,
                                   base + second,
                                   base,
                                   base + 86400 * second,
                                   base - 366 * 86400 * second,
                                   0,
                                   9,
                                   filetime_unix_epoch,
                                   125963423999999990ULL,
                                   125963423999999990ULL + 10,
                                   2650467743999999990ULL,
                                   2650467743999999990ULL + 10,
                                   UINT64_MAX,
                                   UINT64_MAX - second,
                                   0};
    std::string expected = "x", out = "x";
    for (std::uint64_t filetime : times) {
        append_filetime_iso8601(filetime, expected);
        formatter.append(filetime, out);
        ASSERT_EQ(out, expected) << filetime;
    }
    for (std::uint64_t filetime = base; filetime < base + 3 * second; filetime += 123457) {
        append_filetime_iso8601(filetime, expected);
        formatter.append(filetime, out);
    }
    EXPECT_EQ(out, expected);
}

} // namespace
} // namespace winbpf::monitor
