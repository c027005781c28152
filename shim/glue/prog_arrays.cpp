// SPDX-License-Identifier: MIT
// Program arrays initialised in the source with hook handlers (`.values = {[0] = &handler}`): their slots are made to
// name the handler's entry program, which libbpf puts in the array at load.
#include "prog_arrays.hpp"

#include "elf_file.hpp"

#include "winbpf/error.hpp"

#include <gelf.h>
#include <libelf.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

namespace winbpf::glue
{
namespace
{

constexpr std::string_view kEntryInfix = "__winbpf_";

struct Symbols {
    Elf_Data *data = nullptr;
    size_t count = 0;
    size_t strings = 0; ///< Section index of the symbol names.
};

} // namespace

void point_prog_array_slots_at_entries(const std::string &path)
{
    const ElfFile elf(path, ElfFile::Mode::update);
    const size_t shstrndx = elf.shstrndx();
    size_t maps_index = 0, text_index = 0;
    Symbols symbols;
    std::vector<Elf_Scn *> relocations;
    for (Elf_Scn *scn = elf_nextscn(elf.get(), nullptr); scn; scn = elf_nextscn(elf.get(), scn)) {
        GElf_Shdr header;
        if (!gelf_getshdr(scn, &header))
            throw Error("bad section header");
        const char *name = elf_strptr(elf.get(), shstrndx, header.sh_name);
        if (header.sh_type == SHT_SYMTAB) {
            symbols.data = elf_getdata(scn, nullptr);
            symbols.count = header.sh_entsize ? header.sh_size / header.sh_entsize : 0;
            symbols.strings = header.sh_link;
        } else if (header.sh_type == SHT_REL) {
            relocations.push_back(scn);
        } else if (name && std::strcmp(name, ".maps") == 0) {
            maps_index = elf_ndxscn(scn);
        } else if (name && std::strcmp(name, ".text") == 0) {
            text_index = elf_ndxscn(scn);
        }
    }
    if (!symbols.data || maps_index == 0 || text_index == 0)
        return;
    auto symbol = [&](size_t i) {
        GElf_Sym sym{};
        if (i >= symbols.count || !gelf_getsym(symbols.data, static_cast<int>(i), &sym))
            throw Error("relocation names symbol " + std::to_string(i) + ", beyond the symbol table");
        return sym;
    };
    auto name_of = [&](const GElf_Sym &sym) -> std::string_view {
        const char *name = elf_strptr(elf.get(), symbols.strings, sym.st_name);
        return name ? name : "";
    };
    // The handler a .text address is: the function symbol of .text at offset.
    auto text_function = [&](std::uint64_t offset) -> std::optional<std::string_view> {
        for (size_t i = 0; i < symbols.count; ++i) {
            const GElf_Sym sym = symbol(i);
            if (GELF_ST_TYPE(sym.st_info) == STT_FUNC && sym.st_shndx == text_index && sym.st_value == offset)
                return name_of(sym);
        }
        return std::nullopt;
    };
    // The first entry program of handler: a function <handler>__winbpf_<hook>_<event> outside .text.
    auto entry_of = [&](std::string_view handler) -> std::optional<size_t> {
        for (size_t i = 0; i < symbols.count; ++i) {
            const GElf_Sym sym = symbol(i);
            const std::string_view name = name_of(sym);
            if (GELF_ST_TYPE(sym.st_info) == STT_FUNC && sym.st_shndx != text_index &&
                name.size() > handler.size() + kEntryInfix.size() && name.substr(0, handler.size()) == handler &&
                name.substr(handler.size(), kEntryInfix.size()) == kEntryInfix)
                return i;
        }
        return std::nullopt;
    };

    Elf_Scn *maps = elf_getscn(elf.get(), maps_index);
    Elf_Data *maps_data = maps ? elf_getdata(maps, nullptr) : nullptr;
    bool any = false;
    for (Elf_Scn *scn : relocations) {
        GElf_Shdr header;
        if (!gelf_getshdr(scn, &header) || header.sh_info != maps_index)
            continue;
        Elf_Data *data = elf_getdata(scn, nullptr);
        const size_t count = header.sh_entsize ? header.sh_size / header.sh_entsize : 0;
        bool changed = false;
        for (size_t r = 0; data && r < count; ++r) {
            GElf_Rel rel;
            if (!gelf_getrel(data, static_cast<int>(r), &rel))
                throw Error("unreadable relocation of .maps");
            const GElf_Sym target = symbol(GELF_R_SYM(rel.r_info));
            if (target.st_shndx != text_index)
                continue;
            std::optional<std::string_view> handler;
            std::uint64_t addend = 0;
            if (GELF_ST_TYPE(target.st_info) == STT_FUNC) {
                handler = name_of(target);
            } else if (GELF_ST_TYPE(target.st_info) == STT_SECTION && maps_data && maps_data->d_buf &&
                       rel.r_offset + sizeof addend <= maps_data->d_size) {
                // A static function: the section symbol, its offset in the slot (REL: the addend is in place).
                std::memcpy(&addend, static_cast<const char *>(maps_data->d_buf) + rel.r_offset, sizeof addend);
                handler = text_function(addend);
            }
            const std::optional<size_t> entry = handler ? entry_of(*handler) : std::nullopt;
            if (!entry)
                continue; // not a hook handler: libbpf says what is wrong
            rel.r_info = GELF_R_INFO(*entry, GELF_R_TYPE(rel.r_info));
            if (!gelf_update_rel(data, static_cast<int>(r), &rel))
                throw Error("cannot rewrite a relocation of .maps");
            if (addend != 0) {
                std::memset(static_cast<char *>(maps_data->d_buf) + rel.r_offset, 0, sizeof addend);
                elf_flagdata(maps_data, ELF_C_SET, ELF_F_DIRTY);
            }
            changed = true;
        }
        if (changed)
            elf_flagdata(data, ELF_C_SET, ELF_F_DIRTY);
        any = any || changed;
    }
    if (any && elf_update(elf.get(), ELF_C_WRITE) < 0)
        throw Error(std::string("cannot write the object: ") + elf_errmsg(-1));
}

} // namespace winbpf::glue
