// SPDX-License-Identifier: MIT
#include "proc_fdinfo.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

namespace winbpf::bench
{
namespace
{

/// prog_id and whether the descriptor is a link, from one fdinfo file.
struct FdInfo {
    std::uint32_t prog_id = 0;
    bool link = false;
};

FdInfo read_fdinfo(const std::filesystem::path &path)
{
    FdInfo info;
    std::ifstream file(path);
    std::string key;
    std::string value;
    while (file >> key && std::getline(file, value)) {
        if (key == "prog_id:")
            info.prog_id = static_cast<std::uint32_t>(std::stoul(value));
        else if (key == "link_id:")
            info.link = true;
    }
    return info;
}

} // namespace

std::set<std::uint32_t> BpfHoldings::all_programs() const
{
    std::set<std::uint32_t> all = programs;
    all.insert(linked_programs.begin(), linked_programs.end());
    return all;
}

bool BpfHoldings::attached() const
{
    return links > 0 && std::ranges::all_of(programs, [&](std::uint32_t id) { return linked_programs.contains(id); });
}

BpfHoldings scan_bpf_holdings(pid_t pid)
{
    BpfHoldings holdings;
    std::error_code error;
    const std::filesystem::path dir = "/proc/" + std::to_string(pid) + "/fdinfo";
    for (const auto &entry : std::filesystem::directory_iterator(dir, error)) {
        const FdInfo info = read_fdinfo(entry.path());
        if (info.prog_id == 0)
            continue;
        if (info.link) {
            ++holdings.links;
            holdings.linked_programs.insert(info.prog_id);
        } else {
            holdings.programs.insert(info.prog_id);
        }
    }
    return holdings;
}

} // namespace winbpf::bench
