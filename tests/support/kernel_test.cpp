// SPDX-License-Identifier: MIT
#include "support/kernel_test.hpp"
#include "support/wait.hpp"

#include "winbpf/inventory.hpp"
#include "winbpf/system.hpp"

#include <linux/types.h>

#include "winbpf/abi.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <unistd.h>

namespace winbpf::test
{
namespace
{

bool program_loaded(std::uint32_t id)
{
    const int fd = bpf_prog_get_fd_by_id(id);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

/// winbpf programs (hook entries and the fork tracker) loaded now that were not in before, by id.
std::map<std::uint32_t, std::string> new_winbpf_programs(const std::set<std::uint32_t> &before)
{
    std::map<std::uint32_t, std::string> found;
    for (const winbpf::ProgramInfo &program : winbpf::list_programs())
        if (!before.contains(program.id) &&
            (!program.entry.handler.empty() || program.function == WINBPF_PROCESS_FORK_PROG))
            found.emplace(program.id, program.function);
    return found;
}

/// Maps loaded now that were not in before.
std::set<std::uint32_t> new_maps(const std::set<std::uint32_t> &before)
{
    std::set<std::uint32_t> found;
    for (std::uint32_t id : loaded_map_ids())
        if (!before.contains(id))
            found.insert(id);
    return found;
}

} // namespace

std::set<std::uint32_t> loaded_map_ids()
{
    std::set<std::uint32_t> ids;
    for (std::uint32_t id = 0; bpf_map_get_next_id(id, &id) == 0;)
        ids.insert(id);
    return ids;
}

bool wait_until_freed(const std::set<std::uint32_t> &ids, std::chrono::milliseconds timeout)
{
    return wait_until([&] { return std::none_of(ids.begin(), ids.end(), program_loaded); }, timeout);
}

std::set<std::uint32_t> program_ids(const winbpf::Object &object)
{
    std::set<std::uint32_t> ids;
    bpf_program *program = nullptr;
    bpf_object__for_each_program(program, object.raw())
    {
        const int fd = bpf_program__fd(program);
        if (fd >= 0)
            ids.insert(winbpf::program_id(fd, bpf_program__name(program)));
    }
    return ids;
}

void KernelTest::SetUp()
{
    ASSERT_EQ(geteuid(), 0u) << "this test loads BPF programs: run it as root";
    ASSERT_NO_THROW(winbpf::ensure_bpffs());
    for (const winbpf::ProgramInfo &program : winbpf::list_programs())
        programs_before_.insert(program.id);
    maps_before_ = loaded_map_ids();
    set_up_ = true;
}

void KernelTest::TearDown()
{
    if (!set_up_)
        return;
    const std::map<std::uint32_t, std::string> loaded = new_winbpf_programs(programs_before_);
    std::error_code ec;
    if (!pin_root_.empty() && std::filesystem::is_directory(pin_root_, ec))
        for (const winbpf::PinnedObject &pin : winbpf::list_pins(pin_root_))
            if (loaded.contains(pin.program_id))
                std::filesystem::remove_all(
                    pin_root_ / *std::filesystem::path(pin.path).lexically_relative(pin_root_).begin(), ec);
    std::set<std::uint32_t> ids;
    for (const auto &[id, name] : loaded)
        ids.insert(id);
    if (!wait_until_freed(ids, std::chrono::seconds(5))) {
        for (const auto &[id, name] : loaded)
            if (program_loaded(id))
                ADD_FAILURE() << "program still loaded after the test: " << name << " (id " << id << ")";
        return;
    }
    // The programs are gone: so must be every map made during the test (freed after them, within moments).
    std::set<std::uint32_t> maps;
    wait_until(
        [&] {
            maps = new_maps(maps_before_);
            return maps.empty();
        },
        std::chrono::seconds(5), std::chrono::milliseconds(20));
    if (!maps.empty())
        ADD_FAILURE() << maps.size() << " map(s) made during the test still loaded after it, e.g. id " << *maps.begin()
                      << " (bpftool map show id " << *maps.begin() << ")";
}

void CgroupKernelTest::SetUp()
{
    KernelTest::SetUp();
    if (HasFatalFailure())
        return;
    ASSERT_NO_THROW(cgroup.emplace());
    ASSERT_NO_THROW(cgroup->enter());
}

void CgroupKernelTest::TearDown()
{
    cgroup.reset();
    KernelTest::TearDown();
}

} // namespace winbpf::test
