// SPDX-License-Identifier: MIT
#include "complete.hpp"

#include "elf_file.hpp"
#include "hook_table.hpp"
#include "pass1_object.hpp"

#include "winbpf/error.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

namespace winbpf::glue
{
namespace
{

struct Handler {
    HookKind hook;
    std::string name;
    std::size_t section; ///< ELF section index.
};

struct Sec {
    Elf_Scn *scn;
    GElf_Shdr header;
    std::string name;
};

// The hook kind of a type= value (a hook name): its one section; a hook with several sections (sock_addr) needs the
// handler in one of them.
HookKind hook_of_type(const std::string &type, const std::string &function)
{
    std::optional<HookKind> found;
    int sections = 0;
    for (const std::string &prefix : [] {
             std::vector<std::string> list;
             std::stringstream all(known_prefixes());
             std::string item;
             while (std::getline(all, item, ','))
                 list.push_back(item.substr(item.find_first_not_of(' ')));
             return list;
         }()) {
        const std::optional<HookKind> kind = hook_for_section(prefix);
        if (kind && kind->hook == type) {
            found = kind;
            ++sections;
        }
    }
    if (!found)
        throw Error("type=" + type + " is not a hook winbpf knows (" + known_prefixes() + ")");
    if (sections > 1)
        throw Error("function '" + function + "' as type=" + type + ": a " + type +
                    " handler needs its section, e.g. SEC(\"" + std::string(found->section_prefix) +
                    "\"), to say which of its events it takes");
    if (!found->supported)
        throw Error("type=" + type + ": the hook is not supported by winbpf yet");
    return *found;
}

// .BTF.ext rebuilt with the records of the moved sections (by BTF name offset, with their offset in .text in bytes)
// in .text's block, after its own, each record's instruction offset (its first field) moved; .text's name is text.
std::vector<char> merge_btf_ext(const std::vector<char> &ext, const std::map<std::uint32_t, std::uint64_t> &moved,
                                std::uint32_t text)
{
    auto u32 = [&](std::size_t at) {
        std::uint32_t value;
        if (at + 4 > ext.size())
            throw Error("malformed .BTF.ext");
        std::memcpy(&value, ext.data() + at, 4);
        return value;
    };
    auto put = [](std::vector<char> &out, std::uint32_t value) {
        out.insert(out.end(), reinterpret_cast<char *>(&value), reinterpret_cast<char *>(&value) + 4);
    };
    const std::uint32_t header_length = u32(4);
    const int infos = header_length >= 32 ? 3 : 2; // func_info, line_info, CO-RE relocations
    std::vector<char> body;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> placed; // new offset and length of each info
    for (int info = 0; info < infos; ++info) {
        const std::uint32_t offset = u32(8 + 8 * info), length = u32(12 + 8 * info);
        if (length == 0) {
            placed.emplace_back(static_cast<std::uint32_t>(body.size()), 0);
            continue;
        }
        std::size_t at = header_length + offset;
        const std::size_t end = at + length;
        const std::uint32_t record_size = u32(at);
        at += 4;
        std::vector<std::pair<std::uint32_t, std::vector<char>>> blocks; // section name -> records
        while (at < end) {
            const std::uint32_t name = u32(at), count = u32(at + 4);
            std::vector<char> records(ext.begin() + static_cast<long>(at + 8),
                                      ext.begin() + static_cast<long>(at + 8 + std::size_t(count) * record_size));
            at += 8 + std::size_t(count) * record_size;
            if (auto m = moved.find(name); m != moved.end()) {
                for (std::size_t r = 0; r + record_size <= records.size(); r += record_size) {
                    std::uint32_t insn;
                    std::memcpy(&insn, records.data() + r, 4);
                    insn += static_cast<std::uint32_t>(m->second);
                    std::memcpy(records.data() + r, &insn, 4);
                }
                blocks.emplace_back(text, std::move(records));
                continue;
            }
            blocks.emplace_back(name, std::move(records));
        }
        // One block per section name, .text's records in offset order (its own come first: lower offsets).
        std::vector<std::pair<std::uint32_t, std::vector<char>>> merged;
        for (auto &block : blocks) {
            auto same = std::find_if(merged.begin(), merged.end(), [&](auto &b) { return b.first == block.first; });
            if (same == merged.end())
                merged.push_back(std::move(block));
            else
                same->second.insert(same->second.end(), block.second.begin(), block.second.end());
        }
        for (auto &[name, records] : merged)
            if (name == text) {
                std::vector<std::vector<char>> split;
                for (std::size_t r = 0; r + record_size <= records.size(); r += record_size)
                    split.emplace_back(records.begin() + static_cast<long>(r),
                                       records.begin() + static_cast<long>(r + record_size));
                std::stable_sort(split.begin(), split.end(), [](const auto &x, const auto &y) {
                    std::uint32_t a, b;
                    std::memcpy(&a, x.data(), 4);
                    std::memcpy(&b, y.data(), 4);
                    return a < b;
                });
                records.clear();
                for (const auto &record : split)
                    records.insert(records.end(), record.begin(), record.end());
            }
        const auto start = static_cast<std::uint32_t>(body.size());
        put(body, record_size);
        for (const auto &[name, records] : merged) {
            put(body, name);
            put(body, static_cast<std::uint32_t>(records.size() / record_size));
            body.insert(body.end(), records.begin(), records.end());
        }
        placed.emplace_back(start, static_cast<std::uint32_t>(body.size() - start));
    }
    std::vector<char> out(ext.begin(), ext.begin() + header_length);
    for (int info = 0; info < infos; ++info) {
        std::memcpy(out.data() + 8 + 8 * info, &placed[static_cast<std::size_t>(info)].first, 4);
        std::memcpy(out.data() + 12 + 8 * info, &placed[static_cast<std::size_t>(info)].second, 4);
    }
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

bool gpl_compatible(const std::string &license)
{
    for (const char *gpl :
         {"GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"})
        if (license == gpl)
            return true;
    return false;
}

std::string c_string(const std::string &text)
{
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            char octal[5];
            std::snprintf(octal, sizeof octal, "\\%03o", static_cast<unsigned char>(c));
            out += octal;
            continue;
        }
        out += c;
    }
    return out + "\"";
}

} // namespace

std::string license_define(const std::optional<std::string> &license)
{
    if (license && !gpl_compatible(*license))
        return "#define WINBPF_LICENSE_NOT_GPL " + c_string(*license) + "\n";
    return "";
}

void prepare_plain(const std::string &object, const std::string &user_copy, const std::string &glue_source,
                   const std::string &type, const std::string &program)
{
    std::error_code ec;
    std::filesystem::copy_file(object, user_copy, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec)
        throw Error("cannot copy to " + user_copy + ": " + ec.message());
    const std::optional<std::string> license = read_license(object);
    const std::set<std::string> uses = read_uses(object);
    ElfFile elf(user_copy, ElfFile::Mode::update);

    std::vector<Sec> sections(1);
    Elf_Scn *symtab = nullptr;
    GElf_Shdr symtab_header{};
    for (Elf_Scn *scn = elf_nextscn(elf.get(), nullptr); scn; scn = elf_nextscn(elf.get(), scn)) {
        GElf_Shdr header;
        if (!gelf_getshdr(scn, &header))
            throw Error("bad section header");
        const char *name = elf_strptr(elf.get(), elf.shstrndx(), header.sh_name);
        if (name && std::string_view(name).starts_with(kUsesSectionPrefix) && header.sh_type == SHT_PROGBITS) {
            // A WINBPF_USES mark, read above: a string table, which libbpf's linker leaves out of the completed object.
            header.sh_type = SHT_STRTAB;
            if (!gelf_update_shdr(scn, &header))
                throw Error(std::string("cannot update section ") + name);
        }
        sections.push_back({scn, header, name ? name : ""});
        if (header.sh_type == SHT_SYMTAB) {
            symtab = scn;
            symtab_header = header;
        }
    }
    if (!symtab)
        throw Error("no symbol table");

    // The handlers, and every function of each section (a handler's section must hold nothing else).
    std::vector<Handler> handlers;
    std::map<std::size_t, std::vector<std::string>> functions;
    std::map<std::string, int> symbol_index;
    Elf_Data *symbols = elf_getdata(symtab, nullptr);
    const std::size_t count = symtab_header.sh_entsize ? symtab_header.sh_size / symtab_header.sh_entsize : 0;
    for (std::size_t i = 0; symbols && i < count; ++i) {
        GElf_Sym sym;
        if (!gelf_getsym(symbols, static_cast<int>(i), &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
            sym.st_shndx == SHN_UNDEF || sym.st_shndx >= sections.size())
            continue;
        const char *raw_name = elf_strptr(elf.get(), symtab_header.sh_link, sym.st_name);
        const std::string name = raw_name ? raw_name : "";
        const std::string &section = sections[sym.st_shndx].name;
        functions[sym.st_shndx].push_back(name);
        if (name.find("__winbpf_") != std::string::npos)
            throw Error("it has winbpf's entry programs already (built with Makefile.bpf)");
        if (!program.empty()) {
            if (name != program)
                continue;
            if (GELF_ST_BIND(sym.st_info) != STB_GLOBAL)
                throw Error("function '" + name +
                            "' is static: declare it without static to load it "
                            "as a program");
            handlers.push_back({hook_of_type(type, name), name, sym.st_shndx});
            symbol_index[name] = static_cast<int>(i);
            continue;
        }
        const std::optional<HookKind> hook = hook_for_section(section);
        if (!hook || GELF_ST_BIND(sym.st_info) != STB_GLOBAL)
            continue;
        if (!hook->supported)
            throw Error("function '" + name + "' is in SEC(\"" + section + "\"): the '" +
                        std::string(hook->section_prefix) + "' hook is not supported by winbpf yet");
        const std::optional<std::string> context = first_parameter_struct(object, name);
        if (context && *context != hook->context)
            continue; // a native Linux program of a section a Windows hook shares
        if (!type.empty() && hook->hook != type)
            throw Error("function '" + name + "' is a " + std::string(hook->hook) + " handler, not " + type);
        handlers.push_back({*hook, name, sym.st_shndx});
        symbol_index[name] = static_cast<int>(i);
    }
    if (handlers.empty() && program.empty() && !type.empty()) {
        // type= alone: the object's one global function of .text (netsh loads a plain function that way).
        std::vector<std::string> candidates;
        for (std::size_t i = 1; i < sections.size(); ++i)
            if (sections[i].name == ".text")
                for (std::size_t s = 0; symbols && s < count; ++s) {
                    GElf_Sym sym;
                    if (gelf_getsym(symbols, static_cast<int>(s), &sym) && GELF_ST_TYPE(sym.st_info) == STT_FUNC &&
                        GELF_ST_BIND(sym.st_info) == STB_GLOBAL && sym.st_shndx == i)
                        if (const char *name = elf_strptr(elf.get(), symtab_header.sh_link, sym.st_name)) {
                            candidates.push_back(name);
                            symbol_index[name] = static_cast<int>(s);
                        }
                }
        if (candidates.size() != 1) {
            std::string list;
            for (const std::string &c : candidates)
                list += (list.empty() ? "" : ", ") + c;
            throw Error("type=" + type + " without program=: the object has " + std::to_string(candidates.size()) +
                        " global functions outside hook sections" + (list.empty() ? "" : " (" + list + ")") +
                        ": name one with program=");
        }
        handlers.push_back({hook_of_type(type, candidates[0]), candidates[0], static_cast<std::size_t>([&] {
                                GElf_Sym sym;
                                gelf_getsym(symbols, symbol_index[candidates[0]], &sym);
                                return sym.st_shndx;
                            }())});
    }
    if (handlers.empty())
        throw Error(program.empty() ? "no Windows hook handler: no global function is in a Windows hook "
                                      "section such as SEC(\"xdp\") (or give type= and program=)"
                                    : "no global function named '" + program + "'");

    // The handlers' sections other than .text are appended to .text (libbpf calls functions of .text only): their
    // bytes, symbols, relocations and .BTF.ext records move there, at the offset .text had grown to.
    std::size_t text = 0;
    std::set<std::size_t> moved;
    for (std::size_t i = 1; i < sections.size(); ++i)
        if (sections[i].name == ".text")
            text = i;
    for (const Handler &h : handlers)
        if (h.section != text)
            moved.insert(h.section);
    for (std::size_t from : moved)
        for (const std::string &function : functions[from])
            if (std::none_of(handlers.begin(), handlers.end(), [&](const Handler &h) { return h.name == function; }))
                throw Error("section '" + sections[from].name + "' holds function '" + function +
                            "', which is not a handler of its hook (build the object with Makefile.bpf)");
    if (!moved.empty() && text == 0)
        throw Error("it has no .text section to move its handlers to (build it with Makefile.bpf)");

    std::vector<char> code, text_relocations;          // new .text and .rel.text
    std::map<std::size_t, std::uint64_t> offset_of;    // moved section -> its offset in the new .text
    std::size_t text_rel = 0;                          // .rel.text's index, if any
    std::map<std::size_t, std::size_t> rel_of;         // section -> its relocation section
    std::map<std::size_t, std::size_t> section_symbol; // section -> its STT_SECTION symbol
    for (std::size_t i = 1; i < sections.size(); ++i)
        if (sections[i].header.sh_type == SHT_REL)
            rel_of[sections[i].header.sh_info] = i;
    for (std::size_t i = 0; symbols && i < count; ++i) {
        GElf_Sym sym;
        if (gelf_getsym(symbols, static_cast<int>(i), &sym) && GELF_ST_TYPE(sym.st_info) == STT_SECTION)
            section_symbol[sym.st_shndx] = i;
    }
    if (!moved.empty()) {
        code = ElfFile::bytes(sections[text].scn);
        if (rel_of.count(text)) {
            text_rel = rel_of[text];
            text_relocations = ElfFile::bytes(sections[text_rel].scn);
        }
        for (std::size_t from : moved) {
            const std::uint64_t offset = code.size();
            offset_of[from] = offset;
            const std::vector<char> moved_code = ElfFile::bytes(sections[from].scn);
            code.insert(code.end(), moved_code.begin(), moved_code.end());
            elf.replace(sections[from].scn, {});
            if (!rel_of.count(from))
                continue;
            std::vector<char> entries = ElfFile::bytes(sections[rel_of[from]].scn);
            for (std::size_t at = 0; at + sizeof(Elf64_Rel) <= entries.size(); at += sizeof(Elf64_Rel)) {
                Elf64_Rel rel;
                std::memcpy(&rel, entries.data() + at, sizeof rel);
                if (section_symbol.count(from) && ELF64_R_SYM(rel.r_info) == section_symbol[from])
                    throw Error("section '" + sections[from].name +
                                "' refers to itself by section "
                                "(build the object with Makefile.bpf)");
                rel.r_offset += offset;
                text_relocations.insert(text_relocations.end(), reinterpret_cast<char *>(&rel),
                                        reinterpret_cast<char *>(&rel) + sizeof rel);
            }
            if (text_rel == 0) {
                // The first moved relocation section becomes .rel.text.
                text_rel = rel_of[from];
                GElf_Shdr header = sections[text_rel].header;
                header.sh_info = static_cast<GElf_Word>(text);
                header.sh_name = elf.section_name_offset(".rel.text");
                if (!gelf_update_shdr(sections[text_rel].scn, &header))
                    throw Error("cannot update section " + sections[text_rel].name);
            } else {
                elf.replace(sections[rel_of[from]].scn, {});
            }
        }
        elf.replace(sections[text].scn, std::move(code));
        if (text_rel != 0)
            elf.replace(sections[text_rel].scn, std::move(text_relocations));
        for (std::size_t i = 0; symbols && i < count; ++i) {
            GElf_Sym sym;
            if (!gelf_getsym(symbols, static_cast<int>(i), &sym) || GELF_ST_TYPE(sym.st_info) == STT_SECTION ||
                !offset_of.count(sym.st_shndx))
                continue;
            sym.st_value += offset_of[sym.st_shndx];
            sym.st_shndx = static_cast<Elf64_Section>(text);
            if (!gelf_update_sym(symbols, static_cast<int>(i), &sym))
                throw Error("cannot update a symbol");
        }

        // .BTF.ext: the moved sections' records join .text's, their instruction offsets moved.
        Elf_Scn *btf_scn = nullptr, *ext_scn = nullptr;
        for (const Sec &sec : sections) {
            if (sec.name == ".BTF")
                btf_scn = sec.scn;
            if (sec.name == ".BTF.ext")
                ext_scn = sec.scn;
        }
        if (btf_scn && ext_scn) {
            Elf_Data *btf_data = elf_getdata(btf_scn, nullptr);
            std::unique_ptr<btf, decltype(&btf__free)> types(
                btf__new(btf_data->d_buf, static_cast<__u32>(btf_data->d_size)), btf__free);
            if (!types)
                throw Error("malformed .BTF");
            std::map<std::uint32_t, std::uint64_t> moved_names; // BTF string offset of a moved section -> offset
            for (std::size_t from : moved) {
                const int name = btf__add_str(types.get(), sections[from].name.c_str());
                if (name < 0)
                    throw Error("cannot add a string to .BTF");
                moved_names[static_cast<std::uint32_t>(name)] = offset_of[from];
            }
            const int text_name = btf__add_str(types.get(), ".text");
            if (text_name < 0)
                throw Error("cannot add a string to .BTF");
            __u32 size = 0;
            const void *raw = btf__raw_data(types.get(), &size);
            elf.replace(btf_scn,
                        std::vector<char>(static_cast<const char *>(raw), static_cast<const char *>(raw) + size));
            elf.replace(ext_scn,
                        merge_btf_ext(ElfFile::bytes(ext_scn), moved_names, static_cast<std::uint32_t>(text_name)));
        }
    }

    // Hidden handlers: libbpf marks their BTF functions static, and the verifier checks them with the entry's state.
    for (const Handler &h : handlers) {
        GElf_Sym sym;
        if (!gelf_getsym(symbols, symbol_index[h.name], &sym))
            throw Error("cannot read symbol " + h.name);
        sym.st_other = static_cast<unsigned char>((sym.st_other & ~0x3) | STV_HIDDEN);
        if (!gelf_update_sym(symbols, symbol_index[h.name], &sym))
            throw Error("cannot update symbol " + h.name);
    }
    elf_flagdata(symbols, ELF_C_SET, ELF_F_DIRTY);
    if (elf_update(elf.get(), ELF_C_WRITE) < 0)
        throw Error(std::string("cannot write ") + user_copy + ": " + elf_errmsg(-1));

    std::ostringstream out;
    out << "/* Generated by winbpf-glue --plain from " << object << ". Do not edit. */\n";
    out << license_define(license);
    out << uses_defines(uses);
    out << "#define WINBPF_PLAIN_GLUE 1\n#include \"bpf_helpers.h\"\n";
    std::set<std::string_view> done;
    for (const Handler &h : handlers) {
        if (done.insert(h.hook.hook).second)
            out << "#include \"" << h.hook.glue_header << "\"\n" << h.hook.object_macro << "()\n";
        out << "extern " << return_type_name(object, h.name) << " " << h.name << "(struct " << h.hook.context
            << " *context) __attribute__((visibility(\"hidden\")));\n";
        out << h.hook.entry_macro << "(" << h.name << ")\n";
    }
    if (!license)
        out << "char _winbpf_license[] __attribute__((section(\"license\"), used)) = \"GPL\";\n";
    std::ofstream file(glue_source);
    file << out.str();
    if (!file.flush())
        throw Error("cannot write " + glue_source);
}

void link_objects(const std::string &output, const std::vector<std::string> &inputs)
{
    std::unique_ptr<bpf_linker, decltype(&bpf_linker__free)> linker(bpf_linker__new(output.c_str(), nullptr),
                                                                    bpf_linker__free);
    if (!linker)
        throw Error("libbpf's linker cannot create " + output + ": " + std::strerror(errno));
    for (const std::string &input : inputs)
        if (int err = bpf_linker__add_file(linker.get(), input.c_str(), nullptr); err != 0)
            throw Error("libbpf's linker refused " + input + ": " + std::strerror(-err));
    if (int err = bpf_linker__finalize(linker.get()); err != 0)
        throw Error("libbpf's linker cannot write " + output + ": " + std::strerror(-err));
}

} // namespace winbpf::glue
