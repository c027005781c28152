// SPDX-License-Identifier: MIT
#include "common/format.hpp"
#include "support/encoding.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace winbpf::monitor
{
namespace
{

using winbpf::test::unix_user_sid;

TEST(Sid, UnixUsers)
{
    EXPECT_EQ(sid_to_text(unix_user_sid(0)), "S-1-22-1-0");
    EXPECT_EQ(sid_to_text(unix_user_sid(1000)), "S-1-22-1-1000");
    EXPECT_EQ(sid_to_text(unix_user_sid(4294967295U)), "S-1-22-1-4294967295");
}

TEST(Sid, WindowsWellKnown)
{
    const std::vector<std::uint8_t> local_system = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
    EXPECT_EQ(sid_to_text(local_system), "S-1-5-18");
    const std::vector<std::uint8_t> everyone = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
    EXPECT_EQ(sid_to_text(everyone), "S-1-1-0");
    const std::vector<std::uint8_t> null_sid = {1, 0, 0, 0, 0, 0, 0, 0};
    EXPECT_EQ(sid_to_text(null_sid), "S-1-0");
}

TEST(Sid, LargeAuthorityInHex)
{
    const std::vector<std::uint8_t> sid = {1, 1, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 7, 0, 0, 0};
    EXPECT_EQ(sid_to_text(sid), "S-1-0x123456789abc-7");
}

TEST(Sid, Malformed)
{
    EXPECT_EQ(sid_to_text({}), "");
    auto sid = unix_user_sid(1000);
    EXPECT_EQ(sid_to_text(std::span(sid).first(15)), ""); // shorter than the count says
    EXPECT_EQ(sid_to_text(std::span(sid).first(7)), "");  // no full header
    sid.push_back(0);
    EXPECT_EQ(sid_to_text(sid), ""); // longer than the count says
    auto bad_revision = unix_user_sid(1);
    bad_revision[0] = 2;
    EXPECT_EQ(sid_to_text(bad_revision), "");
    std::string out = "x";
    EXPECT_FALSE(append_sid_text(bad_revision, out));
    EXPECT_EQ(out, "x");
}

} // namespace
} // namespace winbpf::monitor
