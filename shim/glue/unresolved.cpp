// SPDX-License-Identifier: MIT
// The last step of Makefile.bpf: a BPF object must resolve every symbol it refers to itself, except libbpf's externs.
#include "unresolved.hpp"

#include "elf_file.hpp"

#include "winbpf/error.hpp"

#include "winbpf/btf_ptr.hpp"

#include <bpf/btf.h>
#include <gelf.h>
#include <libelf.h>

#include <map>
#include <memory>
#include <set>
#include <vector>

namespace winbpf::glue
{
namespace
{

/// Names of the variables and functions of the ".ksyms" and ".kconfig" DATASECs: externs libbpf resolves at load
/// from the kernel's BTF or configuration.
std::set<std::string> libbpf_externs(const std::string &path)
{
    std::set<std::string> names;
    BtfPtr types(btf__parse_elf(path.c_str(), nullptr));
    if (!types)
        return names; // no BTF: libbpf resolves no extern either
    const __u32 count = btf__type_cnt(types.get());
    for (__u32 id = 1; id < count; ++id) {
        const btf_type *type = btf__type_by_id(types.get(), id);
        if (!btf_is_datasec(type))
            continue;
        const std::string section = btf__name_by_offset(types.get(), type->name_off);
        if (section != ".ksyms" && section != ".kconfig")
            continue;
        const btf_var_secinfo *member = btf_var_secinfos(type);
        for (__u16 i = 0; i < btf_vlen(type); ++i, ++member)
            names.insert(btf__name_by_offset(types.get(), btf__type_by_id(types.get(), member->type)->name_off));
    }
    return names;
}

using Symbol = ElfFile::Symbol;

} // namespace

void check_unresolved_symbols(const std::string &path)
{
    const ElfFile elf(path, ElfFile::Mode::read);
    std::vector<std::pair<Elf_Scn *, GElf_Shdr>> relocations;
    for (Elf_Scn *scn = elf_nextscn(elf.get(), nullptr); scn; scn = elf_nextscn(elf.get(), scn)) {
        GElf_Shdr header;
        if (!gelf_getshdr(scn, &header))
            throw Error("bad section header");
        if (header.sh_type == SHT_REL)
            relocations.emplace_back(scn, header);
    }
    const std::vector<Symbol> symbols = elf.symbols();
    if (symbols.empty())
        return;
    const std::set<std::string> externs = libbpf_externs(path);
    std::set<std::size_t> unresolved;
    for (std::size_t i = 1; i < symbols.size(); ++i) {
        const Symbol &s = symbols[i];
        if (s.sym.st_shndx == SHN_UNDEF && !s.name.empty() && !externs.contains(s.name))
            unresolved.insert(i);
    }
    if (unresolved.empty())
        return;

    // Who refers to each: the function symbol whose bytes hold the relocated instruction.
    std::map<std::size_t, std::set<std::string>> users;
    for (const auto &[scn, header] : relocations) {
        Elf_Data *rel = elf_getdata(scn, nullptr);
        const std::size_t rel_count = header.sh_entsize ? header.sh_size / header.sh_entsize : 0;
        for (std::size_t r = 0; rel && r < rel_count; ++r) {
            GElf_Rel entry;
            if (!gelf_getrel(rel, static_cast<int>(r), &entry))
                continue;
            const std::size_t target = GELF_R_SYM(entry.r_info);
            if (!unresolved.contains(target))
                continue;
            std::string user;
            for (const Symbol &s : symbols)
                if (GELF_ST_TYPE(s.sym.st_info) == STT_FUNC && s.sym.st_shndx == header.sh_info &&
                    entry.r_offset >= s.sym.st_value && entry.r_offset < s.sym.st_value + s.sym.st_size)
                    user = s.name;
            // A hook handler is inlined into its entry programs (<handler>__winbpf_<hook>_<event>): name the handler.
            if (const std::size_t entry = user.find("__winbpf_"); entry != std::string::npos && entry > 0)
                user.resize(entry);
            if (!user.empty())
                users[target].insert(user);
        }
    }
    std::string message;
    for (std::size_t i : unresolved) {
        const Symbol &s = symbols[i];
        const bool function = GELF_ST_TYPE(s.sym.st_info) == STT_FUNC || users.contains(i);
        if (!message.empty())
            message += "\n";
        std::string who;
        for (const std::string &user : users[i])
            who += (who.empty() ? "'" : ", '") + user + "'";
        message += "unresolved symbol '" + s.name + "'" +
                   (who.empty() ? std::string() : std::string(function ? ", called from " : ", used by ") + who) +
                   ": the program declares it but does not define it (a missing definition, or a non-static inline "
                   "function clang did not inline: make it static inline), and the kernel has no such kernel "
                   "function or variable for it; the object could not load";
    }
    throw Error(message);
}

} // namespace winbpf::glue
