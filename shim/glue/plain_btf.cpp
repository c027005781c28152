// SPDX-License-Identifier: MIT
// BTF for an object built by plain clang without -g (eBPF for Windows' demo line: `clang -target bpf -O2 -Wall -c`),
// so that libbpf 1.x, which reads every map definition from BTF, opens it once it is completed: see plain_btf.hpp.
#include "plain_btf.hpp"

#include "elf_file.hpp"
#include "map_adaptations.hpp"

#include "winbpf/btf_ptr.hpp"
#include "winbpf/error.hpp"

#include <bpf/btf.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/btf.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <vector>

namespace winbpf::glue
{
namespace
{

using ObjectSymbol = ElfFile::Symbol;

/// The fields of t that hold type ids (libbpf's btf_type_visit_type_ids, which is not public).
std::vector<__u32 *> type_id_fields(btf_type *t)
{
    std::vector<__u32 *> fields;
    switch (btf_kind(t)) {
    case BTF_KIND_PTR:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_FUNC:
    case BTF_KIND_VAR:
    case BTF_KIND_DECL_TAG:
    case BTF_KIND_TYPE_TAG:
        fields.push_back(&t->type);
        break;
    case BTF_KIND_ARRAY:
        fields.push_back(&btf_array(t)->type);
        fields.push_back(&btf_array(t)->index_type);
        break;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
        for (__u16 i = 0; i < btf_vlen(t); ++i)
            fields.push_back(&btf_members(t)[i].type);
        break;
    case BTF_KIND_FUNC_PROTO:
        fields.push_back(&t->type);
        for (__u16 i = 0; i < btf_vlen(t); ++i)
            fields.push_back(&btf_params(t)[i].type);
        break;
    case BTF_KIND_DATASEC:
        for (__u16 i = 0; i < btf_vlen(t); ++i)
            fields.push_back(&btf_var_secinfos(t)[i].type);
        break;
    default: // INT, ENUM, ENUM64, FWD, FLOAT: no type ids
        break;
    }
    return fields;
}

/// Copies type id of from (and every type it refers to) into to; returns its id in to. copied maps the ids of from
/// already copied (cycles through pointers end there).
__u32 copy_type(btf *to, const btf *from, __u32 id, std::map<__u32, __u32> &copied)
{
    if (id == 0)
        return 0; // void
    if (const auto found = copied.find(id); found != copied.end())
        return found->second;
    const btf_type *source = btf__type_by_id(from, id);
    if (!source)
        throw Error("the glue's BTF has no type " + std::to_string(id));
    const int added = btf__add_type(to, from, source);
    if (added < 0)
        throw Error("cannot copy BTF type " + std::to_string(id) + " of the glue");
    copied[id] = static_cast<__u32>(added);
    // btf__add_type keeps from's ids in the copy: each is copied in turn and replaced by its id in to.
    std::vector<__u32> targets;
    for (const __u32 *field : type_id_fields(const_cast<btf_type *>(source)))
        targets.push_back(copy_type(to, from, *field, copied));
    // Fetched again: adding types may have moved to's types.
    const std::vector<__u32 *> fields = type_id_fields(const_cast<btf_type *>(btf__type_by_id(to, added)));
    for (std::size_t i = 0; i < fields.size(); ++i)
        *fields[i] = targets[i];
    return static_cast<__u32>(added);
}

/// The type of each map variable of the glue object's ".maps" (winbpf's own maps, as the shim headers define them).
std::map<std::string, __u32> glue_maps(const btf *glue)
{
    std::map<std::string, __u32> maps;
    for (__u32 id = 1; id < btf__type_cnt(glue); ++id) {
        const btf_type *section = btf__type_by_id(glue, id);
        if (!btf_is_datasec(section) || std::strcmp(btf__name_by_offset(glue, section->name_off), ".maps") != 0)
            continue;
        const btf_var_secinfo *info = btf_var_secinfos(section);
        for (__u16 i = 0; i < btf_vlen(section); ++i) {
            const btf_type *var = btf__type_by_id(glue, info[i].type);
            maps[btf__name_by_offset(glue, var->name_off)] = var->type;
        }
    }
    return maps;
}

void put32(std::vector<char> &out, std::uint32_t value)
{
    out.insert(out.end(), reinterpret_cast<const char *>(&value), reinterpret_cast<const char *>(&value) + 4);
}

int checked(int id, const std::string &what)
{
    if (id < 0)
        throw Error("cannot add " + what + " to the BTF: " + std::strerror(-id));
    return id;
}

} // namespace

void describe_plain_object(const std::string &object, const std::string &glue_object)
{
    ElfFile elf(object, ElfFile::Mode::update);
    const bool has_btf = elf.section(".BTF") != nullptr;
    if (has_btf && !elf.section("maps"))
        return;
    GElf_Shdr symtab_header{};
    Elf_Scn *symtab = elf.symbol_table(symtab_header);
    if (!symtab)
        throw Error("no symbol table");
    Elf_Data *symbol_data = elf_getdata(symtab, nullptr);
    std::vector<ObjectSymbol> symbols = elf.symbols();
    auto update_symbol = [&](const ObjectSymbol &symbol) {
        GElf_Sym sym = symbol.sym;
        if (!gelf_update_sym(symbol_data, static_cast<int>(symbol.index), &sym))
            throw Error("cannot update symbol " + symbol.name);
        elf_flagdata(symbol_data, ELF_C_SET, ELF_F_DIRTY);
    };

    if (has_btf) {
        // clang's BTF describes SEC("maps") as a section of its own, which this rewrite does not merge into .maps.
        for (const ObjectSymbol &symbol : symbols)
            if (Elf_Scn *scn = elf_getscn(elf.get(), symbol.sym.st_shndx);
                scn && scn == elf.section("maps") && GELF_ST_TYPE(symbol.sym.st_info) == STT_OBJECT)
                throw Error("map '" + symbol.name +
                            "': a legacy SEC(\"maps\") map in an object built with -g, which winbpf "
                            "does not complete: build it without -g (as eBPF for Windows' demo does) or "
                            "with Makefile.bpf");
        return;
    }

    // Legacy maps: SEC("maps"), which libbpf 1.x refuses, joins ".maps".
    Elf_Scn *maps = elf.section(".maps");
    std::set<std::string> legacy;
    if (Elf_Scn *legacy_scn = elf.section("maps")) {
        const std::size_t legacy_index = elf_ndxscn(legacy_scn);
        const std::vector<char> definitions = ElfFile::bytes(legacy_scn);
        for (const ObjectSymbol &symbol : symbols) {
            if (symbol.sym.st_shndx != legacy_index || GELF_ST_TYPE(symbol.sym.st_info) != STT_OBJECT)
                continue;
            legacy.insert(symbol.name);
            if (GELF_ST_BIND(symbol.sym.st_info) == STB_LOCAL)
                throw Error("map '" + symbol.name +
                            "': a static SEC(\"maps\") map, which libbpf does not load (its maps have "
                            "global linkage): declare it without static");
            // A per-CPU array winbpf spreads over an ARRAY needs the spread access Makefile.bpf's second pass selects.
            std::uint32_t type = 0, value_size = 0;
            if (symbol.sym.st_value + 12 <= definitions.size()) {
                std::memcpy(&type, definitions.data() + symbol.sym.st_value, 4);
                std::memcpy(&value_size, definitions.data() + symbol.sym.st_value + 8, 4);
            }
            if (spread_per_cpu(type, value_size))
                throw Error("map '" + symbol.name + "': a PERCPU_ARRAY with a value of " + std::to_string(value_size) +
                            " bytes (over Linux's 32 KiB per-CPU limit) is spread over an ARRAY, "
                            "which a one-pass build cannot access: build it with Makefile.bpf "
                            "(make -f Makefile.bpf SRC=... OUT=...)");
        }
        if (!maps) {
            elf.rename(legacy_scn, ".maps");
            maps = legacy_scn;
        } else {
            // After the shim's maps, 8-byte aligned; the emptied section gets a name libbpf skips.
            std::vector<char> merged = ElfFile::bytes(maps);
            const std::uint64_t base = (merged.size() + 7) / 8 * 8;
            merged.resize(base);
            merged.insert(merged.end(), definitions.begin(), definitions.end());
            elf.replace(maps, std::move(merged));
            elf.replace(legacy_scn, {});
            elf.rename(legacy_scn, "winbpf.legacy_maps_moved");
            for (ObjectSymbol &symbol : symbols)
                if (symbol.sym.st_shndx == legacy_index && GELF_ST_TYPE(symbol.sym.st_info) == STT_OBJECT) {
                    symbol.sym.st_shndx = static_cast<Elf64_Section>(elf_ndxscn(maps));
                    symbol.sym.st_value += base;
                    update_symbol(symbol);
                }
        }
    }

    BtfPtr types(btf__new_empty());
    if (!types)
        throw Error(std::string("cannot create BTF: ") + std::strerror(errno));
    btf *const t = types.get();
    const int int_id = checked(btf__add_int(t, "int", 4, BTF_INT_SIGNED), "int");

    // The glue, compiled with -g from winbpf's headers: the definitions of winbpf's maps and the prototypes of the
    // handlers it calls (libbpf's linker checks that the object's match).
    const ElfFile glue(glue_object, ElfFile::Mode::read);
    const ElfFile::Btf glue_btf = glue.btf();
    if (!glue_btf.types)
        throw Error(glue_object + " has no BTF");
    const std::map<std::string, __u32> shim_maps = glue_maps(glue_btf.types.get());
    std::map<__u32, __u32> copied; // glue type id -> its copy

    // The map variables of ".maps", in offset order.
    struct MapVar {
        int var;
        std::uint64_t offset, size;
    };
    std::vector<MapVar> map_vars;
    if (maps) {
        const std::size_t maps_index = elf_ndxscn(maps);
        std::vector<const ObjectSymbol *> in_maps;
        for (const ObjectSymbol &symbol : symbols)
            if (symbol.sym.st_shndx == maps_index && GELF_ST_TYPE(symbol.sym.st_info) == STT_OBJECT)
                in_maps.push_back(&symbol);
        std::sort(in_maps.begin(), in_maps.end(),
                  [](const ObjectSymbol *a, const ObjectSymbol *b) { return a->sym.st_value < b->sym.st_value; });
        int legacy_struct = 0;
        for (const ObjectSymbol *symbol : in_maps) {
            int type = 0;
            if (legacy.contains(symbol->name)) {
                if (legacy_struct == 0) {
                    // Windows' struct as winbpf/map_helpers.h lays it out; --legacy-maps reads the initialised values.
                    const int u32 = checked(btf__add_int(t, "unsigned int", 4, 0), "unsigned int");
                    const int reserved = checked(btf__add_array(t, int_id, u32, 3), "an array");
                    legacy_struct = checked(btf__add_struct(t, "_ebpf_map_definition_in_file", 48), "a struct");
                    std::uint32_t bit = 0;
                    for (const char *field : {"type", "key_size", "value_size", "max_entries", "inner_map_idx",
                                              "pinning", "id", "inner_id", "map_flags"}) {
                        checked(btf__add_field(t, field, u32, bit, 0), field);
                        bit += 32;
                    }
                    checked(btf__add_field(t, "winbpf_reserved", reserved, bit, 0), "winbpf_reserved");
                }
                type = legacy_struct;
            } else if (const auto shim = shim_maps.find(symbol->name); shim != shim_maps.end()) {
                type = static_cast<int>(copy_type(t, glue_btf.types.get(), shim->second, copied));
            } else {
                throw Error(
                    "it has no BTF (it was compiled without -g), and its map '" + symbol->name +
                    "' is a BTF-defined map (SEC(\".maps\")), which no libbpf can load without the object's BTF: "
                    "compile with -g (clang -target bpf -O2 -g ...), or define it as a legacy SEC(\"maps\") struct "
                    "bpf_map_def");
            }
            const int linkage =
                GELF_ST_BIND(symbol->sym.st_info) == STB_GLOBAL ? BTF_VAR_GLOBAL_ALLOCATED : BTF_VAR_STATIC;
            map_vars.push_back({checked(btf__add_var(t, symbol->name.c_str(), linkage, type), "map " + symbol->name),
                                symbol->sym.st_value, symbol->sym.st_size});
        }
        GElf_Shdr header;
        if (!gelf_getshdr(maps, &header))
            throw Error("bad section header");
        checked(btf__add_datasec(t, ".maps", static_cast<__u32>(header.sh_size)), "the .maps section");
        for (const MapVar &var : map_vars)
            checked(btf__add_datasec_var_info(t, var.var, static_cast<__u32>(var.offset), static_cast<__u32>(var.size)),
                    "a map of .maps");
    }

    // A FUNC of each function, with its func_info and line_info records (by section, in offset order). A handler's
    // prototype is the one the glue declares it with (libbpf's linker compares them), its parameters named as the
    // kernel wants; other functions are int (void): the verifier checks them with their callers.
    const btf *const glue_types = glue_btf.types.get();
    const int int_void = checked(btf__add_func_proto(t, int_id), "a function prototype");
    auto prototype = [&](const std::string &name) {
        const __s32 declared = btf__find_by_name_kind(glue_types, name.c_str(), BTF_KIND_FUNC);
        if (declared < 0)
            return int_void;
        const btf_type *source = btf__type_by_id(glue_types, btf__type_by_id(glue_types, declared)->type);
        const __u32 result = copy_type(t, glue_types, source->type, copied);
        std::vector<std::pair<std::string, __u32>> params;
        for (__u16 i = 0; i < btf_vlen(source); ++i) {
            const std::string param = btf__name_by_offset(glue_types, btf_params(source)[i].name_off);
            params.emplace_back(param.empty() ? "arg" + std::to_string(i + 1) : param,
                                copy_type(t, glue_types, btf_params(source)[i].type, copied));
        }
        const int id = checked(btf__add_func_proto(t, static_cast<int>(result)), "the prototype of " + name);
        for (const auto &[param, type] : params)
            checked(btf__add_func_param(t, param.c_str(), static_cast<int>(type)), "a parameter of " + name);
        return id;
    };
    std::string file = "(unknown file)"; // the source file clang names
    for (const ObjectSymbol &symbol : symbols)
        if (GELF_ST_TYPE(symbol.sym.st_info) == STT_FILE && !symbol.name.empty()) {
            file = symbol.name;
            break;
        }
    const int file_name = checked(btf__add_str(t, file.c_str()), "a file name");
    struct Function {
        std::uint32_t offset;
        int func, line;
    };
    std::map<std::string, std::vector<Function>> functions; // by section
    std::vector<const ObjectSymbol *> ordered;
    for (const ObjectSymbol &symbol : symbols)
        if (GELF_ST_TYPE(symbol.sym.st_info) == STT_FUNC && symbol.sym.st_shndx != SHN_UNDEF && symbol.sym.st_size > 0)
            ordered.push_back(&symbol);
    std::sort(ordered.begin(), ordered.end(), [](const ObjectSymbol *a, const ObjectSymbol *b) {
        return std::pair(a->sym.st_shndx, a->sym.st_value) < std::pair(b->sym.st_shndx, b->sym.st_value);
    });
    for (const ObjectSymbol *symbol : ordered) {
        Elf_Scn *scn = elf_getscn(elf.get(), symbol->sym.st_shndx);
        GElf_Shdr header;
        if (!scn || !gelf_getshdr(scn, &header) || !(header.sh_flags & SHF_EXECINSTR))
            continue;
        const char *section = elf_strptr(elf.get(), elf.shstrndx(), header.sh_name);
        // As clang gives them: global for a global symbol (--legacy-maps makes those of .text static, as for an
        // object built with -g), static otherwise.
        const int linkage = GELF_ST_BIND(symbol->sym.st_info) == STB_GLOBAL ? BTF_FUNC_GLOBAL : BTF_FUNC_STATIC;
        const int func = checked(
            btf__add_func(t, symbol->name.c_str(), static_cast<btf_func_linkage>(linkage), prototype(symbol->name)),
            "function " + symbol->name);
        // libbpf and the kernel want a line record at each function's start: the verifier's log shows this text.
        const std::string line = symbol->name + ": no source line (compiled without -g)";
        functions[section ? section : ""].push_back(
            {static_cast<std::uint32_t>(symbol->sym.st_value), func, checked(btf__add_str(t, line.c_str()), "a line")});
    }

    // .BTF.ext: header (magic, version 1, flags, its length, func_info's and line_info's offset and length), then
    // func_info (record size; per section its name, record count and records: byte offset, FUNC) and line_info
    // (record size; per section ...: byte offset, file name, line text, line 0 and column 0).
    std::vector<char> func_info, line_info;
    put32(func_info, 8);
    put32(line_info, 16);
    for (const auto &[section, records] : functions) {
        const auto name = static_cast<std::uint32_t>(checked(btf__add_str(t, section.c_str()), "a section name"));
        for (std::vector<char> *info : {&func_info, &line_info}) {
            put32(*info, name);
            put32(*info, static_cast<std::uint32_t>(records.size()));
        }
        for (const Function &function : records) {
            put32(func_info, function.offset);
            put32(func_info, static_cast<std::uint32_t>(function.func));
            put32(line_info, function.offset);
            put32(line_info, static_cast<std::uint32_t>(file_name));
            put32(line_info, static_cast<std::uint32_t>(function.line));
            put32(line_info, 0);
        }
    }
    std::vector<char> ext;
    put32(ext, 0x0001eb9f); // magic 0xeb9f, version 1, flags 0 (little-endian)
    put32(ext, 24);
    put32(ext, 0);
    put32(ext, static_cast<std::uint32_t>(func_info.size()));
    put32(ext, static_cast<std::uint32_t>(func_info.size()));
    put32(ext, static_cast<std::uint32_t>(line_info.size()));
    ext.insert(ext.end(), func_info.begin(), func_info.end());
    ext.insert(ext.end(), line_info.begin(), line_info.end());

    __u32 size = 0;
    const void *raw = btf__raw_data(t, &size);
    if (!raw)
        throw Error("cannot write the new BTF");
    elf.add_section(".BTF", std::vector<char>(static_cast<const char *>(raw), static_cast<const char *>(raw) + size),
                    4);
    elf.add_section(".BTF.ext", std::move(ext), 4);
    elf.write();
}

} // namespace winbpf::glue
