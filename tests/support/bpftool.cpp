// SPDX-License-Identifier: MIT
#include "support/bpftool.hpp"

#include "support/child.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <stdexcept>

namespace winbpf::test
{

std::string bpftool_path()
{
    return BPFTOOL_PATH;
}

std::set<std::uint32_t> bpftool_program_ids()
{
    const CommandResult result = run({bpftool_path(), "-j", "prog", "show"}, std::chrono::seconds(30));
    if (!exited_with(result.status, 0))
        throw std::runtime_error("bpftool -j prog show: " + describe_status(result.status) + ": " + result.err);
    std::set<std::uint32_t> ids;
    for (const auto &program : nlohmann::json::parse(result.out))
        ids.insert(program.at("id").get<std::uint32_t>());
    return ids;
}

} // namespace winbpf::test
