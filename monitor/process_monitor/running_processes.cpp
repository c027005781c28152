// SPDX-License-Identifier: MIT
// Command lines of the processes already running when the monitor starts, from /proc (declared in process_monitor.hpp).
#include "process_monitor.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <system_error>

namespace winbpf::monitor
{
namespace
{

/// The process id a /proc entry name stands for, or 0.
std::uint32_t process_id_of(const std::string &name)
{
    std::uint32_t id = 0;
    const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), id);
    return error == std::errc() && end == name.data() + name.size() ? id : 0;
}

} // namespace

void cmdline_to_command_line(std::string &cmdline)
{
    while (!cmdline.empty() && cmdline.back() == '\0')
        cmdline.pop_back();
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
}

std::size_t add_running_processes(ProcessTable &table, const std::filesystem::path &proc_root)
{
    std::size_t added = 0;
    std::error_code error;
    std::filesystem::directory_iterator it(proc_root, error), end;
    std::string cmdline;
    for (; !error && it != end; it.increment(error)) {
        const std::uint32_t process_id = process_id_of(it->path().filename().string());
        if (process_id == 0)
            continue;
        std::ifstream file(it->path() / "cmdline", std::ios::binary);
        if (!file)
            continue;
        cmdline.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
        cmdline_to_command_line(cmdline);
        if (cmdline.empty()) // kernel threads, zombies
            continue;
        const std::size_t before = table.size();
        table.add_running(process_id, cmdline);
        added += table.size() - before;
    }
    return added;
}

} // namespace winbpf::monitor
