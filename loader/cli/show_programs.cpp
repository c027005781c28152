// SPDX-License-Identifier: MIT
// `winbpf show programs [type=] [attached=] [pinned=] [level=verbose] [filename=] [section=] [id=]`: one row per
// Windows program, its Linux programs under it.
#include "commands.hpp"
#include "table.hpp"

#include "winbpf/hook.hpp"
#include "winbpf/inventory.hpp"
#include "winbpf/system.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <map>
#include <optional>
#include <tuple>

namespace winbpf::cli
{

namespace
{

// One Windows program: a handler's entry programs from one load (same hook, handler and BTF object), with the
// object's support programs; or one program that is not a winbpf entry.
struct WindowsProgram {
    const ProgramInfo *primary = nullptr;
    std::vector<const ProgramInfo *> linux_programs; ///< Entries by rank, then support programs.
    std::size_t pins = 0, links = 0;
    bool jited = true;
    std::string type, name;
    std::string attach_type; ///< Windows attach type for hooks of several ("connect4"), else empty.
};

bool is_support_program(const ProgramInfo &p)
{
    return p.entry.handler.empty() && p.function.starts_with("winbpf__") && p.btf_id != 0;
}

std::vector<WindowsProgram> group(const std::vector<ProgramInfo> &programs)
{
    std::map<std::tuple<std::string, std::string, std::uint32_t>, WindowsProgram> handlers;
    std::vector<WindowsProgram> others;
    for (const ProgramInfo &p : programs) {
        if (p.entry.handler.empty()) {
            if (!is_support_program(p))
                others.push_back(WindowsProgram{&p, {&p}, p.pins, p.links, p.jited, p.type, p.display_name, {}});
            continue;
        }
        WindowsProgram &w = handlers[{p.entry.hook, p.entry.handler, p.btf_id}];
        w.linux_programs.push_back(&p);
        w.pins += p.pins;
        w.links += p.links;
        w.jited = w.jited && p.jited;
        w.type = p.entry.hook;
        w.name = p.entry.handler;
    }
    std::vector<WindowsProgram> rows;
    for (auto &[key, w] : handlers) {
        std::stable_sort(w.linux_programs.begin(), w.linux_programs.end(), [](auto *a, auto *b) {
            return std::pair(entry_rank(a->entry), a->id) < std::pair(entry_rank(b->entry), b->id);
        });
        w.primary = w.linux_programs.front();
        w.attach_type = entry_attach_type(w.primary->entry);
        for (const ProgramInfo &p : programs)
            if (is_support_program(p) && p.btf_id == std::get<2>(key))
                w.linux_programs.push_back(&p);
        rows.push_back(std::move(w));
    }
    // Support programs whose handlers are gone still show (as themselves).
    for (const ProgramInfo &p : programs)
        if (is_support_program(p) && std::none_of(rows.begin(), rows.end(), [&](const WindowsProgram &w) {
                return std::find(w.linux_programs.begin(), w.linux_programs.end(), &p) != w.linux_programs.end();
            }))
            others.push_back(WindowsProgram{&p, {&p}, p.pins, p.links, p.jited, p.type, p.display_name, {}});
    rows.insert(rows.end(), others.begin(), others.end());
    std::sort(rows.begin(), rows.end(), [](auto &a, auto &b) { return a.primary->id < b.primary->id; });
    return rows;
}

// The verification time in µs (the resolution of the verifier's statistics), or nothing for programs that winbpf
// did not load.
std::optional<std::uint64_t> verification_us(const ProgramInfo &p)
{
    if (!p.verification_ns)
        return std::nullopt;
    return *p.verification_ns / 1000;
}

nlohmann::json to_json(const ProgramInfo &p)
{
    const std::optional<std::uint64_t> us = verification_us(p);
    return {{"id", p.id},
            {"function", p.function},
            {"event", p.entry.event},
            {"program_type", p.program_type},
            {"pins", p.pins},
            {"links", p.links},
            {"mode", p.jited ? "JIT" : "INTERPRET"},
            {"verified_insns", p.verified_insns},
            {"verification_us", us ? nlohmann::json(*us) : nlohmann::json(nullptr)},
            {"xlated_insns", p.xlated_insns},
            {"btf_id", p.btf_id},
            {"map_ids", p.map_ids}};
}

// The hook's note for rows of a winbpf hook and attach type (hook_note(), asked once per pair), else empty.
const std::string &note_of(const WindowsProgram &w)
{
    static std::map<std::pair<std::string, std::string>, std::string> notes;
    auto found = notes.find({w.type, w.attach_type});
    if (found == notes.end())
        found = notes.emplace(std::pair(w.type, w.attach_type), hook_note(w.type, w.attach_type)).first;
    return found->second;
}

// The Type cell: the hook, with the attach type for hooks of several ("sock_addr (connect4)").
std::string type_of(const WindowsProgram &w)
{
    return w.attach_type.empty() ? w.type : w.type + " (" + w.attach_type + ")";
}

} // namespace

void show_programs(const std::vector<std::string> &parameters, bool json)
{
    auto values = parse_parameters(parameters, {"type", "attached", "pinned", "level", "filename", "section", "id"});
    const std::string level = values.count("level") ? values["level"] : "normal";
    if (level != "normal" && level != "verbose")
        throw UsageError("level=" + level + " is invalid (expected normal or verbose)");
    if (values.count("type"))
        check_program_type(values["type"], true);
    for (const char *tag : {"attached", "pinned"})
        if (values.count(tag) && values[tag] != "yes" && values[tag] != "no" && values[tag] != "any")
            throw UsageError(std::string(tag) + "=" + values[tag] + " is invalid (expected yes, no or any)");
    const std::string id = values.count("id") ? values["id"] : "";
    if (values.count("id") && (id.size() > 10 || id.find_first_not_of("0123456789") != std::string::npos))
        throw UsageError("id=" + id + " is not a program ID (a number)");
    require_privilege(Verb::list_by_id);
    use_system_bpffs(false);
    const std::vector<ProgramInfo> programs = list_programs();
    std::vector<WindowsProgram> rows = group(programs);
    if (values.count("type"))
        std::erase_if(rows, [&](const WindowsProgram &w) { return w.type != values["type"]; });
    // attached=, pinned=: whether it has links, pins (any: either).
    auto keep = [&](const char *tag, std::size_t count) {
        return !values.count(tag) || values[tag] != (count > 0 ? "no" : "yes");
    };
    std::erase_if(rows, [&](const WindowsProgram &w) { return !keep("attached", w.links) || !keep("pinned", w.pins); });
    if (values.count("section"))
        std::erase_if(rows, [&](const WindowsProgram &w) { return w.type != values["section"]; });
    if (values.count("id"))
        std::erase_if(rows, [&](const WindowsProgram &w) {
            return std::none_of(w.linux_programs.begin(), w.linux_programs.end(),
                                [&](const ProgramInfo *p) { return std::to_string(p->id) == id; });
        });
    if (values.count("filename")) {
        const std::vector<std::uint32_t> added =
            added_from_file(values["filename"], values.count("section") ? values["section"] : "");
        std::erase_if(rows, [&](const WindowsProgram &w) {
            return std::find(added.begin(), added.end(), w.primary->id) == added.end();
        });
    }

    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const WindowsProgram &w : rows) {
            nlohmann::json linux_programs = nlohmann::json::array();
            for (const ProgramInfo *p : w.linux_programs)
                linux_programs.push_back(to_json(*p));
            out.push_back(
                {{"id", w.primary->id},
                 {"pins", w.pins},
                 {"links", w.links},
                 {"mode", w.jited ? "JIT" : "INTERPRET"},
                 {"type", w.type},
                 {"attach_type", w.attach_type.empty() ? nlohmann::json(nullptr) : nlohmann::json(w.attach_type)},
                 {"name", w.name},
                 {"note",
                  level == "verbose" && !note_of(w).empty() ? nlohmann::json(note_of(w)) : nlohmann::json(nullptr)},
                 {"linux_programs", linux_programs}});
        }
        std::cout << out.dump(2) << "\n";
        return;
    }
    Table table({{"ID", true}, {"Pins", true}, {"Links", true}, {"Mode"}, {"Type"}, {"Name"}});
    for (const WindowsProgram &w : rows) {
        table.add({std::to_string(w.primary->id), std::to_string(w.pins), std::to_string(w.links),
                   w.jited ? "JIT" : "INTERPRET", type_of(w), w.name});
        if (level != "verbose")
            continue;
        if (const std::string note = note_of(w); !note.empty())
            table.add_detail(note);
        for (const ProgramInfo *p : w.linux_programs) {
            const std::optional<std::uint64_t> us = verification_us(*p);
            table.add_detail("Linux program " + std::to_string(p->id) + ": " + p->function + " (" + p->program_type +
                             (p->entry.event.empty() ? "" : ", " + p->entry.event) + "), " +
                             std::to_string(p->verified_insns) + " instructions verified, verification " +
                             (us ? std::to_string(*us) + " us" : "-") + ", " + std::to_string(p->xlated_insns) +
                             " loaded, pins " + std::to_string(p->pins) + ", links " + std::to_string(p->links));
        }
    }
    table.print(std::cout);
}

} // namespace winbpf::cli
