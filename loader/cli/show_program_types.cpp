// SPDX-License-Identifier: MIT
// `winbpf show program-types`: the Windows hooks winbpf maps (replaces Windows' export_program_info step), from the
// hook table and the loader modules (winbpf::hook_types()).
#include "commands.hpp"
#include "table.hpp"

#include "winbpf/hook.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace winbpf::cli
{

void show_program_types(bool json)
{
    const std::vector<HookType> types = hook_types();
    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const HookType &t : types) {
            nlohmann::json hooks = nlohmann::json::array();
            for (const LinuxHook &h : t.linux_hooks)
                hooks.push_back({{"event", h.event}, {"section", h.section}, {"meaning", h.meaning}});
            out.push_back({{"name", t.name},
                           {"section_prefix", t.sections.front()},
                           {"sections", t.sections},
                           {"context", t.context},
                           {"program_type_guid", t.program_type_guid},
                           {"attach_type_guid", t.attach_type_guid},
                           {"helpers", t.helpers},
                           {"attach_parameters", t.attach_options},
                           {"linux_hooks", hooks}});
        }
        std::cout << out.dump(2) << "\n";
        return;
    }
    Table table({{"Name"}, {"Section Prefix"}, {"Context"}, {"Program Type GUID"}, {"Attach Type GUID"}});
    for (const HookType &t : types)
        table.add(
            {t.name,
             t.sections.size() == 1 ? t.sections.front() : std::to_string(t.sections.size()) + " sections (below)",
             t.context, t.program_type_guid, t.attach_type_guid});
    table.print(std::cout);
    for (const HookType &t : types) {
        std::cout << "\n" << t.name << " (" << t.context << ")";
        std::string parameters;
        for (const std::string &o : t.attach_options)
            parameters += (parameters.empty() ? "" : " ") + o + "=";
        std::cout << (parameters.empty() ? "" : ", add program parameters: " + parameters) << "\n";
        if (t.sections.size() > 1) {
            std::cout << "  sections:";
            for (const std::string &section : t.sections)
                std::cout << " " << section;
            std::cout << "\n";
        }
        if (!t.helpers.empty()) {
            std::cout << "  helpers:";
            for (const std::string &h : t.helpers)
                std::cout << " " << h;
            std::cout << "\n";
        }
        for (const LinuxHook &h : t.linux_hooks)
            std::cout << "  " << h.event << ": " << h.section << " - " << h.meaning << "\n";
    }
}

} // namespace winbpf::cli
