// SPDX-License-Identifier: MIT
#include "winbpf/hook.hpp"

#include "hooks/hook_module.hpp"

#include <linux/types.h>

#include "winbpf/abi.h"

namespace winbpf
{

namespace
{
constexpr std::string_view entry_mark = WINBPF_ENTRY_MARK; // the name the glue gives entry programs

bool is_event_name(std::string_view event)
{
    if (event.empty())
        return false;
    for (char c : event)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    return true;
}
} // namespace

std::string hook_note(std::string_view hook, std::string_view attach_type)
{
    const detail::HookModule *module = detail::find_hook_module(hook);
    if (!module)
        return std::string();
    std::string note = module->attach_note();
    const std::string of_type = attach_type.empty() ? std::string() : module->attach_type_note(attach_type);
    return note.empty() ? of_type : of_type.empty() ? note : note + "; " + of_type;
}

std::string entry_attach_type(const EntryName &entry)
{
    const detail::HookModule *module = detail::find_hook_module(entry.hook);
    return module ? module->attach_type(entry.event) : std::string();
}

EntryName parse_entry_name(std::string_view name)
{
    for (auto pos = name.find(entry_mark); pos != std::string_view::npos; pos = name.find(entry_mark, pos + 1)) {
        if (pos == 0)
            continue; // no handler name
        std::string_view rest = name.substr(pos + entry_mark.size());
        for (std::string_view hook : detail::known_hook_names()) {
            if (rest.size() > hook.size() + 1 && rest.starts_with(hook) && rest[hook.size()] == '_') {
                std::string_view event = rest.substr(hook.size() + 1);
                if (is_event_name(event))
                    return EntryName{std::string(name.substr(0, pos)), std::string(hook), std::string(event)};
            }
        }
    }
    return {};
}

} // namespace winbpf
