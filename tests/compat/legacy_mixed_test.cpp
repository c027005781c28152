// SPDX-License-Identifier: MIT
// Issue 19 §3: old-style SEC("maps") maps next to BTF maps, each map's access decided when the object is built (a
// legacy HASH and a BTF HASH with 8-byte keys, a legacy per-CPU array the loader spreads), on real binds of the
// test's sockets in a cgroup of its own; and an old-style map with a pinning eBPF for Windows refuses, refused at load.
#include "compat_fixture.hpp"

#include "support/cgroup.hpp"
#include "support/socket.hpp"
#include "winbpf/attachment.hpp"
#include "winbpf/error.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace compat_test
{
namespace
{

using namespace winbpf::test;

class LegacyMixedTest : public CompatTest
{
};

TEST_F(LegacyMixedTest, LegacyAndBtfMapsWithEightByteKeysAndASpreadLegacyArrayLoadAndWork)
{
    winbpf::Object &object = open("legacy_mixed");
    EXPECT_TRUE(has_adaptation(object.adaptations(), "'legacy_big'", "over Linux's 32 KiB per-CPU limit"));
    EXPECT_TRUE(has_adaptation(object.adaptations(), "'legacy_config'", "LIBBPF_PIN_BY_NAME is not applied"));
    object.load();
    EXPECT_EQ(bpf_map__key_size(object.map("legacy_by_port")), 8u);
    EXPECT_EQ(bpf_map__type(object.map("legacy_by_port")), BPF_MAP_TYPE_HASH);

    TestCgroup cgroup;
    winbpf::Attachment attachment(object, {.cgroup = cgroup.path().string(), .capture = {}});
    const std::uint32_t zero = 0, one = 1;
    const std::uint64_t pid = static_cast<std::uint64_t>(::getpid());
    update(object.map("legacy_config"), &zero, &pid);
    const std::uint16_t port = free_port(Family::v4, Protocol::tcp);

    cgroup.enter();
    int result = -1, again = -1;
    {
        Socket socket(Family::v4, Protocol::tcp);
        result = socket.bind(port);
    }
    { // the port again: LegacyHashLookup finds the entry LegacyMixed made, whichever ran first the first time
        Socket socket(Family::v4, Protocol::tcp);
        again = socket.bind(port);
    }
    cgroup.leave();
    ASSERT_EQ(result, 0);
    ASSERT_EQ(again, 0);
    const std::uint32_t two = 2;
    EXPECT_EQ(value_as<std::uint64_t>(lookup(object.map("legacy_config"), &two)), pid)
        << "a handler with only an 8-byte key on its stack looked the legacy HASH up";

    const std::uint64_t port_key = port;
    EXPECT_EQ(value_as<std::uint64_t>(lookup(object.map("legacy_by_port"), &port_key)), pid)
        << "legacy HASH with 8-byte keys: port -> process";
    EXPECT_EQ(value_as<std::uint64_t>(lookup(object.map("btf_by_pid"), &pid)), port_key)
        << "BTF HASH with 8-byte keys: process -> port";
    const std::uint64_t cpu_plus_one = value_as<std::uint64_t>(lookup(object.map("legacy_config"), &one));
    ASSERT_GE(cpu_plus_one, 1u) << "the program reached its spread per-CPU value";
    // Spread: entry 0 of CPU c is element c of the ARRAY; only the program's CPU has the mark at the value's end.
    bpf_map *big = object.map("legacy_big");
    EXPECT_EQ(bpf_map__type(big), BPF_MAP_TYPE_ARRAY);
    const std::uint32_t element = static_cast<std::uint32_t>(cpu_plus_one - 1);
    EXPECT_EQ(lookup(big, &element).back(), 0x5a);
    if (bpf_map__max_entries(big) > 1) {
        const std::uint32_t other = element == 0 ? 1 : 0;
        EXPECT_EQ(lookup(big, &other).back(), 0) << "another CPU's value is its own";
    }
}

TEST_F(LegacyMixedTest, LegacyMapWithPinningWindowsRefusesIsRefusedAtLoadNamingIt)
{
    try {
        winbpf::Object &object = open("legacy_pinning_bad");
        object.load();
        ADD_FAILURE() << "an object with pinning PIN_GLOBAL_NS loaded";
    } catch (const winbpf::Error &e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("map 'pinned_globally'"), std::string::npos) << what;
        EXPECT_NE(what.find("pinning 2 is not supported"), std::string::npos) << what;
        EXPECT_NE(what.find("PIN_NONE (0) and LIBBPF_PIN_BY_NAME (1)"), std::string::npos) << what;
        EXPECT_EQ(e.error(), EINVAL);
    }
}

} // namespace
} // namespace compat_test
