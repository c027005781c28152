// SPDX-License-Identifier: MIT
// Kernel names of drop reasons and TCP states, read from BTF: from types built in memory (as a kernel could lay
// them out), and from the running kernel's BTF when it has one.
#include "netevent_monitor.hpp"

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <memory>

namespace winbpf::monitor
{
namespace
{

using BtfPtr = std::unique_ptr<btf, decltype(&btf__free)>;

/// Types with decoys before the real enums: another enum with a BPF_TCP_ESTABLISHED member, an enum64, and the
/// anonymous TCP state enum.
BtfPtr test_types()
{
    BtfPtr types(btf__new_empty(), &btf__free);
    EXPECT_TRUE(types);
    EXPECT_GT(btf__add_enum(types.get(), "bpf_tcp_states", 4), 0);
    EXPECT_EQ(btf__add_enum_value(types.get(), "BPF_TCP_ESTABLISHED", 1), 0);
    EXPECT_GT(btf__add_enum64(types.get(), "wide", 8, false), 0);
    EXPECT_EQ(btf__add_enum64_value(types.get(), "WIDE_BIG", 0x100000000ULL), 0);
    EXPECT_GT(btf__add_enum(types.get(), "skb_drop_reason", 4), 0);
    EXPECT_EQ(btf__add_enum_value(types.get(), "SKB_NOT_DROPPED_YET", 0), 0);
    EXPECT_EQ(btf__add_enum_value(types.get(), "SKB_CONSUMED", 1), 0);
    EXPECT_EQ(btf__add_enum_value(types.get(), "SKB_DROP_REASON_NO_SOCKET", 3), 0);
    EXPECT_GT(btf__add_enum(types.get(), nullptr, 4), 0);
    EXPECT_EQ(btf__add_enum_value(types.get(), "TCP_ESTABLISHED", 1), 0);
    EXPECT_EQ(btf__add_enum_value(types.get(), "TCP_SYN_SENT", 2), 0);
    return types;
}

TEST(NeteventMonitorNames, FromBtf)
{
    const BtfPtr types = test_types();
    ASSERT_TRUE(types);
    const KernelNames names = kernel_names(*types);
    ASSERT_EQ(names.drop_reasons.size(), 3u);
    EXPECT_EQ(*names.drop_reasons.find(3), "NO_SOCKET");
    EXPECT_EQ(*names.drop_reasons.find(1), "SKB_CONSUMED"); // no prefix to remove
    EXPECT_EQ(names.drop_reasons.find(2), nullptr);
    ASSERT_EQ(names.tcp_states.size(), 2u);
    EXPECT_EQ(*names.tcp_states.find(1), "TCP_ESTABLISHED");
    EXPECT_EQ(*names.tcp_states.find(2), "TCP_SYN_SENT");

    const EnumNames wide = EnumNames::from_btf(*types, "wide");
    ASSERT_EQ(wide.size(), 1u);
    EXPECT_EQ(*wide.find(0x100000000ULL), "WIDE_BIG");
    EXPECT_EQ(EnumNames::from_btf(*types, "missing").size(), 0u);
    EXPECT_EQ(EnumNames::from_btf(*types, {}, "NO_SUCH_MEMBER").size(), 0u);
}

// Values below 1024 are looked up by index, larger ones (an enum64's) in the map: each finds its own name and its
// JSON text (append_json_string's, made once), the values between them none.
TEST(NeteventMonitorNames, LookupByIndexAndBeyond)
{
    const EnumNames names({{0, "ZERO"},
                           {5, "FIVE \"q\""},
                           {1023, "LAST_INDEXED"},
                           {1024, "FIRST_MAPPED"},
                           {0x100000000ULL, "WIDE"},
                           {UINT64_MAX, "\xff"}});
    ASSERT_EQ(names.size(), 6u);
    for (const std::uint64_t value : {0ULL, 5ULL, 1023ULL, 1024ULL, 0x100000000ULL, ~0ULL}) {
        const std::string *name = names.find(value);
        const std::string *json = names.find_json(value);
        ASSERT_NE(name, nullptr) << value;
        ASSERT_NE(json, nullptr) << value;
        std::string expected;
        append_json_string(*name, expected);
        EXPECT_EQ(*json, expected) << value;
    }
    EXPECT_EQ(*names.find(5), "FIVE \"q\"");
    EXPECT_EQ(*names.find_json(5), R"("FIVE \"q\"")");
    EXPECT_EQ(*names.find(1024), "FIRST_MAPPED");
    EXPECT_EQ(*names.find_json(UINT64_MAX), "\"\xef\xbf\xbd\"");
    for (const std::uint64_t value : {1ULL, 6ULL, 1022ULL, 1025ULL, 2000ULL, 0xFFFFFFFFULL}) {
        EXPECT_EQ(names.find(value), nullptr) << value;
        EXPECT_EQ(names.find_json(value), nullptr) << value;
    }
    EXPECT_EQ(EnumNames().find(0), nullptr);
}

TEST(NeteventMonitorNames, RunningKernel)
{
    BtfPtr vmlinux(btf__load_vmlinux_btf(), &btf__free);
    if (!vmlinux)
        GTEST_SKIP() << "the running kernel has no BTF (/sys/kernel/btf/vmlinux)";
    const KernelNames names = load_kernel_names();
    bool no_socket = false;
    for (std::uint64_t code = 0; code < 1024 && !no_socket; ++code)
        no_socket = names.drop_reasons.find(code) && *names.drop_reasons.find(code) == "NO_SOCKET";
    EXPECT_TRUE(no_socket);
    ASSERT_NE(names.tcp_states.find(1), nullptr);
    EXPECT_EQ(*names.tcp_states.find(1), "TCP_ESTABLISHED");
    ASSERT_NE(names.tcp_states.find(7), nullptr);
    EXPECT_EQ(*names.tcp_states.find(7), "TCP_CLOSE");
}

} // namespace
} // namespace winbpf::monitor
