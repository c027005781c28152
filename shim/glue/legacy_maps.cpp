// SPDX-License-Identifier: MIT
// Legacy SEC("maps") struct bpf_map_def maps of eBPF-for-Windows programs, turned into BTF map definitions.
//
// Pass 2 places them in ".maps" with their initialised Windows struct (winbpf/map_helpers.h). libbpf reads a map
// definition from the BTF type of its variable, so the variable's type is replaced by a struct of `int (*name)[value]`
// members (what __uint(name, value) declares) built from the initialised values; the section data is left as it is. A
// pinning other than PIN_NONE is kept as a BTF decl tag on the variable (WINBPF_LEGACY_PINNING_TAG) for the loader.
#include "legacy_maps.hpp"

#include "elf_file.hpp"

#include "winbpf/error.hpp"

#include "winbpf/btf_ptr.hpp"

#include <linux/types.h>

#include "winbpf/abi.h"

#include <bpf/btf.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

namespace winbpf::glue
{
namespace
{

/// The Windows struct as winbpf/map_helpers.h lays it out.
struct LegacyDef {
    std::uint32_t type, key_size, value_size, max_entries, inner_map_idx, pinning, id, inner_id, map_flags;
};
constexpr std::size_t kLegacyDefSize = 48;
constexpr std::string_view kLegacyStruct = "_ebpf_map_definition_in_file";

struct LegacyMap {
    std::string name;
    std::uint32_t var_id;
    std::uint64_t offset; ///< In the .maps section (its symbol's value).
    LegacyDef def;
};

Error failure(const std::string &what)
{
    return Error(what);
}

/// Adds `int (*)[value]` (the __uint encoding) and returns its id.
int add_uint_field_type(btf *types, int int_id, std::uint32_t value)
{
    int array = btf__add_array(types, int_id, int_id, value);
    if (array < 0)
        throw failure("cannot add BTF array type");
    int pointer = btf__add_ptr(types, array);
    if (pointer < 0)
        throw failure("cannot add BTF pointer type");
    return pointer;
}

/// Adds a struct of the given members (each 8 bytes, a pointer) and returns its id.
int add_struct(btf *types, const char *name, const std::vector<std::pair<std::string, int>> &members)
{
    std::uint32_t size = 0;
    for (const auto &[member, type] : members)
        if (member != "values")
            size += 8;
    int id = btf__add_struct(types, name, size);
    if (id < 0)
        throw failure("cannot add BTF struct");
    std::uint32_t bit = 0;
    for (const auto &[member, type] : members) {
        if (btf__add_field(types, member.c_str(), type, bit, 0) < 0)
            throw failure("cannot add BTF member " + member);
        if (member != "values")
            bit += 64;
    }
    return id;
}

/// The __uint members of a definition.
std::vector<std::pair<std::string, int>> uint_members(btf *types, int int_id, const LegacyDef &def)
{
    std::vector<std::pair<std::string, int>> members{
        {"type", add_uint_field_type(types, int_id, def.type)},
        {"key_size", add_uint_field_type(types, int_id, def.key_size)},
        {"value_size", add_uint_field_type(types, int_id, def.value_size)},
        {"max_entries", add_uint_field_type(types, int_id, def.max_entries)},
    };
    if (def.map_flags != 0)
        members.emplace_back("map_flags", add_uint_field_type(types, int_id, def.map_flags));
    return members;
}

} // namespace

void convert_legacy_maps(const std::string &path)
{
    const ElfFile elf(path, ElfFile::Mode::update);
    GElf_Shdr symtab_header{};
    Elf_Scn *symtab = elf.symbol_table(symtab_header);
    Elf_Scn *maps_scn = elf.section(".maps");
    if (!maps_scn || !symtab || !elf.section(".BTF"))
        return;
    // Offsets of the .maps variables: the symbols' (the object's DATASEC offsets are only filled in by libbpf).
    std::map<std::string, std::uint64_t> offsets;
    Elf_Data *symbols = elf_getdata(symtab, nullptr);
    const size_t symbol_count = symtab_header.sh_entsize ? symtab_header.sh_size / symtab_header.sh_entsize : 0;
    for (size_t i = 0; symbols && i < symbol_count; ++i) {
        GElf_Sym sym;
        if (gelf_getsym(symbols, static_cast<int>(i), &sym) && sym.st_shndx == elf_ndxscn(maps_scn))
            if (const char *name = elf_strptr(elf.get(), symtab_header.sh_link, sym.st_name))
                offsets[name] = sym.st_value;
    }
    Elf_Data *maps_data = elf_getdata(maps_scn, nullptr);
    if (!maps_data)
        throw failure("unreadable .maps section");
    const ElfFile::Btf object_btf = elf.btf();
    btf *const types = object_btf.types.get();

    // The legacy maps, in definition order (Windows' inner_map_idx counts them so).
    std::vector<LegacyMap> legacy;
    const __u32 count = btf__type_cnt(types);
    for (__u32 id = 1; id < count; ++id) {
        const btf_type *section = btf__type_by_id(types, id);
        if (!btf_is_datasec(section) || std::strcmp(btf__name_by_offset(types, section->name_off), ".maps"))
            continue;
        const btf_var_secinfo *info = btf_var_secinfos(section);
        for (__u16 i = 0; i < btf_vlen(section); ++i) {
            const btf_type *var = btf__type_by_id(types, info[i].type);
            const btf_type *def = btf__type_by_id(types, var->type);
            while (def && (btf_is_typedef(def) || btf_is_mod(def)))
                def = btf__type_by_id(types, def->type);
            if (!def || !btf_is_struct(def) || btf__name_by_offset(types, def->name_off) != kLegacyStruct)
                continue;
            const std::string name = btf__name_by_offset(types, var->name_off);
            const auto offset = offsets.find(name);
            if (offset == offsets.end())
                throw failure("map '" + name + "': no symbol in .maps");
            LegacyMap map{name, info[i].type, offset->second, {}};
            if (maps_data->d_buf && map.offset + kLegacyDefSize <= maps_data->d_size)
                std::memcpy(&map.def, static_cast<const char *>(maps_data->d_buf) + map.offset, sizeof(map.def));
            legacy.push_back(map);
        }
    }
    if (legacy.empty())
        return;
    std::sort(legacy.begin(), legacy.end(), [](const LegacyMap &a, const LegacyMap &b) { return a.offset < b.offset; });

    const int int_id = btf__add_int(types, "int", 4, BTF_INT_SIGNED);
    if (int_id < 0)
        throw failure("cannot add BTF int type");
    std::map<std::uint32_t, int> new_types; // variable id -> its BTF map definition
    for (const LegacyMap &map : legacy) {
        auto members = uint_members(types, int_id, map.def);
        if (map.def.type == BPF_MAP_TYPE_ARRAY_OF_MAPS || map.def.type == BPF_MAP_TYPE_HASH_OF_MAPS) {
            const LegacyMap *inner = nullptr;
            if (map.def.inner_id != 0) {
                for (const LegacyMap &other : legacy)
                    if (other.def.id == map.def.inner_id && &other != &map)
                        inner = &other;
                if (!inner)
                    throw failure("map '" + map.name + "': inner_id " + std::to_string(map.def.inner_id) +
                                  " is the id of no other SEC(\"maps\") map");
            } else {
                if (map.def.inner_map_idx >= legacy.size() || &legacy[map.def.inner_map_idx] == &map)
                    throw failure("map '" + map.name + "': inner_map_idx " + std::to_string(map.def.inner_map_idx) +
                                  " is not another of the " + std::to_string(legacy.size()) + " SEC(\"maps\") maps");
                inner = &legacy[map.def.inner_map_idx];
            }
            const auto inner_members = uint_members(types, int_id, inner->def);
            const int inner_struct = add_struct(types, WINBPF_LEGACY_MAP_DEF, inner_members);
            const int pointer = btf__add_ptr(types, inner_struct);
            const int values = pointer < 0 ? pointer : btf__add_array(types, int_id, pointer, 0);
            if (values < 0)
                throw failure("map '" + map.name + "': cannot add its inner map template");
            members.emplace_back("values", values);
        }
        new_types[map.var_id] = add_struct(types, WINBPF_LEGACY_MAP_DEF, members);
        if (map.def.pinning != 0) {
            const std::string tag = WINBPF_LEGACY_PINNING_TAG + std::to_string(map.def.pinning);
            if (btf__add_decl_tag(types, tag.c_str(), static_cast<int>(map.var_id), -1) < 0)
                throw failure("map '" + map.name + "': cannot record its pinning");
        }
    }
    for (const auto &[var_id, def_id] : new_types)
        const_cast<btf_type *>(btf__type_by_id(types, var_id))->type = static_cast<__u32>(def_id);

    elf.write_btf(object_btf);
}

} // namespace winbpf::glue
