// SPDX-License-Identifier: MIT
// An ELF object file open through libelf, for winbpf-glue's readers (pass1_object.cpp) and its in-place rewrites of
// the object's BTF (legacy_maps.cpp, map_adaptations.cpp, functions.cpp).
#pragma once

#include "winbpf/btf_ptr.hpp"
#include "winbpf/error.hpp"
#include "winbpf/unique_fd.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace winbpf::glue
{

/// An ELF file and its libelf handle, released together (elf_end, then close).
class ElfFile
{
  public:
    enum class Mode { read, update };

    /// Opens path for reading (ELF_C_READ) or for elf_update in place (ELF_C_RDWR). Throws winbpf::Error
    /// ("<why>"; the caller names the file) when libelf cannot start, the file cannot be opened, it is not ELF or it
    /// has no section name table.
    ElfFile(const std::string &path, Mode mode)
    {
        if (elf_version(EV_CURRENT) == EV_NONE)
            throw Error("libelf initialisation failed");
        fd_.reset(::open(path.c_str(), (mode == Mode::read ? O_RDONLY : O_RDWR) | O_CLOEXEC));
        if (!fd_)
            throw Error(std::strerror(errno));
        elf_.reset(elf_begin(fd_.get(), mode == Mode::read ? ELF_C_READ : ELF_C_RDWR, nullptr));
        if (!elf_ || elf_kind(elf_.get()) != ELF_K_ELF || elf_getshdrstrndx(elf_.get(), &shstrndx_) != 0)
            throw Error("not an ELF object");
    }

    Elf *get() const { return elf_.get(); }
    /// Index of the section name table (for elf_strptr of section names).
    std::size_t shstrndx() const { return shstrndx_; }

    /// The first section named name (".BTF", ".maps", ".text"), or nullptr when there is none. Throws
    /// winbpf::Error("bad section header").
    Elf_Scn *section(const char *name) const
    {
        for (Elf_Scn *scn = elf_nextscn(elf_.get(), nullptr); scn; scn = elf_nextscn(elf_.get(), scn)) {
            GElf_Shdr header;
            if (!gelf_getshdr(scn, &header))
                throw Error("bad section header");
            const char *found = elf_strptr(elf_.get(), shstrndx_, header.sh_name);
            if (found && std::strcmp(found, name) == 0)
                return scn;
        }
        return nullptr;
    }

    /// The symbol table (SHT_SYMTAB) with its header in header, or nullptr when there is none.
    Elf_Scn *symbol_table(GElf_Shdr &header) const
    {
        for (Elf_Scn *scn = elf_nextscn(elf_.get(), nullptr); scn; scn = elf_nextscn(elf_.get(), scn))
            if (gelf_getshdr(scn, &header) && header.sh_type == SHT_SYMTAB)
                return scn;
        return nullptr;
    }

    /// One entry of the symbol table: its index, the entry, and its name ("" for none).
    struct Symbol {
        std::size_t index = 0;
        GElf_Sym sym{};
        std::string name;
    };

    /// Every entry of the symbol table, in order (index i at [i]); empty when the object has none. Throws
    /// winbpf::Error("unreadable symbol N").
    std::vector<Symbol> symbols() const
    {
        GElf_Shdr header{};
        Elf_Scn *symtab = symbol_table(header);
        Elf_Data *data = symtab ? elf_getdata(symtab, nullptr) : nullptr;
        const std::size_t count = header.sh_entsize ? header.sh_size / header.sh_entsize : 0;
        std::vector<Symbol> out;
        for (std::size_t i = 0; data && i < count; ++i) {
            GElf_Sym sym;
            if (!gelf_getsym(data, static_cast<int>(i), &sym))
                throw Error("unreadable symbol " + std::to_string(i));
            const char *name = elf_strptr(elf_.get(), header.sh_link, sym.st_name);
            out.push_back({i, sym, name ? name : ""});
        }
        return out;
    }

    /// The object's .BTF section: its data and libbpf's parse of it (btf__new over the section's bytes).
    struct Btf {
        Elf_Data *data = nullptr;
        BtfPtr types;
    };

    /// The .BTF of the object (types empty when it has no .BTF section). Throws winbpf::Error
    /// ("unreadable .BTF section", "malformed .BTF: <errno text>").
    Btf btf() const
    {
        Btf result;
        Elf_Scn *scn = section(".BTF");
        if (!scn)
            return result;
        result.data = elf_getdata(scn, nullptr);
        if (!result.data || !result.data->d_buf)
            throw Error("unreadable .BTF section");
        result.types.reset(btf__new(result.data->d_buf, static_cast<__u32>(result.data->d_size)));
        if (!result.types)
            throw Error(std::string("malformed .BTF: ") + std::strerror(errno));
        return result;
    }

    /// Replaces the .BTF section's bytes by types' (btf__raw_data) and writes the file in place (Mode::update only).
    /// Throws winbpf::Error ("cannot write the new BTF", "cannot write the object: <libelf's reason>").
    void write_btf(const Btf &btf) const
    {
        __u32 size = 0;
        const void *raw = btf__raw_data(btf.types.get(), &size);
        if (!raw)
            throw Error("cannot write the new BTF");
        std::vector<char> bytes(static_cast<const char *>(raw), static_cast<const char *>(raw) + size);
        btf.data->d_buf = bytes.data();
        btf.data->d_size = bytes.size();
        elf_flagdata(btf.data, ELF_C_SET, ELF_F_DIRTY);
        write();
    }

    /// A copy of section scn's bytes (empty for a section without data).
    static std::vector<char> bytes(Elf_Scn *scn)
    {
        Elf_Data *data = elf_getdata(scn, nullptr);
        return data && data->d_buf ? std::vector<char>(static_cast<char *>(data->d_buf),
                                                       static_cast<char *>(data->d_buf) + data->d_size)
                                   : std::vector<char>();
    }

    /// Makes contents the bytes (and size) of section scn at the next elf_update; this ElfFile keeps them until then.
    /// Throws winbpf::Error("bad section header", "cannot update a section header").
    void replace(Elf_Scn *scn, std::vector<char> contents)
    {
        static char none[8];
        std::vector<char> &kept = buffers_.emplace_back(std::move(contents));
        Elf_Data *data = elf_getdata(scn, nullptr);
        if (!data && (data = elf_newdata(scn)) != nullptr)
            data->d_type = ELF_T_BYTE;
        if (!data)
            throw Error(std::string("cannot give a section data: ") + elf_errmsg(-1));
        data->d_version = EV_CURRENT;                    // a new section's data has none
        data->d_buf = kept.empty() ? none : kept.data(); // libelf keeps the old size of a section without a buffer
        data->d_size = kept.size();
        elf_flagdata(data, ELF_C_SET, ELF_F_DIRTY);
        GElf_Shdr header;
        if (!gelf_getshdr(scn, &header))
            throw Error("bad section header");
        header.sh_size = kept.size();
        if (!gelf_update_shdr(scn, &header))
            throw Error("cannot update a section header");
    }

    /// The offset of name in the section name table (as a whole name or the tail of one), added to the table (written
    /// at the next elf_update) when it is not there. Throws winbpf::Error as replace().
    std::uint32_t section_name_offset(const std::string &name)
    {
        Elf_Scn *table = elf_getscn(elf_.get(), shstrndx_);
        if (names_.empty() && table)
            names_ = bytes(table);
        for (std::size_t at = 0; at + name.size() < names_.size(); ++at)
            if (std::memcmp(names_.data() + at, name.c_str(), name.size() + 1) == 0)
                return static_cast<std::uint32_t>(at);
        const auto at = static_cast<std::uint32_t>(names_.size());
        names_.insert(names_.end(), name.c_str(), name.c_str() + name.size() + 1);
        replace(table, names_);
        return at;
    }

    /// Renames section scn (at the next elf_update). Throws winbpf::Error as replace().
    void rename(Elf_Scn *scn, const std::string &name)
    {
        GElf_Shdr header;
        if (!gelf_getshdr(scn, &header))
            throw Error("bad section header");
        header.sh_name = section_name_offset(name);
        if (!gelf_update_shdr(scn, &header))
            throw Error("cannot rename a section to " + name);
    }

    /// Adds a section of type SHT_PROGBITS named name holding contents, aligned to alignment bytes (at the next
    /// elf_update). Throws winbpf::Error naming the section.
    Elf_Scn *add_section(const std::string &name, std::vector<char> contents, std::uint64_t alignment)
    {
        Elf_Scn *scn = elf_newscn(elf_.get());
        GElf_Shdr header;
        if (!scn || !gelf_getshdr(scn, &header))
            throw Error("cannot add section " + name + ": " + elf_errmsg(-1));
        header.sh_type = SHT_PROGBITS;
        header.sh_addralign = alignment;
        header.sh_name = section_name_offset(name);
        if (!gelf_update_shdr(scn, &header))
            throw Error("cannot add section " + name + ": " + elf_errmsg(-1));
        replace(scn, std::move(contents));
        elf_getdata(scn, nullptr)->d_align = alignment;
        return scn;
    }

    /// Writes the changes made through libelf (elf_update). Throws winbpf::Error("cannot write the object: ...").
    void write() const
    {
        if (elf_update(elf_.get(), ELF_C_WRITE) < 0)
            throw Error(std::string("cannot write the object: ") + elf_errmsg(-1));
    }

  private:
    struct ElfEnd {
        void operator()(Elf *elf) const { elf_end(elf); }
    };
    UniqueFd fd_; // declared first: closed after elf_end
    std::unique_ptr<Elf, ElfEnd> elf_;
    std::size_t shstrndx_ = 0;
    std::list<std::vector<char>> buffers_; ///< section contents given to libelf, kept until elf_update
    std::vector<char> names_;              ///< the section name table being extended (section_name_offset)
};

} // namespace winbpf::glue
