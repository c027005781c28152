// SPDX-License-Identifier: MIT
// `winbpf add program FILE cgroup=PATH` with bind programs: two at once, delete leaves nothing attached, and the
// errors for a missing cgroup, a directory that is not a cgroup-v2 one, and a cgroup for a process program.
#include "bind_fixture.hpp"

#include "support/child.hpp"
#include "winbpf/unique_fd.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <regex>
#include <unistd.h>

namespace bind_test
{
namespace
{

using winbpf::test::run;

// The program id `winbpf add program` printed ("Loaded with ID N").
std::uint32_t loaded_id(const std::string &out)
{
    std::smatch match;
    if (!std::regex_search(out, match, std::regex("Loaded with ID ([0-9]+)")))
        return 0;
    return static_cast<std::uint32_t>(std::stoul(match[1]));
}

// Writes policy into the bind_policy map of the loaded program id (found through the program's map ids).
void set_policy(std::uint32_t program_id, const bind_policy &policy)
{
    winbpf::UniqueFd program(bpf_prog_get_fd_by_id(program_id));
    ASSERT_TRUE(program) << "program " << program_id;
    __u32 map_ids[16] = {};
    bpf_prog_info info{};
    info.nr_map_ids = 16;
    info.map_ids = reinterpret_cast<__u64>(map_ids);
    __u32 length = sizeof(info);
    ASSERT_EQ(bpf_obj_get_info_by_fd(program.get(), &info, &length), 0);
    for (__u32 i = 0; i < info.nr_map_ids && i < 16; ++i) {
        winbpf::UniqueFd map(bpf_map_get_fd_by_id(map_ids[i]));
        bpf_map_info map_info{};
        __u32 map_length = sizeof(map_info);
        if (!map || bpf_obj_get_info_by_fd(map.get(), &map_info, &map_length) != 0)
            continue;
        if (std::string(map_info.name) == "bind_policy") {
            __u32 zero = 0;
            ASSERT_EQ(bpf_map_update_elem(map.get(), &zero, &policy, BPF_ANY), 0);
            return;
        }
    }
    FAIL() << "program " << program_id << " has no bind_policy map";
}

TEST_F(BindTest, CliTwoProgramsThenDeleteLeavesNothingAttached)
{
    const std::uint16_t port_a = free_port(Family::v4, Protocol::tcp);
    const std::uint16_t port_b = free_port(Family::v6, Protocol::tcp);
    const std::string cg = "cgroup=" + cgroup->path().string();
    auto a = run({WINBPF_CLI_PATH, "add", "program", bpf_object_path("bind_recorder"), cg});
    auto b = run({WINBPF_CLI_PATH, "add", "program", bpf_object_path("bind_recorder"), cg});
    ASSERT_EQ(a.exit_code(), 0) << a.err;
    ASSERT_EQ(b.exit_code(), 0) << b.err;
    const std::uint32_t id_a = loaded_id(a.out), id_b = loaded_id(b.out);
    ASSERT_NE(id_a, 0u);
    ASSERT_NE(id_b, 0u);
    const std::uint32_t me = static_cast<std::uint32_t>(getpid());
    set_policy(id_a, bind_policy{.watch_pid = me, .deny_port = port_a});
    set_policy(id_b, bind_policy{.watch_pid = me, .deny_port = port_b});

    Socket s1(Family::v4, Protocol::tcp), s2(Family::v6, Protocol::tcp), s3(Family::v4, Protocol::udp);
    EXPECT_EQ(s1.bind(port_a), EPERM);
    EXPECT_EQ(s2.bind(port_b), EPERM);
    EXPECT_EQ(s3.bind(0), 0);

    auto show = run({WINBPF_CLI_PATH, "show", "programs"});
    // One row per Windows program, with the pins and links of its five Linux programs.
    for (std::uint32_t id : {id_a, id_b})
        EXPECT_TRUE(
            std::regex_search(show.out, std::regex("\n *" + std::to_string(id) + " +5 +5 +JIT +bind +BindRecorder\n")))
            << show.out;

    for (std::uint32_t id : {id_a, id_b}) {
        auto deleted = run({WINBPF_CLI_PATH, "delete", "program", std::to_string(id)});
        EXPECT_EQ(deleted.exit_code(), 0) << deleted.err;
    }
    Socket s4(Family::v4, Protocol::tcp);
    EXPECT_EQ(s4.bind(port_a), 0) << "still denied after delete";
    auto attached = run({BPFTOOL_PATH, "cgroup", "show", cgroup->path().string()});
    EXPECT_EQ(attached.out, "") << "programs still attached to the test cgroup";
    // TearDown checks that every program of the test is freed.
}

TEST_F(BindTest, CliCgroupErrorsAreClear)
{
    auto missing = run({WINBPF_CLI_PATH, "add", "program", bpf_object_path("bind_recorder"),
                        "cgroup=" + cgroup->path().string() + "/no-such-child"});
    EXPECT_EQ(missing.exit_code(), 1);
    EXPECT_NE(missing.err.find("no-such-child': No such file or directory"), std::string::npos) << missing.err;

    auto not_v2 = run({WINBPF_CLI_PATH, "add", "program", bpf_object_path("bind_recorder"), "cgroup=/tmp"});
    EXPECT_EQ(not_v2.exit_code(), 1);
    EXPECT_NE(not_v2.err.find("'/tmp' is not a cgroup-v2 directory (cgroup v2 is mounted at "), std::string::npos)
        << not_v2.err;

    auto process = run({WINBPF_CLI_PATH, "add", "program", PROCESS_RECORDER_OBJECT, "cgroup=/tmp"});
    EXPECT_EQ(process.exit_code(), 1);
    EXPECT_NE(process.err.find("Cgroup parameter is not allowed for program types that don't support cgroups."),
              std::string::npos)
        << process.err;

    auto interface = run({WINBPF_CLI_PATH, "add", "program", bpf_object_path("bind_recorder"), "interface=lo"});
    EXPECT_EQ(interface.exit_code(), 1);
    EXPECT_NE(interface.err.find("Interface parameter is not allowed for program types that don't support interfaces."),
              std::string::npos)
        << interface.err;

    auto unknown = run({WINBPF_CLI_PATH, "add", "program", bpf_object_path("bind_recorder"), "colour=red"});
    EXPECT_EQ(unknown.exit_code(), 2);
    EXPECT_NE(unknown.err.find("unknown parameter 'colour'"), std::string::npos) << unknown.err;
}

} // namespace
} // namespace bind_test
