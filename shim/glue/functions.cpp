// SPDX-License-Identifier: MIT
// Functions of a Windows-style program verified as eBPF for Windows verifies them: as part of their callers.
#include "functions.hpp"

#include "elf_file.hpp"

#include <linux/types.h>

#include "winbpf/abi.h"

#include <bpf/btf.h>
#include <gelf.h>
#include <libelf.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <stdexcept>
#include <vector>

namespace winbpf::glue
{

void verify_functions_with_callers(const std::string &path)
{
    const ElfFile elf(path, ElfFile::Mode::update);
    const size_t shstrndx = elf.shstrndx();
    Elf_Scn *btf_scn = nullptr, *symtab = nullptr;
    size_t text_index = 0;
    GElf_Shdr symtab_header{};
    for (Elf_Scn *scn = elf_nextscn(elf.get(), nullptr); scn; scn = elf_nextscn(elf.get(), scn)) {
        GElf_Shdr header;
        if (!gelf_getshdr(scn, &header))
            throw std::runtime_error("bad section header");
        const char *name = elf_strptr(elf.get(), shstrndx, header.sh_name);
        if (header.sh_type == SHT_SYMTAB) {
            symtab = scn;
            symtab_header = header;
        } else if (name && std::strcmp(name, ".BTF") == 0) {
            btf_scn = scn;
        } else if (name && std::strcmp(name, ".text") == 0) {
            text_index = elf_ndxscn(scn);
        }
    }
    if (!btf_scn || !symtab || text_index == 0)
        return;
    // The global functions of .text: subprograms, not programs (those sit in their own sections).
    std::set<std::string> subprograms;
    Elf_Data *symbols = elf_getdata(symtab, nullptr);
    const size_t symbol_count = symtab_header.sh_entsize ? symtab_header.sh_size / symtab_header.sh_entsize : 0;
    for (size_t i = 0; symbols && i < symbol_count; ++i) {
        GElf_Sym sym;
        if (gelf_getsym(symbols, static_cast<int>(i), &sym) && GELF_ST_TYPE(sym.st_info) == STT_FUNC &&
            GELF_ST_BIND(sym.st_info) == STB_GLOBAL && sym.st_shndx == text_index)
            if (const char *name = elf_strptr(elf.get(), symtab_header.sh_link, sym.st_name))
                subprograms.insert(name);
    }
    if (subprograms.empty())
        return;
    Elf_Data *btf_data = elf_getdata(btf_scn, nullptr);
    if (!btf_data || !btf_data->d_buf)
        throw std::runtime_error("unreadable .BTF section");
    std::unique_ptr<btf, decltype(&btf__free)> types(btf__new(btf_data->d_buf, static_cast<__u32>(btf_data->d_size)),
                                                     btf__free);
    if (!types)
        throw std::runtime_error(std::string("malformed .BTF: ") + std::strerror(errno));
    std::vector<__u32> changed;
    const __u32 count = btf__type_cnt(types.get());
    for (__u32 id = 1; id < count; ++id) {
        const btf_type *type = btf__type_by_id(types.get(), id);
        if (btf_is_func(type) && btf_vlen(type) == BTF_FUNC_GLOBAL &&
            subprograms.contains(btf__name_by_offset(types.get(), type->name_off)))
            changed.push_back(id);
    }
    if (changed.empty())
        return;
    for (__u32 id : changed) {
        // The kind stays FUNC; the vlen bits of a FUNC hold its linkage.
        btf_type *type = const_cast<btf_type *>(btf__type_by_id(types.get(), id));
        type->info = (type->info & ~0xffffU) | BTF_FUNC_STATIC;
        if (btf__add_decl_tag(types.get(), WINBPF_VERIFIED_WITH_CALLER_TAG, static_cast<int>(id), -1) < 0)
            throw std::runtime_error("cannot tag function " +
                                     std::string(btf__name_by_offset(types.get(), type->name_off)));
    }
    __u32 size = 0;
    const void *raw = btf__raw_data(types.get(), &size);
    if (!raw)
        throw std::runtime_error("cannot write the new BTF");
    std::vector<char> bytes(static_cast<const char *>(raw), static_cast<const char *>(raw) + size);
    btf_data->d_buf = bytes.data();
    btf_data->d_size = bytes.size();
    elf_flagdata(btf_data, ELF_C_SET, ELF_F_DIRTY);
    if (elf_update(elf.get(), ELF_C_WRITE) < 0)
        throw std::runtime_error(std::string("cannot write the object: ") + elf_errmsg(-1));
}

} // namespace winbpf::glue
