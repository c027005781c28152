// SPDX-License-Identifier: MIT
// Issue 19 §2: functions written as eBPF for Windows programs write them (a plain C99 inline function, noinline and
// non-static functions given the context or a map value, an optnone handler) load, verify as on Windows (as part of
// their callers) and act on real binds of the test's sockets in a cgroup of its own.
#include "compat_fixture.hpp"
#include "functions_shared.h"

#include "support/cgroup.hpp"
#include "support/socket.hpp"
#include "winbpf/attachment.hpp"

#include <unistd.h>

#include <cerrno>

namespace compat_test
{
namespace
{

using namespace winbpf::test;

class FunctionsTest : public CompatTest
{
  protected:
    std::uint64_t slot(std::uint32_t key) { return value_as<std::uint64_t>(lookup(object_->map("fn_state"), &key)); }
    void set(std::uint32_t key, std::uint64_t value) { update(object_->map("fn_state"), &key, &value); }
};

TEST_F(FunctionsTest, InlineNoinlineNonStaticAndOptnoneFunctionsVerifyWithTheirCallersAndRun)
{
    winbpf::Object &object = open("functions_bind");
    object.load();
    // The kernel verified the noinline and non-static functions with their callers, as Windows does.
    EXPECT_TRUE(has_adaptation(object.adaptations(), "function 'record_port'", "verified as part of each program"));
    EXPECT_TRUE(has_adaptation(object.adaptations(), "function 'add_to_value'", "verified as part of each program"));
    EXPECT_TRUE(has_adaptation(object.adaptations(), "function 'OptnoneHandler'", "verified as part of each program"));
    EXPECT_FALSE(has_adaptation(object.adaptations(), "function 'FunctionsHandler'"))
        << "a handler inlined into its entry programs is no function of its own";

    TestCgroup cgroup;
    winbpf::Attachment attachment(object, {.cgroup = cgroup.path().string(), .capture = {}});
    set(FN_TARGET, static_cast<std::uint64_t>(::getpid()));
    const std::uint16_t deny = free_port(Family::v4, Protocol::tcp);
    set(FN_DENY_PORT, deny);
    const std::uint16_t allowed = free_port(Family::v4, Protocol::udp);

    cgroup.enter();
    int denied = 0, permitted = -1;
    {
        Socket socket(Family::v4, Protocol::tcp);
        denied = socket.bind(deny);
    }
    {
        Socket socket(Family::v4, Protocol::udp);
        permitted = socket.bind(allowed);
    }
    cgroup.leave();

    EXPECT_EQ(denied, EPERM) << "the optnone handler denies its port";
    EXPECT_EQ(permitted, 0);
    EXPECT_EQ(slot(FN_OPTNONE), 2u) << "the optnone handler saw both binds";
    EXPECT_EQ(slot(FN_PORT), allowed) << "the noinline function given the context wrote the last port";
    EXPECT_EQ(slot(FN_VALUE_ADDS), 10u) << "the non-static function given a map value added 5 per bind";
    EXPECT_EQ(slot(FN_INLINE), allowed + static_cast<std::uint64_t>(::getpid()))
        << "the C99 inline function's result for the last bind";
}

} // namespace
} // namespace compat_test
