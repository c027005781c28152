// SPDX-License-Identifier: MIT
// Optional entry programs ("?lsm/...", "?tp_btf/..."): present for winbpf's loader, invisible to plain libbpf.
#include "optional_programs.hpp"

#include "elf_file.hpp"

#include "winbpf/error.hpp"

#include <gelf.h>
#include <libelf.h>

namespace winbpf::glue
{

int hide_optional_programs(const std::string &path)
{
    const ElfFile elf(path, ElfFile::Mode::update);
    int hidden = 0;
    for (Elf_Scn *scn = elf_nextscn(elf.get(), nullptr); scn; scn = elf_nextscn(elf.get(), scn)) {
        GElf_Shdr header;
        if (!gelf_getshdr(scn, &header))
            throw Error("bad section header");
        const char *name = elf_strptr(elf.get(), elf.shstrndx(), header.sh_name);
        if (!name || name[0] != '?' || header.sh_type != SHT_PROGBITS || !(header.sh_flags & SHF_EXECINSTR))
            continue;
        header.sh_flags &= ~static_cast<GElf_Xword>(SHF_EXECINSTR);
        if (!gelf_update_shdr(scn, &header))
            throw Error(std::string("cannot update section ") + name + ": " + elf_errmsg(-1));
        ++hidden;
    }
    if (hidden == 0)
        return 0;
    // The layout stays as it is: only section header flags change.
    elf_flagelf(elf.get(), ELF_C_SET, ELF_F_LAYOUT);
    if (elf_update(elf.get(), ELF_C_WRITE) < 0)
        throw Error(std::string("cannot write the object: ") + elf_errmsg(-1));
    return hidden;
}

} // namespace winbpf::glue
