// SPDX-License-Identifier: MIT
// bpf/bind_monitor.c on real binds: the per-process limit (over it: DENY), UNBIND decrements, the entry goes at 0.
#include "bind_fixture.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <list>
#include <unistd.h>

namespace bind_test
{
namespace
{

class BindMonitorLimit : public BindTest, public ::testing::WithParamInterface<Family>
{
};

TEST_P(BindMonitorLimit, ThirdBindFailsUntilOneIsClosed)
{
    const Family family = GetParam();
    winbpf::Object object = winbpf::Object::open_file(BIND_MONITOR_OBJECT);
    object.load();
    __u32 zero = 0, limit = 2;
    ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(object.map("limits_map")), &zero, &limit, BPF_ANY), 0);
    winbpf::Attachment attachment(object, {.cgroup = cgroup->path().string()});
    const int process_map = bpf_map__fd(object.map("process_map"));
    const __u64 pid = static_cast<__u64>(getpid());

    std::list<Socket> sockets;
    for (Protocol protocol : {Protocol::tcp, Protocol::udp}) {
        sockets.emplace_back(family, protocol);
        ASSERT_EQ(sockets.back().bind(0), 0) << to_string(protocol);
    }
    Socket third(family, Protocol::tcp);
    EXPECT_EQ(third.bind(0), EPERM);

    sockets.front().close(); // UNBIND: the count drops to 1
    Socket again(family, Protocol::tcp);
    EXPECT_EQ(again.bind(0), 0);

    struct {
        uint32_t count;
        uint32_t name_size;
        uint8_t name[64];
    } entry{};
    ASSERT_EQ(bpf_map_lookup_elem(process_map, &pid, &entry), 0);
    EXPECT_EQ(entry.count, 2u);
    std::u16string app_id = expected_app_id();
    EXPECT_EQ(entry.name_size, std::min<std::size_t>(64, app_id.size() * 2));

    sockets.clear();
    again.close();
    EXPECT_NE(bpf_map_lookup_elem(process_map, &pid, &entry), 0) << "the entry goes when the count reaches 0";
    EXPECT_EQ(object.lost_events(), 0u);
}

INSTANTIATE_TEST_SUITE_P(All, BindMonitorLimit, ::testing::Values(Family::v4, Family::v6),
                         [](const auto &info) { return to_string(info.param); });

// The program written as eBPF for Windows' tutorial writes it compiles unchanged (tests/bpf/bind_tutorial.c), loads,
// and fills its map with this process's app id.
TEST_F(BindTest, TutorialProgramRunsUnchanged)
{
    winbpf::Object object = winbpf::Object::open_file(bpf_object_path("bind_tutorial"));
    object.load();
    winbpf::Attachment attachment(object, {.cgroup = cgroup->path().string()});
    Socket socket(Family::v4, Protocol::tcp);
    ASSERT_EQ(socket.bind(0), 0);
    struct {
        uint32_t count;
        uint8_t name[64];
    } entry{};
    const __u64 pid = static_cast<__u64>(getpid());
    ASSERT_EQ(bpf_map_lookup_elem(bpf_map__fd(object.map("process_map")), &pid, &entry), 0);
    EXPECT_EQ(entry.count, 1u);
    std::u16string app_id = expected_app_id();
    std::u16string stored;
    for (std::size_t i = 0; i + 1 < sizeof(entry.name) && i / 2 < app_id.size(); i += 2)
        stored.push_back(static_cast<char16_t>(entry.name[i] | (entry.name[i + 1] << 8)));
    EXPECT_EQ(stored, app_id.substr(0, stored.size()));
    EXPECT_FALSE(stored.empty());
}

} // namespace
} // namespace bind_test

namespace bind_test
{
namespace
{

// A Windows-style 32-bit length clamp before memcpy (tests/bpf/bind_clamp32.c) loads unchanged and copies the app id.
TEST_F(BindTest, ThirtyTwoBitClampBeforeMemcpyLoads)
{
    winbpf::Object object = winbpf::Object::open_file(bpf_object_path("bind_clamp32"));
    ASSERT_NO_THROW(object.load());
    winbpf::Attachment attachment(object, {.cgroup = cgroup->path().string()});
    Socket socket(Family::v4, Protocol::udp);
    ASSERT_EQ(socket.bind(0), 0);
    struct {
        uint32_t name_size;
        uint8_t name[64];
    } entry{};
    const __u64 pid = static_cast<__u64>(getpid());
    ASSERT_EQ(bpf_map_lookup_elem(bpf_map__fd(object.map("app_map")), &pid, &entry), 0);
    const std::u16string app_id = expected_app_id();
    EXPECT_EQ(entry.name_size, std::min<std::size_t>(64, app_id.size() * 2));
    EXPECT_EQ(entry.name[0], static_cast<std::uint8_t>(app_id[0]));
}

} // namespace
} // namespace bind_test
