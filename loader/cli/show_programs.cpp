// SPDX-License-Identifier: MIT
// `winbpf show programs`
#include "commands.hpp"

#include "winbpf/inventory.hpp"

#include <algorithm>
#include <iomanip>
#include <iostream>

namespace winbpf::cli
{

void show_programs()
{
    std::vector<ProgramInfo> programs = list_programs();
    std::size_t type_width = 4;
    for (const ProgramInfo &p : programs)
        type_width = std::max(type_width, p.type.size());

    std::cout << "\n"
              << std::right << std::setw(7) << "ID"
              << "  Pins  Links  Mode       " << std::left << std::setw(static_cast<int>(type_width)) << "Type"
              << "  Name\n";
    std::cout << "=======  ====  =====  =========  " << std::string(type_width, '=') << "  " << std::string(20, '=')
              << "\n";
    for (const ProgramInfo &p : programs) {
        std::cout << std::right << std::setw(7) << p.id << "  " << std::setw(4) << p.pins << "  " << std::setw(5)
                  << p.links << "  " << std::left << std::setw(9) << (p.jited ? "JIT" : "INTERPRET") << "  "
                  << std::setw(static_cast<int>(type_width)) << p.type << "  " << p.display_name << "\n";
    }
}

} // namespace winbpf::cli
