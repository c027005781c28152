// SPDX-License-Identifier: MIT
// Issue 19 §3: bpf_tail_call's return value, a program array initialised in the source with handlers, and a chain of
// MAX_TAIL_CALL_CNT + 2 callees at Windows' limit, on real binds of the test's sockets in a cgroup of its own.
#include "compat_fixture.hpp"
#include "functions_shared.h"

#include "support/cgroup.hpp"
#include "support/socket.hpp"
#include "winbpf/attachment.hpp"

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

class TailChainTest : public CompatTest
{
  protected:
    std::uint64_t slot(std::uint32_t key) { return value_as<std::uint64_t>(lookup(object_->map("chain_state"), &key)); }
    void set(std::uint32_t key, std::uint64_t value) { update(object_->map("chain_state"), &key, &value); }
    /// Program id in slot index of map (0: empty).
    std::uint32_t program_in(const std::string &map, std::uint32_t index)
    {
        std::uint32_t id = 0;
        if (bpf_map_lookup_elem(bpf_map__fd(object_->map(map)), &index, &id) != 0)
            return 0;
        return id;
    }
    /// Kernel id of handler's entry program for event (e.g. "bind4"), or 0.
    std::uint32_t entry_id(const std::string &handler, const std::string &event)
    {
        for (const auto &hook : object_->hooks())
            if (hook.handler == handler)
                for (bpf_program *entry : hook.entries)
                    if (std::string(bpf_program__name(entry)).ends_with("_" + event)) {
                        bpf_prog_info info{};
                        __u32 size = sizeof(info);
                        if (bpf_obj_get_info_by_fd(bpf_program__fd(entry), &info, &size) == 0)
                            return info.id;
                    }
        return 0;
    }
};

TEST_F(TailChainTest, ThirtyThirdCallFailsWithWindowsErrorAndTheCalleesFallbackDenies)
{
    winbpf::Object &object = open("tail_call_chain");
    object.load();
    // Each slot the source initialised holds the callee's entry, in the program's array and in the hook's arrays.
    for (std::uint32_t i = 0; i < CHAIN_CALLEES; ++i) {
        const std::string callee = "callee" + std::to_string(i);
        EXPECT_NE(program_in("chain_programs", i), 0u) << "slot " << i;
        EXPECT_EQ(program_in("winbpf_tail_bind_bind4", i), entry_id(callee, "bind4")) << "slot " << i;
        EXPECT_EQ(program_in("winbpf_tail_bind_bind6", i), entry_id(callee, "bind6")) << "slot " << i;
    }
    EXPECT_EQ(program_in("chain_programs", CHAIN_CALLEES), 0u);
    EXPECT_EQ(program_in("chain_programs", CHAIN_EMPTY_SLOT), 0u);

    TestCgroup cgroup;
    winbpf::Attachment attachment(object, {.cgroup = cgroup.path().string(), .capture = {}});
    set(CHAIN_TARGET, static_cast<std::uint64_t>(::getpid()));

    const std::uint16_t first = free_port(Family::v6, Protocol::tcp), second = free_port(Family::v4, Protocol::udp);
    cgroup.enter();
    int result = 0;
    {
        Socket socket(Family::v6, Protocol::tcp);
        result = socket.bind(first);
    }
    cgroup.leave();

    EXPECT_EQ(result, EPERM) << "the fallback of the callee whose call failed denies";
    EXPECT_EQ(static_cast<std::int64_t>(slot(CHAIN_EMPTY_RETURN)), -6)
        << "a call to an empty slot returns -EBPF_INVALID_ARGUMENT, readable by the program";
    // Windows: MAX_TAIL_CALL_CNT is 33 and the 33rd call fails: the caller's call and 31 callees' calls succeed
    // (callees 0..31 run), callee 31's call is the 33rd.
    EXPECT_EQ(slot(CHAIN_REACHED), 32u) << "callees reached by the chain";
    EXPECT_EQ(slot(CHAIN_FAILED_AT), 32u) << "1 + the callee whose call failed (callee 31)";
    EXPECT_EQ(static_cast<std::int64_t>(slot(CHAIN_FAILED_RETURN)), -27) << "-EBPF_NO_MORE_TAIL_CALLS";

    // A second chain starts from depth 0 again: the count belongs to one run of the hook.
    set(CHAIN_REACHED, 0);
    set(CHAIN_FAILED_AT, 0);
    cgroup.enter();
    {
        Socket socket(Family::v4, Protocol::udp);
        result = socket.bind(second);
    }
    cgroup.leave();
    EXPECT_EQ(result, EPERM);
    EXPECT_EQ(slot(CHAIN_REACHED), 32u);
    EXPECT_EQ(slot(CHAIN_FAILED_AT), 32u);
}

} // namespace
} // namespace compat_test
