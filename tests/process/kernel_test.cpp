// SPDX-License-Identifier: MIT
#include "kernel_test.hpp"

#include "winbpf/hook.hpp"
#include "winbpf/inventory.hpp"
#include "winbpf/system.hpp"

#include <linux/types.h>

#include "winbpf/abi.h"

#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace process_test
{
namespace
{

/// winbpf programs (hook entries and the fork tracker) loaded now that were not in before.
std::vector<std::string> new_winbpf_programs(const std::set<std::uint32_t> &before)
{
    std::vector<std::string> names;
    for (const winbpf::ProgramInfo &program : winbpf::list_programs())
        if (!before.contains(program.id) &&
            (!program.entry.handler.empty() || program.function == WINBPF_PROCESS_FORK_PROG))
            names.push_back(program.function + " (id " + std::to_string(program.id) + ")");
    return names;
}

} // namespace

void KernelTest::SetUp()
{
    ASSERT_EQ(geteuid(), 0u) << "the process-hook tests load BPF programs: run them as root";
    ASSERT_NO_THROW(winbpf::ensure_bpffs());
    for (const winbpf::ProgramInfo &program : winbpf::list_programs())
        programs_before_.insert(program.id);
}

void KernelTest::TearDown()
{
    if (geteuid() != 0)
        return;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    std::vector<std::string> left = new_winbpf_programs(programs_before_);
    while (!left.empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
        left = new_winbpf_programs(programs_before_);
    }
    for (const std::string &name : left)
        ADD_FAILURE() << "program still loaded after the test: " << name;
}

} // namespace process_test
