// SPDX-License-Identifier: MIT
// Issue 19 §5: every object winbpf builds loads and pins with plain `bpftool prog loadall OBJ /sys/fs/bpf/x` (Debian's
// bpftool and libbpf 1.1), one per hook, including those with optional entry programs (the process hook's lsm and
// group_dead exit variants, sock_addr's listen lsm entries): Makefile.bpf hides those from plain libbpf, and winbpf's
// loader still sees them and chooses the variant at run time.
#include "compat_fixture.hpp"

#include "support/bpftool.hpp"
#include "support/pin_dir.hpp"
#include "winbpf/object.hpp"

#include <bpf/libbpf.h>

#include <chrono>
#include <filesystem>
#include <set>

namespace compat_test
{
namespace
{

using namespace winbpf::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

class BpftoolTest : public CompatTest
{
};

/// Object of tests/bpf built by CMake (tests/bpf/CMakeLists.txt).
std::string test_bpf_object(const std::string &name)
{
    return std::string(WINBPF_BUILD_DIR) + "/tests/bpf/" + name + ".o";
}

/// Names of the files in dir (the programs bpftool pinned there).
std::set<std::string> pinned(const fs::path &dir)
{
    std::set<std::string> names;
    for (const auto &entry : fs::directory_iterator(dir))
        names.insert(entry.path().filename().string());
    return names;
}

struct HookObject {
    std::string hook;
    std::string object;
    std::set<std::string> programs; ///< some of the programs bpftool must pin
    std::set<std::string> hidden;   ///< optional programs it must not see
};

TEST_F(BpftoolTest, LoadallLoadsAndPinsAnObjectOfEveryHook)
{
    const std::vector<HookObject> objects{
        {"process",
         test_bpf_object("process_recorder"),
         {"ProcessRecorder__winbpf_process_exec", "ProcessRecorder__winbpf_process_exit_live", "winbpf__process_fork"},
         {"ProcessRecorder__winbpf_process_lsm", "ProcessRecorder__winbpf_process_exit"}},
        {"bind",
         test_bpf_object("bind_recorder"),
         {"BindRecorder__winbpf_bind_bind4", "BindRecorder__winbpf_bind_unbind"},
         {}},
        {"netevent_monitor",
         test_bpf_object("netevent_recorder"),
         {"NeteventRecorder__winbpf_netevent_monitor_drop"},
         {}},
        {"xdp", test_bpf_object("xdp_actions"), {"XdpActions__winbpf_xdp_xdp"}, {}},
        {"sock_addr",
         test_bpf_object("sock_addr_policy"),
         {"authorize_listen4__winbpf_sock_addr_listen4_observe", "authorize_connect4__winbpf_sock_addr_connect4"},
         {"authorize_listen4__winbpf_sock_addr_listen4", "authorize_listen6__winbpf_sock_addr_listen6"}},
    };
    for (const HookObject &hook : objects) {
        SCOPED_TRACE(hook.hook + ": " + hook.object);
        PinDir pins("winbpf_compat_loadall");
        const CommandResult loaded = run({bpftool_path(), "prog", "loadall", hook.object, pins.path().string()}, 60s);
        ASSERT_TRUE(exited_with(loaded.status, 0)) << loaded.err;
        const std::set<std::string> names = pinned(pins.path());
        EXPECT_FALSE(names.empty());
        for (const std::string &program : hook.programs)
            EXPECT_TRUE(names.contains(program)) << program << " is not pinned";
        for (const std::string &program : hook.hidden)
            EXPECT_FALSE(names.contains(program)) << program << " is optional: bpftool must not see it";
        // Every pinned program is one of the object's entries (bpftool names pins after the programs).
        winbpf::Object object = winbpf::Object::open_file(hook.object);
        for (const std::string &name : names)
            EXPECT_NE(bpf_object__find_program_by_name(object.raw(), name.c_str()), nullptr) << name;
    }
}

// winbpf's loader still sees the optional programs, with autoload off until a hook module chooses them: the lsm
// variants are there for kernels with BPF LSM, as before.
TEST_F(BpftoolTest, WinbpfStillSeesTheOptionalPrograms)
{
    for (const auto &[object_name, optional] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"process_recorder", {"ProcessRecorder__winbpf_process_lsm", "ProcessRecorder__winbpf_process_exit"}},
             {"sock_addr_policy",
              {"authorize_listen4__winbpf_sock_addr_listen4", "authorize_listen6__winbpf_sock_addr_listen6"}}}) {
        winbpf::Object object = winbpf::Object::open_file(test_bpf_object(object_name));
        for (const std::string &name : optional) {
            bpf_program *program = bpf_object__find_program_by_name(object.raw(), name.c_str());
            ASSERT_NE(program, nullptr) << object_name << ": " << name;
            EXPECT_FALSE(bpf_program__autoload(program)) << name << " is optional";
            EXPECT_TRUE(std::string(bpf_program__section_name(program)).starts_with("lsm/") ||
                        std::string(bpf_program__section_name(program)).starts_with("tp_btf/"))
                << bpf_program__section_name(program);
        }
    }
}

} // namespace
} // namespace compat_test
