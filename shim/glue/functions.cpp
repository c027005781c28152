// SPDX-License-Identifier: MIT
// Functions of a Windows-style program verified as eBPF for Windows verifies them: as part of their callers.
#include "functions.hpp"

#include "elf_file.hpp"

#include "winbpf/error.hpp"

#include <linux/types.h>

#include "winbpf/abi.h"

#include <bpf/btf.h>
#include <gelf.h>
#include <libelf.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

namespace winbpf::glue
{

void verify_functions_with_callers(const std::string &path)
{
    const ElfFile elf(path, ElfFile::Mode::update);
    GElf_Shdr symtab_header{};
    Elf_Scn *symtab = elf.symbol_table(symtab_header);
    Elf_Scn *text = elf.section(".text");
    if (!symtab || !text || !elf.section(".BTF"))
        return;
    const size_t text_index = elf_ndxscn(text);
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
    const ElfFile::Btf object_btf = elf.btf();
    btf *const types = object_btf.types.get();
    std::vector<__u32> changed;
    const __u32 count = btf__type_cnt(types);
    for (__u32 id = 1; id < count; ++id) {
        const btf_type *type = btf__type_by_id(types, id);
        if (btf_is_func(type) && btf_vlen(type) == BTF_FUNC_GLOBAL &&
            subprograms.contains(btf__name_by_offset(types, type->name_off)))
            changed.push_back(id);
    }
    if (changed.empty())
        return;
    for (__u32 id : changed) {
        // The kind stays FUNC; the vlen bits of a FUNC hold its linkage.
        btf_type *type = const_cast<btf_type *>(btf__type_by_id(types, id));
        type->info = (type->info & ~0xffffU) | BTF_FUNC_STATIC;
        if (btf__add_decl_tag(types, WINBPF_VERIFIED_WITH_CALLER_TAG, static_cast<int>(id), -1) < 0)
            throw Error("cannot tag function " + std::string(btf__name_by_offset(types, type->name_off)));
    }
    elf.write_btf(object_btf);
}

} // namespace winbpf::glue
