// SPDX-License-Identifier: MIT
// What HelperChecks (tests/bpf/helper_checks_body.h) must have seen in any hook: the hook-independent outcomes of the
// general helpers, as eBPF for Windows gives them (docs/compatibility.md). The process test
// (tests/hooks/process/helper_checks_test.cpp) and the every-hook test (tests/compat/helpers_test.cpp) add what only
// their hook can check.
#pragma once

#include "helper_checks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

namespace helper_checks
{

/// The first size bytes of bytes as text.
inline std::string text(const std::uint8_t *bytes, std::size_t size)
{
    return std::string(reinterpret_cast<const char *>(bytes), size);
}

/// Checks r, and helper_big's entries after the run: zeroed (entry 0, was 0xFF) and filled (entry 1, was 0x11).
inline void expect_windows_results(const helper_results &r, const std::vector<std::uint8_t> &zeroed,
                                   const std::vector<std::uint8_t> &filled)
{
    // bpf_memcpy_s / bpf_memmove_s / bpf_memcmp_s
    EXPECT_EQ(r.memcpy_ok, 0);
    EXPECT_EQ(text(r.memcpy_ok_dst, 8), "ABCDEFGH");
    EXPECT_EQ(r.memcpy_einval, -EINVAL);
    EXPECT_EQ(text(r.memcpy_einval_dst, 16), std::string(16, 'x')) << "nothing copied on -EINVAL";
    EXPECT_EQ(r.memmove_up, 0);
    EXPECT_EQ(text(r.memmove_up_buf, 16), "0101234567abcdef");
    EXPECT_EQ(r.memmove_down, 0);
    EXPECT_EQ(text(r.memmove_down_buf, 16), "2345678989abcdef");
    EXPECT_EQ(r.memcmp_equal, 0);
    EXPECT_LT(r.memcmp_less, 0);
    EXPECT_GT(r.memcmp_greater, 0);
    EXPECT_EQ(r.memcmp_min_size, 0);

    // bpf_memset, including memset(buf, 0, 65520) on a map value
    EXPECT_EQ(r.memset_zero, 0);
    EXPECT_EQ(r.memset_value, 0);
    ASSERT_EQ(zeroed.size(), HELPER_BIG_SIZE);
    ASSERT_EQ(filled.size(), HELPER_BIG_SIZE);
    EXPECT_EQ(std::count(zeroed.begin(), zeroed.begin() + HELPER_MEMSET_SIZE, 0), HELPER_MEMSET_SIZE)
        << "memset(buf, 0, 65520) incomplete";
    EXPECT_EQ(std::count(zeroed.begin() + HELPER_MEMSET_SIZE, zeroed.end(), 0xFF), HELPER_BIG_SIZE - HELPER_MEMSET_SIZE)
        << "wrote past 65520";
    EXPECT_EQ(std::count(filled.begin(), filled.begin() + HELPER_MEMSET_SIZE, HELPER_MEMSET_VALUE), HELPER_MEMSET_SIZE)
        << "bpf_memset with a non-zero value incomplete";
    EXPECT_EQ(std::count(filled.begin() + HELPER_MEMSET_SIZE, filled.end(), 0x11), HELPER_BIG_SIZE - HELPER_MEMSET_SIZE)
        << "wrote past 65520";

    // bpf_strncpy_s / bpf_strncat_s / bpf_strnlen_s
    EXPECT_EQ(r.strncpy_ok, 0);
    EXPECT_STREQ(r.strncpy_ok_dst, "hello");
    EXPECT_EQ(r.strncpy_erange, -ERANGE);
    EXPECT_EQ(r.strncat_ok, 0);
    EXPECT_STREQ(r.strncat_ok_dst, "foobar");
    EXPECT_EQ(r.strncat_erange, -ERANGE);
    EXPECT_EQ(r.strnlen_full, 5u);
    EXPECT_EQ(r.strnlen_capped, 3u);

    // bpf_ktime_get_ms: milliseconds of the same clock as bpf_ktime_get_ns
    EXPECT_GE(r.ktime_ms, r.ktime_ns / 1'000'000);
    EXPECT_LE(r.ktime_ms, r.ktime_ns / 1'000'000 + 5);
    EXPECT_EQ(r.is_admin, 1) << "the caller is root";
    // bpf_get_current_process_start_key: stable, the tgid in its low 22 bits
    EXPECT_EQ(r.start_key, r.start_key_again);
    EXPECT_EQ(r.start_key & ((1u << 22) - 1), r.process_id) << "tgid in the key's low 22 bits";

    // bpf_perf_event_output, bpf_printk with 0 to 3 arguments, bpf_trace_printk2..5: bytes written
    EXPECT_EQ(r.perf_output, 0);
    EXPECT_GT(r.printk, 0);
    for (int i = 0; i < 3; ++i)
        EXPECT_GT(r.printk_fewer[i], 0) << "bpf_printk with " << i << " arguments";
    for (int i = 0; i < 4; ++i)
        EXPECT_GT(r.trace_printk[i], 0) << "bpf_trace_printk" << i + 2;

    // Queue map: push 11, 22, 33; peek 11; pop 11, 22
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(r.push[i], 0) << "push " << i;
    EXPECT_EQ(r.peek, 0);
    EXPECT_EQ(r.peek_value, 11u);
    EXPECT_EQ(r.pop[0], 0);
    EXPECT_EQ(r.pop_value[0], 11u);
    EXPECT_EQ(r.pop[1], 0);
    EXPECT_EQ(r.pop_value[1], 22u);
}

} // namespace helper_checks
