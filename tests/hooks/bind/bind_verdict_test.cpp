// SPDX-License-Identifier: MIT
// docs/hooks/bind.md's verdicts on real binds: deny, redirect, an unknown value, a hard permit; IPv4 and IPv6.
#include "bind_fixture.hpp"

#include <cerrno>

namespace bind_test
{
namespace
{

class BindVerdicts : public BindTest, public ::testing::WithParamInterface<Family>
{
};

// Two free ports, found before the recorder is attached.
std::pair<std::uint16_t, std::uint16_t> two_free_ports(Family family)
{
    Socket a(family, Protocol::tcp), b(family, Protocol::tcp);
    EXPECT_EQ(a.bind(0), 0);
    EXPECT_EQ(b.bind(0), 0);
    return {a.local_port(), b.local_port()};
}

TEST_P(BindVerdicts, DenyFailsThatPortOnlyWithEperm)
{
    const Family family = GetParam();
    const auto [denied, other] = two_free_ports(family);
    Recorder recorder(cgroup->path(), bind_policy{.deny_port = denied});
    Socket a(family, Protocol::tcp), b(family, Protocol::tcp), c(family, Protocol::udp);
    EXPECT_EQ(a.bind(denied), EPERM);
    EXPECT_EQ(c.bind(denied), EPERM);
    EXPECT_EQ(b.bind(other), 0);
    EXPECT_EQ(b.local_port(), other);
    // A denied bind has no POST_BIND and, when closed, no UNBIND.
    a.close();
    c.close();
    const std::vector<Record> &records = recorder.wait_for(4);
    ASSERT_EQ(records.size(), 4u); // BIND (deny), BIND (deny), BIND and POST_BIND of b
    EXPECT_EQ(records[0].raw.action, 1u);
    EXPECT_EQ(records[1].raw.action, 1u);
    EXPECT_EQ(records[3].raw.operation, 1u);
    EXPECT_EQ(records[3].port(), other);
}

TEST_P(BindVerdicts, RedirectMovesTheBind)
{
    const Family family = GetParam();
    const auto [asked, moved_to] = two_free_ports(family);
    Recorder recorder(cgroup->path(), bind_policy{.redirect_from = asked, .redirect_to = moved_to});
    Socket socket(family, Protocol::tcp);
    ASSERT_EQ(socket.bind(asked), 0);
    EXPECT_EQ(socket.local_port(), moved_to);
    const std::vector<Record> &records = recorder.wait_for(2);
    ASSERT_GE(records.size(), 2u);
    EXPECT_EQ(records[0].raw.action, 2u); // BIND_REDIRECT
    EXPECT_EQ(records[1].raw.operation, 1u);
    EXPECT_EQ(records[1].port(), moved_to); // POST_BIND sees the new port
}

TEST_P(BindVerdicts, UnknownValueDeniesAndHardPermitAllows)
{
    const Family family = GetParam();
    const auto [unknown, hard] = two_free_ports(family);
    Recorder recorder(cgroup->path(), bind_policy{.unknown_port = unknown, .hard_port = hard});
    Socket a(family, Protocol::udp), b(family, Protocol::udp);
    EXPECT_EQ(a.bind(unknown), EPERM);
    EXPECT_EQ(b.bind(hard), 0);
    EXPECT_EQ(b.local_port(), hard);
}

INSTANTIATE_TEST_SUITE_P(All, BindVerdicts, ::testing::Values(Family::v4, Family::v6),
                         [](const auto &info) { return to_string(info.param); });

// Two programs at once: a deny from either blocks, and each sees every event.
TEST_F(BindTest, TwoProgramsADenyFromEitherBlocks)
{
    const auto [port_a, port_b] = two_free_ports(Family::v4);
    const std::uint16_t port_c = free_port(Family::v4, Protocol::udp);
    Recorder a(cgroup->path(), bind_policy{.deny_port = port_a});
    Recorder b(cgroup->path(), bind_policy{.deny_port = port_b});
    Socket s1(Family::v4, Protocol::tcp), s2(Family::v4, Protocol::tcp), s3(Family::v4, Protocol::udp);
    EXPECT_EQ(s1.bind(port_a), EPERM);
    EXPECT_EQ(s2.bind(port_b), EPERM);
    EXPECT_EQ(s3.bind(port_c), 0);
    s3.close();
    // a: BIND(a, deny), BIND(b) [b denied: no POST_BIND], BIND(c), POST_BIND(c), UNBIND(c); b likewise.
    EXPECT_EQ(a.wait_for(5).size(), 5u);
    EXPECT_EQ(b.wait_for(5).size(), 5u);
}

} // namespace
} // namespace bind_test
