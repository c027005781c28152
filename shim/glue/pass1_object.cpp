// SPDX-License-Identifier: MIT
#include "pass1_object.hpp"

#include "elf_file.hpp"

#include "winbpf/error.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

namespace winbpf::glue
{
namespace
{

constexpr std::string_view kMarker = "?winbpf_sec=";

/// path opened for reading; its errors name path.
ElfFile open_elf(const std::string &path)
{
    try {
        return ElfFile(path, ElfFile::Mode::read);
    } catch (const Error &e) {
        throw Error(path + ": " + e.what());
    }
}

Error elf_error(const std::string &path, const std::string &what)
{
    return Error(path + ": " + what + ": " + elf_errmsg(-1));
}

} // namespace

std::optional<std::string> first_parameter_struct(const std::string &path, const std::string &function)
{
    // Read through ElfFile: libbpf's btf__parse_elf warns on stderr about an object without .BTF (built without -g).
    const ElfFile::Btf types = ElfFile(path, ElfFile::Mode::read).btf();
    if (!types.types)
        return std::nullopt;
    const __s32 id = btf__find_by_name_kind(types.types.get(), function.c_str(), BTF_KIND_FUNC);
    if (id < 0)
        return std::nullopt;
    const btf_type *proto = btf__type_by_id(types.types.get(), btf__type_by_id(types.types.get(), id)->type);
    if (!proto || !btf_is_func_proto(proto) || btf_vlen(proto) == 0)
        return std::nullopt;
    const btf_type *param = btf__type_by_id(types.types.get(), btf_params(proto)[0].type);
    if (!param || !btf_is_ptr(param))
        return std::nullopt;
    const __s32 target = btf__resolve_type(types.types.get(), param->type); // through typedefs and qualifiers
    const btf_type *pointee = target < 0 ? nullptr : btf__type_by_id(types.types.get(), target);
    if (!pointee || !btf_is_struct(pointee))
        return std::nullopt;
    return std::string(btf__name_by_offset(types.types.get(), pointee->name_off));
}

std::string return_type_name(const std::string &path, const std::string &function)
{
    const ElfFile::Btf types = ElfFile(path, ElfFile::Mode::read).btf();
    if (!types.types)
        return "int"; // no .BTF: compiled without -g
    const __s32 id = btf__find_by_name_kind(types.types.get(), function.c_str(), BTF_KIND_FUNC);
    const btf_type *proto =
        id < 0 ? nullptr : btf__type_by_id(types.types.get(), btf__type_by_id(types.types.get(), id)->type);
    const btf_type *result =
        proto && btf_is_func_proto(proto) ? btf__type_by_id(types.types.get(), proto->type) : nullptr;
    if (!result)
        return "int";
    const std::string name = btf__name_by_offset(types.types.get(), result->name_off);
    if (name.empty())
        return "int";
    if (btf_is_typedef(result) || btf_is_int(result))
        return name;
    if (btf_is_enum(result))
        return "enum " + name;
    return "int";
}

std::optional<std::string> read_license(const std::string &path)
{
    const ElfFile elf = open_elf(path);
    const size_t shstrndx = elf.shstrndx();
    for (Elf_Scn *scn = elf_nextscn(elf.get(), nullptr); scn; scn = elf_nextscn(elf.get(), scn)) {
        GElf_Shdr header;
        if (!gelf_getshdr(scn, &header))
            throw elf_error(path, "bad section header");
        const char *name = elf_strptr(elf.get(), shstrndx, header.sh_name);
        if (!name || header.sh_type != SHT_PROGBITS)
            continue;
        std::string_view view(name);
        if (view.substr(0, view.rfind(kMarker)) != "license")
            continue;
        Elf_Data *data = elf_getdata(scn, nullptr);
        if (!data || !data->d_buf)
            return std::string();
        const char *bytes = static_cast<const char *>(data->d_buf);
        return std::string(bytes, strnlen(bytes, data->d_size));
    }
    return std::nullopt;
}

std::set<std::string> read_uses(const std::string &path)
{
    const ElfFile elf = open_elf(path);
    std::set<std::string> features;
    for (Elf_Scn *scn = elf_nextscn(elf.get(), nullptr); scn; scn = elf_nextscn(elf.get(), scn)) {
        GElf_Shdr header;
        if (!gelf_getshdr(scn, &header))
            throw elf_error(path, "bad section header");
        const char *name = elf_strptr(elf.get(), elf.shstrndx(), header.sh_name);
        if (!name || !std::string_view(name).starts_with(kUsesSectionPrefix) || header.sh_type != SHT_PROGBITS)
            continue;
        const std::string feature(std::string_view(name).substr(kUsesSectionPrefix.size()));
        if (feature.empty() || std::isdigit(static_cast<unsigned char>(feature[0])) ||
            !std::all_of(feature.begin(), feature.end(),
                         [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }))
            throw Error(path + ": section '" + name + "' does not name a winbpf feature");
        features.insert(feature);
    }
    return features;
}

std::string uses_defines(const std::set<std::string> &features)
{
    std::string lines;
    for (const std::string &feature : features)
        lines += "#define WINBPF_USES_" + feature + " 1\n";
    return lines;
}

std::vector<SecSymbol> read_sec_symbols(const std::string &path)
{
    const ElfFile elf = open_elf(path);
    const size_t shstrndx = elf.shstrndx();

    std::map<size_t, std::pair<std::string, int>> marked; // section index -> (SEC name, counter)
    Elf_Scn *symtab = nullptr;
    GElf_Shdr symtab_header{};
    for (Elf_Scn *scn = elf_nextscn(elf.get(), nullptr); scn; scn = elf_nextscn(elf.get(), scn)) {
        GElf_Shdr header;
        if (!gelf_getshdr(scn, &header))
            throw elf_error(path, "bad section header");
        const char *name = elf_strptr(elf.get(), shstrndx, header.sh_name);
        if (!name)
            continue;
        if (header.sh_type == SHT_SYMTAB) {
            symtab = scn;
            symtab_header = header;
        }
        std::string_view view(name);
        auto at = view.rfind(kMarker);
        if (at == std::string_view::npos || header.sh_type == SHT_REL || header.sh_type == SHT_RELA)
            continue;
        marked[elf_ndxscn(scn)] = {std::string(view.substr(0, at)),
                                   std::stoi(std::string(view.substr(at + kMarker.size())))};
    }
    if (!symtab)
        throw Error(path + ": no symbol table");

    std::vector<SecSymbol> out;
    Elf_Data *data = elf_getdata(symtab, nullptr);
    if (!data)
        throw elf_error(path, "unreadable symbol table");
    const size_t count = symtab_header.sh_entsize ? symtab_header.sh_size / symtab_header.sh_entsize : 0;
    for (size_t i = 0; i < count; ++i) {
        GElf_Sym sym;
        if (!gelf_getsym(data, static_cast<int>(i), &sym))
            continue;
        auto found = marked.find(sym.st_shndx);
        const int type = GELF_ST_TYPE(sym.st_info);
        if (found == marked.end() || (type != STT_FUNC && type != STT_OBJECT))
            continue;
        const char *name = elf_strptr(elf.get(), symtab_header.sh_link, sym.st_name);
        if (!name || !*name)
            continue;
        SecSymbol symbol{found->second.first, found->second.second, name, type == STT_FUNC, {}};
        if (type == STT_OBJECT) {
            Elf_Data *bytes = elf_getdata(elf_getscn(elf.get(), sym.st_shndx), nullptr);
            if (bytes && bytes->d_buf && sym.st_value <= bytes->d_size && sym.st_size <= bytes->d_size - sym.st_value)
                symbol.data.assign(static_cast<const unsigned char *>(bytes->d_buf) + sym.st_value,
                                   static_cast<const unsigned char *>(bytes->d_buf) + sym.st_value + sym.st_size);
        }
        out.push_back(std::move(symbol));
    }
    // Sections with no named symbol (e.g. a license string kept only by section) still count as SEC() uses.
    for (const auto &[index, sec] : marked) {
        bool seen = false;
        for (const auto &s : out)
            seen = seen || (s.counter == sec.second);
        if (!seen)
            out.push_back({sec.first, sec.second, "", false, {}});
    }
    return out;
}

} // namespace winbpf::glue
