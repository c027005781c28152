// SPDX-License-Identifier: MIT
// Issue 19 §5: every object winbpf builds loads and pins with plain `bpftool prog loadall OBJ /sys/fs/bpf/x` (Debian's
// bpftool and libbpf 1.1): every tool object of build/bpf (process_monitor.o with its 64 KiB per-CPU record scratch
// among them) and a test object of every hook, including those with optional entry programs (the process hook's lsm
// and group_dead exit variants, sock_addr's listen lsm entries: Makefile.bpf hides those from plain libbpf, and
// winbpf's loader still sees them and chooses the variant at run time) and those whose maps winbpf adapts for Linux
// when it builds them (PERF_EVENT_ARRAY sized in bytes, 8-byte array keys, per-CPU values over 32 KiB, legacy maps).
#include "compat_fixture.hpp"

#include "support/bpftool.hpp"
#include "support/kernel_test.hpp"
#include "support/pin_dir.hpp"
#include "winbpf/object.hpp"
#include "winbpf/unique_fd.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>
#include <vector>

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

/// Kernel ids of the programs pinned in dir.
std::set<std::uint32_t> pinned_program_ids(const fs::path &dir)
{
    std::set<std::uint32_t> ids;
    for (const auto &entry : fs::directory_iterator(dir)) {
        const winbpf::UniqueFd fd(bpf_obj_get(entry.path().c_str()));
        EXPECT_TRUE(fd) << entry.path() << ": " << std::strerror(errno);
        bpf_prog_info info{};
        __u32 length = sizeof info;
        if (fd && bpf_obj_get_info_by_fd(fd.get(), &info, &length) == 0)
            ids.insert(info.id);
        else
            ADD_FAILURE() << entry.path() << ": no program info: " << std::strerror(errno);
    }
    return ids;
}

/// The objects of build/bpf (the tools': process_monitor.o, bind_monitor.o, ...), by path.
std::vector<std::string> tool_objects()
{
    std::vector<std::string> objects;
    for (const auto &entry : fs::directory_iterator(fs::path(WINBPF_BUILD_DIR) / "bpf"))
        if (entry.path().extension() == ".o" && entry.path().stem().extension().empty())
            objects.push_back(entry.path().string());
    std::sort(objects.begin(), objects.end());
    return objects;
}

/// `bpftool prog loadall` of hook.object into a directory of the test's own: it loads and pins the programs, pins the
/// expected ones and not the hidden ones, and every pin is one of the object's programs; once the pins are removed,
/// none of the programs bpftool loaded is left in the kernel.
void expect_loadall(const HookObject &hook)
{
    SCOPED_TRACE(hook.hook + ": " + hook.object);
    std::set<std::uint32_t> ids;
    {
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
        ids = pinned_program_ids(pins.path());
        EXPECT_EQ(ids.size(), names.size());
    } // the pins go: bpftool's programs (and their maps) have no reference left
    EXPECT_TRUE(wait_until_freed(ids, 5s)) << "a program bpftool loaded is still loaded after its pin was removed";
}

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
        {"sockops", test_bpf_object("sock_ops_recorder"), {}, {}},
    };
    for (const HookObject &hook : objects)
        expect_loadall(hook);
}

// The maps winbpf adapts for Linux are adapted in the object on disk: a PERF_EVENT_ARRAY sized in bytes and without
// key and value sizes (the perf_every_hook objects, one per hook), 8-byte array keys, a 65,520-byte per-CPU value,
// legacy SEC("maps") maps.
TEST_F(BpftoolTest, LoadallLoadsObjectsWithAdaptedMaps)
{
    for (const std::string name : {"perf_every_hook_process", "perf_every_hook_bind", "perf_every_hook_netevent",
                                   "array_key64", "big_percpu", "legacy_maps", "legacy_mixed"})
        expect_loadall({name, object_path(name), {}, {}});
}

// Every object of build/bpf, the tools' (process_monitor.o has a PERCPU_ARRAY with a 64 KiB record value, over Linux's
// 32 KiB per-CPU limit).
TEST_F(BpftoolTest, LoadallLoadsEveryToolObject)
{
    const std::vector<std::string> objects = tool_objects();
    for (const std::string tool :
         {"process_monitor", "bind_monitor", "connection_monitor", "netevent_monitor", "droppacket"})
        EXPECT_NE(std::find(objects.begin(), objects.end(), std::string(WINBPF_BUILD_DIR) + "/bpf/" + tool + ".o"),
                  objects.end())
            << tool << ".o is not in build/bpf";
    for (const std::string &object : objects)
        expect_loadall({fs::path(object).filename().string(), object, {}, {}});
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
