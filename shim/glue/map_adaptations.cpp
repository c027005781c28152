// SPDX-License-Identifier: MIT
// Map definitions eBPF for Windows accepts and the Linux kernel refuses as written, changed when the object is built
// so that the object on disk holds maps Linux accepts (plain libbpf and bpftool load it) with Windows' meaning
// (docs/map_adaptations.md). One table of rules; maps are not hook-specific, so no hook is named.
//
// libbpf reads a BTF map definition by member name: __uint(name, value) is a member `int (*name)[value]`,
// __type(name, T) a member `T *name`. A changed definition is a new struct with the changed members, the variable
// pointing at it (the old struct may be shared with other maps). It keeps the variable's size (the kernel checks that
// a variable's type fits its slot of the section), so members the rule adds share the offset of the last member
// before `values` (the kernel accepts non-decreasing member offsets; libbpf finds `values`, last, at its offset).
#include "map_adaptations.hpp"

#include "elf_file.hpp"

#include "winbpf/error.hpp"

#include <linux/types.h>

#include "winbpf/abi.h"

#include <bpf/btf.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace winbpf::glue
{
namespace
{

/// Linux's largest per-CPU value (PCPU_MIN_UNIT_SIZE).
constexpr std::uint64_t kPerCpuValueMax = 32768;

struct Member {
    std::string name;
    __u32 type;
    __u32 bit_offset;
};

/// A map definition as read from its BTF struct, and the rewrite the rules make of it.
struct MapDef {
    std::string name; ///< the variable's
    __u32 var_id;     ///< its BTF VAR
    __u32 def_id;     ///< the struct it points at (through typedefs and modifiers)
    std::string struct_name;
    __u32 size;
    std::vector<Member> members;
    __u32 type = 0, key_size = 0, value_size = 0, max_entries = 0;
    std::vector<std::string> tags; ///< the decl tags of the rules that changed it
};

/// The value of an __uint member (`int (*)[value]`), or nullopt when the member has another shape.
std::optional<__u32> uint_value(const btf *types, __u32 type_id)
{
    const btf_type *pointer = btf__type_by_id(types, type_id);
    if (!pointer || !btf_is_ptr(pointer))
        return std::nullopt;
    const btf_type *array = btf__type_by_id(types, pointer->type);
    if (!array || !btf_is_array(array))
        return std::nullopt;
    return btf_array(array)->nelems;
}

/// The size of the type an __type member points at, or 0.
__u32 pointee_size(const btf *types, __u32 type_id)
{
    const btf_type *pointer = btf__type_by_id(types, type_id);
    if (!pointer || !btf_is_ptr(pointer))
        return 0;
    const __s64 size = btf__resolve_size(types, pointer->type);
    return size > 0 ? static_cast<__u32>(size) : 0;
}

/// The map definitions of the ".maps" section (each variable's struct, through typedefs and modifiers).
std::vector<MapDef> read_definitions(const btf *types)
{
    std::vector<MapDef> defs;
    for (__u32 id = 1; id < btf__type_cnt(types); ++id) {
        const btf_type *section = btf__type_by_id(types, id);
        if (!btf_is_datasec(section) || std::strcmp(btf__name_by_offset(types, section->name_off), ".maps") != 0)
            continue;
        const btf_var_secinfo *info = btf_var_secinfos(section);
        for (__u16 i = 0; i < btf_vlen(section); ++i) {
            const btf_type *var = btf__type_by_id(types, info[i].type);
            if (!var || !btf_is_var(var))
                continue;
            __u32 def_id = var->type;
            const btf_type *def = btf__type_by_id(types, def_id);
            while (def && (btf_is_typedef(def) || btf_is_mod(def))) {
                def_id = def->type;
                def = btf__type_by_id(types, def_id);
            }
            if (!def || !btf_is_struct(def))
                continue;
            MapDef map;
            map.name = btf__name_by_offset(types, var->name_off);
            map.var_id = info[i].type;
            map.def_id = def_id;
            map.struct_name = btf__name_by_offset(types, def->name_off);
            map.size = def->size;
            const btf_member *member = btf_members(def);
            for (__u16 m = 0; m < btf_vlen(def); ++m) {
                Member field{btf__name_by_offset(types, member[m].name_off), member[m].type,
                             btf_member_bit_offset(def, m)};
                if (field.name == "type")
                    map.type = uint_value(types, field.type).value_or(0);
                else if (field.name == "key_size")
                    map.key_size = uint_value(types, field.type).value_or(0);
                else if (field.name == "key")
                    map.key_size = pointee_size(types, field.type);
                else if (field.name == "value_size")
                    map.value_size = uint_value(types, field.type).value_or(0);
                else if (field.name == "value")
                    map.value_size = pointee_size(types, field.type);
                else if (field.name == "max_entries")
                    map.max_entries = uint_value(types, field.type).value_or(0);
                map.members.push_back(field);
            }
            defs.push_back(std::move(map));
        }
    }
    return defs;
}

/// Adds `int (*)[value]` (the __uint encoding) and returns its id.
__u32 add_uint_type(btf *types, const MapDef &map, std::uint32_t value)
{
    const int int_id = btf__add_int(types, "int", 4, BTF_INT_SIGNED);
    const int array = int_id < 0 ? int_id : btf__add_array(types, int_id, int_id, value);
    const int pointer = array < 0 ? array : btf__add_ptr(types, array);
    if (pointer < 0)
        throw Error("map '" + map.name + "': cannot add a BTF type to its definition");
    return static_cast<__u32>(pointer);
}

/// Sets __uint member name to value: the member's type changes, or the member is added (at the offset of the last
/// member before `values`), and member `remove` (a __type member it replaces) goes.
void set_uint(btf *types, MapDef &map, const std::string &name, std::uint32_t value, const std::string &remove = {})
{
    const __u32 type = add_uint_type(types, map, value);
    std::erase_if(map.members, [&](const Member &m) { return !remove.empty() && m.name == remove; });
    for (Member &m : map.members)
        if (m.name == name) {
            m.type = type;
            return;
        }
    auto values =
        std::find_if(map.members.begin(), map.members.end(), [](const Member &m) { return m.name == "values"; });
    const __u32 offset = values == map.members.begin() ? 0 : std::prev(values)->bit_offset;
    map.members.insert(values, Member{name, type, offset});
}

// The rules, in order (the key rule runs before the per-CPU one, which keeps the adapted key).

bool perf_sizes(btf *types, MapDef &map)
{
    if (map.type != BPF_MAP_TYPE_PERF_EVENT_ARRAY || (map.key_size != 0 && map.value_size != 0))
        return false;
    if (map.key_size == 0)
        set_uint(types, map, "key_size", 4);
    if (map.value_size == 0)
        set_uint(types, map, "value_size", 4);
    map.tags.push_back(WINBPF_ADAPTED_PERF_SIZES_TAG);
    return true;
}

bool perf_per_cpu(btf *types, MapDef &map)
{
    if (map.type != BPF_MAP_TYPE_PERF_EVENT_ARRAY || map.max_entries == 0)
        return false;
    map.tags.push_back(WINBPF_ADAPTED_PERF_PER_CPU_TAG + std::to_string(map.max_entries));
    set_uint(types, map, "max_entries", 0);
    return true;
}

bool array_key64(btf *types, MapDef &map)
{
    if ((map.type != BPF_MAP_TYPE_ARRAY && map.type != BPF_MAP_TYPE_PERCPU_ARRAY) || map.key_size != 8)
        return false;
    set_uint(types, map, "key_size", 4, "key");
    map.tags.push_back(WINBPF_ADAPTED_ARRAY_KEY64_TAG);
    return true;
}

bool spread(btf *types, MapDef &map)
{
    if (!spread_per_cpu(map.type, map.value_size))
        return false;
    set_uint(types, map, "type", BPF_MAP_TYPE_ARRAY);
    map.tags.push_back(WINBPF_ADAPTED_SPREAD_TAG);
    return true;
}

constexpr std::array kRules{perf_sizes, perf_per_cpu, array_key64, spread};

/// The struct of map's members, named as its old one, of the old size; returns its id.
__u32 add_definition(btf *types, const MapDef &map)
{
    const int id = btf__add_struct(types, map.struct_name.empty() ? nullptr : map.struct_name.c_str(), map.size);
    if (id < 0)
        throw Error("map '" + map.name + "': cannot add its new BTF definition");
    for (const Member &m : map.members)
        if (btf__add_field(types, m.name.c_str(), static_cast<int>(m.type), m.bit_offset, 0) < 0)
            throw Error("map '" + map.name + "': cannot add member " + m.name + " to its definition");
    return static_cast<__u32>(id);
}

} // namespace

bool spread_per_cpu(std::uint32_t type, std::uint64_t value_size)
{
    return type == BPF_MAP_TYPE_PERCPU_ARRAY && (value_size + 7) / 8 * 8 > kPerCpuValueMax;
}

void adapt_maps_for_linux(const std::string &path)
{
    const ElfFile elf(path, ElfFile::Mode::update);
    const ElfFile::Btf object_btf = elf.btf();
    if (!object_btf.types)
        return;
    btf *const types = object_btf.types.get();

    std::vector<MapDef> defs = read_definitions(types);
    bool changed = false;
    for (MapDef &map : defs) {
        bool adapted = false;
        for (const auto &rule : kRules)
            adapted = rule(types, map) || adapted;
        if (!adapted)
            continue;
        // Pointers into the BTF are taken after the additions (which may move its types).
        const __u32 def_id = add_definition(types, map);
        const_cast<btf_type *>(btf__type_by_id(types, map.var_id))->type = def_id;
        for (const std::string &tag : map.tags)
            if (btf__add_decl_tag(types, tag.c_str(), static_cast<int>(map.var_id), -1) < 0)
                throw Error("map '" + map.name + "': cannot record its adaptation " + tag);
        changed = true;
    }
    if (!changed)
        return;
    elf.write_btf(object_btf);
}

} // namespace winbpf::glue
