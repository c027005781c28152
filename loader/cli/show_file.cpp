// SPDX-License-Identifier: MIT
// Verbs about an object file: `show sections`, `show verification`, `show disassembly`, `show compatibility`.
#include "commands.hpp"
#include "disassembler.hpp"
#include "table.hpp"

#include "winbpf/btf_ptr.hpp"
#include "winbpf/error.hpp"
#include "winbpf/hook.hpp"
#include "winbpf/object.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string_view>

namespace winbpf::cli
{

namespace
{

// The Windows hook and handler of a program ("xdp", "DropPacket"), or empty for other programs.
EntryName entry_of(const bpf_program *program)
{
    return parse_entry_name(bpf_program__name(program));
}

// section= and program= of verification and disassembly: a program is selected when each given filter names its
// ELF section or Windows hook (section=) and its Linux name or Windows handler (program=).
struct Selection {
    std::optional<std::string> section, program;

    bool selects(const bpf_program *p) const
    {
        const EntryName entry = entry_of(p);
        if (section && *section != bpf_program__section_name(p) && *section != entry.hook)
            return false;
        if (program && *program != bpf_program__name(p) && *program != entry.handler)
            return false;
        return true;
    }
};

Selection parse_selection(std::map<std::string, std::string> values)
{
    Selection selection;
    if (values.count("section"))
        selection.section = values["section"];
    if (values.count("program"))
        selection.program = values["program"];
    return selection;
}

Selection parse_selection(const std::vector<std::string> &parameters)
{
    return parse_selection(parse_parameters(parameters, {"section", "program"}));
}

// Turns off autoload of the hook entries the selection does not name (support programs of the hooks stay); throws
// Error when it names no program of the object.
void apply_selection(const Object &object, const Selection &selection)
{
    bool any = false;
    bpf_program *program;
    bpf_object__for_each_program(program, object.raw())
    {
        if (selection.selects(program)) {
            any = true;
            continue;
        }
        if (entry_of(program).handler.empty())
            continue;
        if (bpf_program__set_autoload(program, false) != 0)
            throw Error(object.name() + ": cannot leave out program '" + bpf_program__name(program) + "'", EINVAL);
    }
    if (!any)
        throw Error(object.name() + ": no program" + (selection.section ? " in section " + *selection.section : "") +
                        (selection.program ? " named " + *selection.program : "") +
                        " (`winbpf show sections FILE` lists them)",
                    ENOENT);
}

// The programs of a loaded object the selection names (with autoload on), in ELF order.
std::vector<bpf_program *> selected(const Object &object, const Selection &selection)
{
    std::vector<bpf_program *> programs;
    bpf_program *program;
    bpf_object__for_each_program(program, object.raw())
    {
        if (bpf_program__autoload(program) && selection.selects(program))
            programs.push_back(program);
    }
    return programs;
}

struct SourceLine {
    std::string file;
    unsigned long line = 0;
    std::string text;
};

// Whether a file named in a verifier log (its base name) holds the user's code: not the generated glue
// (<object>.glue.c) nor a header of the shim, libbpf or vmlinux.h (WINBPF_NOT_USER_SOURCES, from the build).
bool is_user_source(const std::string &file)
{
    if (file.ends_with(".glue.c"))
        return false;
    const std::string_view names = WINBPF_NOT_USER_SOURCES;
    for (std::size_t start = 0; start <= names.size();) {
        std::size_t end = names.find(',', start);
        if (end == std::string_view::npos)
            end = names.size();
        if (names.substr(start, end - start) == file)
            return false;
        start = end + 1;
    }
    return true;
}

// Where the verifier stopped, in the user's terms: of the log's "; <source> @ <file>:<line>" lines, the last one in
// the user's source with a line number (an instruction with none says "<file>:0"; the shim's and the glue's lines lead
// back to the user's call of them). Without any, the last of the user's source without a number (an object built
// without -g: its function's line record, "<function>: no source line (compiled without -g)"), the last line with a
// number, else the last line.
std::optional<SourceLine> failing_source_line(const std::string &log)
{
    std::optional<SourceLine> last, numbered, user, user_unnumbered;
    std::istringstream lines(log);
    std::string line;
    while (std::getline(lines, line)) {
        if (!line.starts_with("; "))
            continue;
        auto at = line.rfind(" @ ");
        auto colon = line.rfind(':');
        if (at == std::string::npos || colon == std::string::npos || colon < at)
            continue;
        const std::string number = line.substr(colon + 1);
        if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos)
            continue;
        last = SourceLine{line.substr(at + 3, colon - at - 3), std::stoul(number), line.substr(2, at - 2)};
        if (last->line == 0) {
            if (is_user_source(last->file))
                user_unnumbered = last;
            continue;
        }
        numbered = last;
        if (is_user_source(last->file))
            user = last;
    }
    return user ? user : user_unnumbered ? user_unnumbered : numbered ? numbered : last;
}

bpf_prog_info program_info(int fd, const std::string &name)
{
    bpf_prog_info info{};
    __u32 length = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0) {
        int err = errno;
        throw Error("reading the info of program '" + name + "': " + std::string(strerror(err)), err);
    }
    return info;
}

std::string describe(const bpf_program *program)
{
    const EntryName entry = entry_of(program);
    return entry.handler.empty() ? std::string("support program") : entry.handler + ", " + entry.hook + " hook";
}

} // namespace

void show_sections(const std::string &file, const std::vector<std::string> &parameters, bool json)
{
    auto values = parse_parameters(parameters, {"section", "level"});
    const std::string level = values.count("level") ? values["level"] : "normal";
    if (level != "normal" && level != "verbose")
        throw UsageError("level=" + level + " is invalid (expected normal or verbose)");
    Selection selection;
    if (values.count("section"))
        selection.section = values["section"];
    Object object = Object::open_file(file);
    nlohmann::json programs = nlohmann::json::array(), maps = nlohmann::json::array();
    Table program_table({{"Section"}, {"Program"}, {"Windows Hook"}, {"Handler"}, {"Type"}, {"Instructions", true}});
    bpf_program *program;
    bool any = false;
    bpf_object__for_each_program(program, object.raw())
    {
        if (!selection.selects(program))
            continue;
        any = true;
        const EntryName entry = entry_of(program);
        const char *attach = libbpf_bpf_attach_type_str(bpf_program__expected_attach_type(program));
        const char *type = libbpf_bpf_prog_type_str(bpf_program__type(program));
        const std::size_t insns = bpf_program__insn_cnt(program);
        programs.push_back({{"section", bpf_program__section_name(program)},
                            {"program", bpf_program__name(program)},
                            {"hook", entry.hook},
                            {"handler", entry.handler},
                            {"event", entry.event},
                            {"program_type", type ? type : ""},
                            {"attach_type", attach ? attach : ""},
                            {"instructions", insns},
                            {"size", insns * sizeof(bpf_insn)}});
        program_table.add({bpf_program__section_name(program), bpf_program__name(program), entry.hook, entry.handler,
                           type ? type : "?", std::to_string(insns)});
        if (level == "verbose")
            program_table.add_detail("Linux attach type " + std::string(attach ? attach : "?") + ", " +
                                     std::to_string(insns * sizeof(bpf_insn)) + " bytes" +
                                     (entry.event.empty() ? "" : ", event " + entry.event));
    }
    if (!any)
        throw Error(file + ": no program in section " + *selection.section + " (`winbpf show sections " + file +
                        "` lists them)",
                    ENOENT);
    Table map_table({{"Name"}, {"Map Type"}, {"Key Size", true}, {"Value Size", true}, {"Max Entries", true}});
    bpf_map *map;
    bpf_object__for_each_map(map, object.raw())
    {
        const char *type = libbpf_bpf_map_type_str(bpf_map__type(map));
        maps.push_back({{"name", bpf_map__name(map)},
                        {"map_type", type ? type : ""},
                        {"key_size", bpf_map__key_size(map)},
                        {"value_size", bpf_map__value_size(map)},
                        {"max_entries", bpf_map__max_entries(map)}});
        map_table.add({bpf_map__name(map), type ? type : "?", std::to_string(bpf_map__key_size(map)),
                       std::to_string(bpf_map__value_size(map)), std::to_string(bpf_map__max_entries(map))});
    }
    if (json) {
        std::cout << nlohmann::json{{"file", file}, {"programs", programs}, {"maps", maps}}.dump(2) << "\n";
        return;
    }
    program_table.print(std::cout);
    map_table.print(std::cout);
}

int show_verification(const std::string &file, const std::vector<std::string> &parameters, bool json)
{
    auto values = parse_parameters(parameters, {"section", "program", "type", "level"});
    const std::string level = values.count("level") ? values["level"] : "normal";
    if (level != "normal" && level != "verbose")
        throw UsageError("level=" + level + " is invalid (expected normal or verbose)");
    if (values.count("type"))
        check_program_type(values["type"], false);
    const Selection selection = parse_selection(values);
    require_privilege(Verb::load_only);
    // --json has one shape for both results: {"file", "result": "succeeded"|"failed", "programs": [{"program",
    // "section", "handler", "verified_insns", "xlated_insns", "verification_us" (null: unknown)}] (empty on failure),
    // "adaptations": [...], "error": null|the verifier's report, "source_line": null|{"file", "line" (a number),
    // "text"}}.
    nlohmann::json out{{"file", file},
                       {"result", "succeeded"},
                       {"programs", nlohmann::json::array()},
                       {"adaptations", nlohmann::json::array()},
                       {"error", nullptr},
                       {"source_line", nullptr}};
    // type= (with program=) also loads a plain function as a program of that type (netsh), completed at load time.
    const std::string type = values.count("type") ? values["type"] : "";
    const std::string program = !type.empty() && values.count("program") ? values["program"] : "";
    Object object = Object::open_file(file, type, program);
    if (values.count("type"))
        check_object_type(object, values["type"]);
    apply_selection(object, selection);
    out["adaptations"] = object.adaptations();
    try {
        object.load(); // with each program's verification time; a rejection has the verifier's full log
    } catch (const Error &e) {
        const std::string report = e.what();
        const std::optional<SourceLine> source = failing_source_line(report);
        if (json) {
            out["result"] = "failed";
            out["error"] = report;
            if (source)
                out["source_line"] = {{"file", source->file}, {"line", source->line}, {"text", source->text}};
            std::cout << out.dump(2) << "\n";
            return 1;
        }
        std::cout << report << "\n";
        if (source)
            std::cout << "\nSource line: " << source->file << ":" << source->line << ": " << source->text << "\n";
        std::cout << "\nVerification failed\n";
        return 1;
    }
    std::map<std::string, std::int64_t> verification_us;
    for (const ProgramVerification &program : object.verification())
        verification_us[program.name] = program.verification_us;
    std::ostringstream text;
    for (bpf_program *program : selected(object, selection)) {
        const bpf_prog_info info = program_info(bpf_program__fd(program), bpf_program__name(program));
        const auto time = verification_us.find(bpf_program__name(program));
        const std::int64_t us = time == verification_us.end() ? -1 : time->second;
        out["programs"].push_back({{"program", bpf_program__name(program)},
                                   {"section", bpf_program__section_name(program)},
                                   {"handler", entry_of(program).handler},
                                   {"verified_insns", info.verified_insns},
                                   {"xlated_insns", info.xlated_prog_len / sizeof(bpf_insn)},
                                   {"verification_us", us >= 0 ? nlohmann::json(us) : nlohmann::json(nullptr)}});
        text << bpf_program__name(program) << " (" << describe(program) << "): " << info.verified_insns
             << " instructions processed by the verifier";
        if (us >= 0)
            text << " in " << us << " us";
        text << ", " << info.xlated_prog_len / sizeof(bpf_insn) << " loaded\n";
        if (level == "verbose") {
            const char *type = libbpf_bpf_prog_type_str(bpf_program__type(program));
            const char *attach = libbpf_bpf_attach_type_str(bpf_program__expected_attach_type(program));
            text << "  section " << bpf_program__section_name(program) << ", Linux program type " << (type ? type : "?")
                 << ", attach type " << (attach ? attach : "?") << ", "
                 << (info.jited_prog_len ? std::to_string(info.jited_prog_len) + " bytes of JIT code"
                                         : std::string("interpreted"))
                 << ", " << info.nr_map_ids << " maps, kernel ID " << info.id << "\n";
        }
    }
    if (json) {
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::cout << text.str();
    for (const std::string &adaptation : object.adaptations())
        std::cout << "Adapted " << adaptation << "\n";
    std::cout << "Verification succeeded\n";
    return 0;
}

void show_disassembly(const std::string &file, const std::vector<std::string> &parameters, bool json)
{
    const Selection selection = parse_selection(parameters);
    require_privilege(Verb::load_only);
    Object object = Object::open_file(file);
    apply_selection(object, selection);
    object.load();
    nlohmann::json out = nlohmann::json::array();
    for (bpf_program *program : selected(object, selection)) {
        const int fd = bpf_program__fd(program);
        const std::string name = bpf_program__name(program);
        const bpf_prog_info sizes = program_info(fd, name);
        std::vector<bpf_insn> insns(sizes.xlated_prog_len / sizeof(bpf_insn));
        std::vector<bpf_line_info> lines(sizes.nr_line_info);
        bpf_prog_info info{};
        info.xlated_prog_len = static_cast<__u32>(insns.size() * sizeof(bpf_insn));
        info.xlated_prog_insns = reinterpret_cast<std::uintptr_t>(insns.data());
        info.nr_line_info = static_cast<__u32>(lines.size());
        info.line_info_rec_size = sizeof(bpf_line_info);
        info.line_info = reinterpret_cast<std::uintptr_t>(lines.data());
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0) {
            int err = errno;
            throw Error("reading the instructions of program '" + name + "': " + std::string(strerror(err)), err);
        }
        BtfPtr types(info.btf_id ? btf__load_from_kernel_by_id(info.btf_id) : nullptr);
        auto text_at = [&](__u32 offset) -> std::string {
            const char *s = types ? btf__name_by_offset(types.get(), offset) : nullptr;
            return s ? s : "";
        };

        nlohmann::json instructions = nlohmann::json::array();
        if (!json)
            std::cout << "\nProgram " << name << " (section " << bpf_program__section_name(program) << ", "
                      << describe(program) << "), " << insns.size() << " instructions\n";
        std::size_t next_line = 0;
        std::string last_annotation;
        for (std::size_t at = 0; at < insns.size();) {
            nlohmann::json source;
            while (next_line < lines.size() && lines[next_line].insn_off <= at) {
                const bpf_line_info &l = lines[next_line++];
                if (l.insn_off != at)
                    continue;
                const std::string path = text_at(l.file_name_off), code = text_at(l.line_off);
                const std::string file_name =
                    path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
                const unsigned line_number = BPF_LINE_INFO_LINE_NUM(l.line_col);
                source = {{"file", path}, {"line", line_number}, {"text", code}};
                // A line repeated or without text (compiler-generated code) adds nothing.
                const std::string annotation =
                    "; " + printable(code) + " @ " + printable(file_name) + ":" + std::to_string(line_number);
                if (!json && line_number != 0 && annotation != last_annotation)
                    std::cout << annotation << "\n";
                last_annotation = annotation;
            }
            std::size_t slots = 1;
            const std::string instruction = disassemble(std::span(insns).subspan(at), slots);
            if (json)
                instructions.push_back({{"offset", at}, {"instruction", instruction}, {"source", source}});
            else
                std::cout << std::string(at < 10     ? 3
                                         : at < 100  ? 2
                                         : at < 1000 ? 1
                                                     : 0,
                                         ' ')
                          << at << ": " << instruction << "\n";
            at += slots;
        }
        out.push_back({{"program", name},
                       {"section", bpf_program__section_name(program)},
                       {"handler", entry_of(program).handler},
                       {"hook", entry_of(program).hook},
                       {"instructions", instructions}});
    }
    if (json)
        std::cout << out.dump(2) << "\n";
}

void show_compatibility(const std::string &file, bool json)
{
    require_privilege(Verb::load_only);
    Object object = Object::open_file(file);
    object.load();
    const std::vector<std::string> &adaptations = object.adaptations();
    if (json) {
        std::cout << nlohmann::json{{"file", file}, {"adaptations", adaptations}}.dump(2) << "\n";
        return;
    }
    if (adaptations.empty()) {
        std::cout << "No adaptations: " << file << " loads on Linux as written.\n";
        return;
    }
    for (const std::string &adaptation : adaptations)
        std::cout << "Adapted " << adaptation << "\n";
}

} // namespace winbpf::cli
