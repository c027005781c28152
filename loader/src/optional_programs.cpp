// SPDX-License-Identifier: MIT
// winbpf's side of Makefile.bpf's `winbpf-glue --hide-optional`: the optional entry programs ("?lsm/...") of an object
// are hidden from plain libbpf (bpftool) by a cleared SHF_EXECINSTR flag; the loader sets it again in its copy so that
// libbpf sees them as programs with autoload off, and the hook module chooses the variant to load (process.cpp,
// sock_addr.cpp).
#include "internal.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <elf.h>
#include <span>

namespace winbpf::detail
{
namespace
{

// Unsigned field of size bytes at offset, in the ELF's byte order (the caller checks the bounds).
std::uint64_t read_field(std::span<const std::byte> elf, std::size_t offset, std::size_t size, bool big_endian)
{
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < size; ++i) {
        const auto byte = static_cast<std::uint64_t>(elf[offset + (big_endian ? i : size - 1 - i)]);
        value = (value << 8) | byte;
    }
    return value;
}

void write_field(std::span<std::byte> elf, std::size_t offset, std::size_t size, bool big_endian, std::uint64_t value)
{
    for (std::size_t i = 0; i < size; ++i) {
        const std::size_t at = offset + (big_endian ? size - 1 - i : i);
        elf[at] = static_cast<std::byte>(value & 0xff);
        value >>= 8;
    }
}

} // namespace

std::size_t show_optional_programs(std::span<std::byte> elf)
{
    if (elf.size() < sizeof(Elf64_Ehdr) || std::memcmp(elf.data(), ELFMAG, SELFMAG) != 0 ||
        static_cast<unsigned char>(elf[EI_CLASS]) != ELFCLASS64)
        return 0;
    const bool big = static_cast<unsigned char>(elf[EI_DATA]) == ELFDATA2MSB;
    const std::uint64_t shoff = read_field(elf, offsetof(Elf64_Ehdr, e_shoff), 8, big);
    const std::uint64_t entsize = read_field(elf, offsetof(Elf64_Ehdr, e_shentsize), 2, big);
    const std::uint64_t count = read_field(elf, offsetof(Elf64_Ehdr, e_shnum), 2, big);
    const std::uint64_t strndx = read_field(elf, offsetof(Elf64_Ehdr, e_shstrndx), 2, big);
    if (entsize < sizeof(Elf64_Shdr) || strndx >= count || shoff > elf.size() || count > (elf.size() - shoff) / entsize)
        return 0;
    auto header = [&](std::uint64_t index) { return static_cast<std::size_t>(shoff + index * entsize); };
    const std::uint64_t names = read_field(elf, header(strndx) + offsetof(Elf64_Shdr, sh_offset), 8, big);
    const std::uint64_t names_size = read_field(elf, header(strndx) + offsetof(Elf64_Shdr, sh_size), 8, big);
    if (names > elf.size() || names_size > elf.size() - names)
        return 0;
    std::size_t shown = 0;
    for (std::uint64_t i = 1; i < count; ++i) {
        const std::size_t h = header(i);
        const std::uint64_t name = read_field(elf, h + offsetof(Elf64_Shdr, sh_name), 4, big);
        const std::uint64_t type = read_field(elf, h + offsetof(Elf64_Shdr, sh_type), 4, big);
        const std::uint64_t flags = read_field(elf, h + offsetof(Elf64_Shdr, sh_flags), 8, big);
        if (type != SHT_PROGBITS || (flags & SHF_EXECINSTR) || name >= names_size ||
            static_cast<char>(elf[names + name]) != '?')
            continue;
        write_field(elf, h + offsetof(Elf64_Shdr, sh_flags), 8, big, flags | SHF_EXECINSTR);
        ++shown;
    }
    return shown;
}

} // namespace winbpf::detail
