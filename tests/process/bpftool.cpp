// SPDX-License-Identifier: MIT
#include "bpftool.hpp"

#include "child.hpp"
#include "winbpf/inventory.hpp"

#include <bpf/libbpf.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <stdexcept>

namespace process_test
{

std::string bpftool_path()
{
    return BPFTOOL_PATH;
}

std::set<std::uint32_t> bpftool_program_ids()
{
    const CommandResult result = run_command({bpftool_path(), "-j", "prog", "show"}, std::chrono::seconds(30));
    if (!exited_with(result.status, 0))
        throw std::runtime_error("bpftool -j prog show: " + describe_status(result.status) + ": " + result.err);
    std::set<std::uint32_t> ids;
    for (const auto &program : nlohmann::json::parse(result.out))
        ids.insert(program.at("id").get<std::uint32_t>());
    return ids;
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

} // namespace process_test
