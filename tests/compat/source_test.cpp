// SPDX-License-Identifier: MIT
// Issue 10 items 5, 7 and 8 and Makefile.bpf's warnings: what winbpf makes of a Windows program's source. Programs that
// compile are loaded, attached and run on a real CREATE; those that cannot work on Linux fail at compile time with a
// message naming the construct.
#include "compat_fixture.hpp"

#include "support/cgroup.hpp"
#include "support/socket.hpp"
#include "support/temp_dir.hpp"
#include "winbpf/attachment.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <chrono>
#include <filesystem>
#include <sstream>

namespace compat_test
{
namespace
{

using namespace winbpf::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

class SourceTest : public CompatTest
{
};

// Item 8: winbpf's bpf_helpers.h defines _WIN32 as eBPF for Windows' does; the program's Windows branch runs.
TEST_F(SourceTest, ProgramsTakeTheirWin32Branch)
{
    winbpf::Object &object = open("win32_branch");
    object.load();
    winbpf::Attachment attachment(object);
    run_target_process([&](pid_t pid) {
        std::uint32_t zero = 0;
        std::uint64_t value = static_cast<std::uint64_t>(pid);
        update(object.map("platform"), &zero, &value);
    });
    std::uint32_t one = 1;
    EXPECT_EQ(value_as<std::uint64_t>(lookup(object.map("platform"), &one)), 0x57494eu) << "not the _WIN32 branch";
}

// Item 7: no SEC("license") (eBPF for Windows needs none): winbpf declares "GPL", the program loads and runs.
TEST_F(SourceTest, ProgramWithoutLicenseLoadsAndRuns)
{
    winbpf::Object &object = open("license_none");
    object.load();
    winbpf::Attachment attachment(object);
    run_target_process([&](pid_t pid) {
        std::uint32_t zero = 0;
        std::uint64_t value = static_cast<std::uint64_t>(pid);
        update(object.map("runs"), &zero, &value);
    });
    std::uint32_t one = 1;
    EXPECT_EQ(value_as<std::uint64_t>(lookup(object.map("runs"), &one)), 1u);
    bpf_prog_info info{};
    __u32 length = sizeof(info);
    ASSERT_EQ(bpf_obj_get_info_by_fd(bpf_program__fd(object.hooks().at(0).entries.at(0)), &info, &length), 0);
    EXPECT_EQ(info.gpl_compatible, 1u) << "winbpf declared \"GPL\"";
}

// Item 7: a bind program with a non-GPL license cannot load on Linux (the bind hook's glue needs GPL-only kernel
// helpers for process_id and app_id): Makefile.bpf says so at compile time, naming the license and the hook, instead
// of a verifier log at load. (The process and netevent_monitor hooks' glue refuses it the same way.)
TEST_F(SourceTest, NonGplLicenseOfAHookThatNeedsGplFailsAtCompileTimeNamingIt)
{
    const auto compiled = compile("license_mit.c");
    ASSERT_TRUE(compiled->result.status.has_value()) << "make did not finish";
    EXPECT_FALSE(exited_with(compiled->result.status, 0)) << "Makefile.bpf accepted SEC(\"license\") = \"MIT\"";
    EXPECT_NE(compiled->result.err.find("SEC('license') is 'MIT'"), std::string::npos) << compiled->result.err;
    EXPECT_NE(compiled->result.err.find("the 'bind' hook needs GPL-only kernel helpers"), std::string::npos)
        << compiled->result.err;
    EXPECT_FALSE(fs::exists(compiled->object));
}

// Item 7: an XDP program with a non-GPL license loads as one (the xdp hook's glue uses no GPL-only helper) and runs.
TEST_F(SourceTest, NonGplXdpProgramLoadsAndRuns)
{
    winbpf::Object &object = open("license_mit_xdp");
    object.load();
    const int program = bpf_program__fd(object.hooks().at(0).entries.at(0));
    bpf_prog_info info{};
    __u32 length = sizeof(info);
    ASSERT_EQ(bpf_obj_get_info_by_fd(program, &info, &length), 0);
    EXPECT_EQ(info.gpl_compatible, 0u) << "loaded as a non-GPL program";
    struct Case {
        std::size_t bytes;
        int action;
    };
    for (const Case c : {Case{64, XDP_DROP}, Case{20, XDP_PASS}}) {
        std::vector<std::uint8_t> packet(c.bytes, 0);
        std::vector<std::uint8_t> out(c.bytes + 256);
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = packet.data(), .data_out = out.data(),
                    .data_size_in = static_cast<__u32>(packet.size()), .data_size_out = static_cast<__u32>(out.size()),
                    .repeat = 1);
        ASSERT_EQ(bpf_prog_test_run_opts(program, &opts), 0) << std::strerror(errno);
        EXPECT_EQ(static_cast<int>(opts.retval), c.action) << c.bytes << "-byte packet";
    }
    std::uint32_t zero = 0;
    EXPECT_EQ(value_as<std::uint64_t>(lookup(object.map("mit_seen"), &zero)), 2u);
}

// Item 7: a non-GPL XDP program that uses a Windows helper built on a GPL-only kernel helper (bpf_memcpy_s on
// bpf_probe_read_kernel) fails at compile time, naming the kernel helper and the license, not at load.
TEST_F(SourceTest, NonGplProgramUsingAGplOnlyHelperFailsAtCompileTime)
{
    const auto compiled = compile("license_mit_xdp_memcpy.c");
    ASSERT_TRUE(compiled->result.status.has_value()) << "make did not finish";
    EXPECT_FALSE(exited_with(compiled->result.status, 0)) << "Makefile.bpf accepted bpf_memcpy_s under \"MIT\"";
    EXPECT_NE(compiled->result.err.find("bpf_probe_read_kernel is a GPL-only kernel helper and SEC(\"license\") is "
                                        "\"MIT\""),
              std::string::npos)
        << compiled->result.err;
    EXPECT_FALSE(fs::exists(compiled->object));
}

// Item 5: bpf_tail_call between process handlers cannot work on Linux (CREATE and DELETE are programs on different
// tracepoints): a compile-time error naming bpf_tail_call, not a verifier log (bind: tail_call_test.cpp).
TEST_F(SourceTest, TailCallFailsAtCompileTimeNamingIt)
{
    const auto compiled = compile("tail_call_process.c");
    ASSERT_TRUE(compiled->result.status.has_value()) << "make did not finish";
    EXPECT_FALSE(exited_with(compiled->result.status, 0)) << "Makefile.bpf accepted bpf_tail_call";
    EXPECT_NE(compiled->result.err.find("winbpf: bpf_tail_call is not supported"), std::string::npos)
        << compiled->result.err;
    EXPECT_NE(compiled->result.err.find("tail_call_process.c:"), std::string::npos) << "names the user's line";
    EXPECT_FALSE(fs::exists(compiled->object));
}

// Item 4: a legacy map-in-map whose inner_map_idx names no other SEC("maps") map fails at compile time, naming it.
TEST_F(SourceTest, LegacyInnerMapIndexOfNoMapFailsAtCompileTime)
{
    const auto compiled = compile("legacy_bad_inner.c");
    ASSERT_TRUE(compiled->result.status.has_value()) << "make did not finish";
    EXPECT_FALSE(exited_with(compiled->result.status, 0)) << "Makefile.bpf accepted inner_map_idx 5 of 2 maps";
    EXPECT_NE(compiled->result.err.find("map 'outer': inner_map_idx 5 is not another of the 2 SEC(\"maps\") maps"),
              std::string::npos)
        << compiled->result.err;
    EXPECT_FALSE(fs::exists(compiled->object));
}

// Makefile.bpf shows the warnings of the user's source once, and none of winbpf's, vmlinux.h's or libbpf's headers,
// even with -Wextra -Wpedantic (which find dozens of GNU extensions in the shim when it is not a system header).
TEST_F(SourceTest, WarningsAreTheUsersOnly)
{
    const auto compiled = compile("user_warning.c", "-Wextra -Wpedantic");
    ASSERT_TRUE(exited_with(compiled->result.status, 0)) << compiled->result.err;
    const auto warnings = lines_with(compiled->result.err, "warning:");
    ASSERT_EQ(warnings.size(), 1u) << compiled->result.err;
    EXPECT_NE(warnings[0].find("user_warning.c:"), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[0].find("-Wparentheses"), std::string::npos) << warnings[0];
    EXPECT_TRUE(lines_with(compiled->result.err, "shim/").empty()) << compiled->result.err;
    EXPECT_TRUE(lines_with(compiled->result.err, "bpf_helper_defs.h").empty()) << compiled->result.err;
    EXPECT_TRUE(lines_with(compiled->result.err, ".glue.c").empty()) << compiled->result.err;
}

} // namespace
} // namespace compat_test
