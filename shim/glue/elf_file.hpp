// SPDX-License-Identifier: MIT
// An ELF object file open through libelf, for winbpf-glue's readers (pass1_object.cpp) and its in-place rewrite of
// legacy maps (legacy_maps.cpp).
#pragma once

#include "winbpf/unique_fd.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

namespace winbpf::glue
{

/// An ELF file and its libelf handle, released together (elf_end, then close).
class ElfFile
{
  public:
    enum class Mode { read, update };

    /// Opens path for reading (ELF_C_READ) or for elf_update in place (ELF_C_RDWR). Throws std::runtime_error
    /// ("<why>"; the caller names the file) when libelf cannot start, the file cannot be opened, it is not ELF or it
    /// has no section name table.
    ElfFile(const std::string &path, Mode mode)
    {
        if (elf_version(EV_CURRENT) == EV_NONE)
            throw std::runtime_error("libelf initialisation failed");
        fd_.reset(::open(path.c_str(), (mode == Mode::read ? O_RDONLY : O_RDWR) | O_CLOEXEC));
        if (!fd_)
            throw std::runtime_error(std::strerror(errno));
        elf_.reset(elf_begin(fd_.get(), mode == Mode::read ? ELF_C_READ : ELF_C_RDWR, nullptr));
        if (!elf_ || elf_kind(elf_.get()) != ELF_K_ELF || elf_getshdrstrndx(elf_.get(), &shstrndx_) != 0)
            throw std::runtime_error("not an ELF object");
    }

    Elf *get() const { return elf_.get(); }
    /// Index of the section name table (for elf_strptr of section names).
    std::size_t shstrndx() const { return shstrndx_; }

  private:
    struct ElfEnd {
        void operator()(Elf *elf) const { elf_end(elf); }
    };
    UniqueFd fd_; // declared first: closed after elf_end
    std::unique_ptr<Elf, ElfEnd> elf_;
    std::size_t shstrndx_ = 0;
};

} // namespace winbpf::glue
