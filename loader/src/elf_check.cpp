// SPDX-License-Identifier: MIT
// Recognises files that are not BPF ELF objects before libbpf sees them (libbpf's messages are vague there).
#include "internal.hpp"
#include "winbpf/error.hpp"

#include <cstdint>
#include <cstring>
#include <elf.h>
#include <vector>

namespace winbpf::detail
{

void check_bpf_elf(std::span<const std::byte> bytes, const std::string &name)
{
    if (bytes.size() < SELFMAG || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0)
        throw Error("'" + name + "' is not an ELF object file (no ELF magic): build BPF objects with Makefile.bpf",
                    ENOEXEC);
    if (bytes.size() < sizeof(Elf64_Ehdr))
        throw Error("'" + name + "' is a truncated ELF file (" + std::to_string(bytes.size()) + " bytes)", ENOEXEC);
    auto ident = reinterpret_cast<const unsigned char *>(bytes.data());
    if (ident[EI_CLASS] != ELFCLASS64)
        throw Error("'" + name + "' is a 32-bit ELF file, not a BPF object", ENOEXEC);
    if (ident[EI_DATA] != ELFDATA2LSB && ident[EI_DATA] != ELFDATA2MSB)
        throw Error("'" + name + "' is a malformed ELF file (unknown byte order)", ENOEXEC);
    const unsigned char *m = ident + offsetof(Elf64_Ehdr, e_machine);
    std::uint16_t machine = ident[EI_DATA] == ELFDATA2LSB ? static_cast<std::uint16_t>(m[0] | (m[1] << 8))
                                                          : static_cast<std::uint16_t>((m[0] << 8) | m[1]);
    if (machine != EM_BPF)
        throw Error("'" + name + "' is an ELF file for machine " + std::to_string(machine) +
                        ", not a BPF object (e_machine " + std::to_string(EM_BPF) + "): compile with Makefile.bpf",
                    ENOEXEC);

    // Everything the headers promise must be in the file: a cut-off object (an interrupted copy or download) says so
    // here instead of as libbpf's "Unknown error 4001".
    auto read = [&](std::size_t at, std::size_t width) -> std::uint64_t {
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < width; ++i) {
            const std::size_t byte = ident[EI_DATA] == ELFDATA2LSB ? at + i : at + width - 1 - i;
            value |= static_cast<std::uint64_t>(ident[byte]) << (8 * i);
        }
        return value;
    };
    const std::uint64_t size = bytes.size();
    auto truncated = [&](const std::string &what, std::uint64_t end) {
        return Error("'" + name + "' is a truncated ELF file: " + std::to_string(size) + " bytes, but " + what +
                         " ends at byte " + std::to_string(end) + " (rebuild or copy the object again)",
                     ENOEXEC);
    };
    const std::uint64_t shoff = read(offsetof(Elf64_Ehdr, e_shoff), 8);
    const std::uint64_t shentsize = read(offsetof(Elf64_Ehdr, e_shentsize), 2);
    const std::uint64_t shnum = read(offsetof(Elf64_Ehdr, e_shnum), 2);
    if (shnum != 0 && shentsize < sizeof(Elf64_Shdr))
        throw Error("'" + name + "' is a malformed ELF file (section header size " + std::to_string(shentsize) + ")",
                    ENOEXEC);
    if (shoff > size || shnum * shentsize > size - shoff)
        throw truncated("its section header table", shoff + shnum * shentsize);
    struct Section {
        std::uint64_t name, type, offset, length, link, entsize;
    };
    std::vector<Section> sections;
    for (std::uint64_t i = 0; i < shnum; ++i) {
        const std::size_t header = static_cast<std::size_t>(shoff + i * shentsize);
        const Section section{
            read(header + offsetof(Elf64_Shdr, sh_name), 4),   read(header + offsetof(Elf64_Shdr, sh_type), 4),
            read(header + offsetof(Elf64_Shdr, sh_offset), 8), read(header + offsetof(Elf64_Shdr, sh_size), 8),
            read(header + offsetof(Elf64_Shdr, sh_link), 4),   read(header + offsetof(Elf64_Shdr, sh_entsize), 8)};
        if (section.type != SHT_NOBITS && (section.offset > size || section.length > size - section.offset))
            throw truncated("section " + std::to_string(i), section.offset + section.length);
        sections.push_back(section);
    }

    // Names libbpf reads without checking them (it compares them with strcmp): every section name and every symbol
    // name must lie inside its string table, else libbpf dereferences a null name.
    auto malformed = [&](const std::string &what) {
        return Error("'" + name + "' is a malformed ELF file (" + what + ")", ENOEXEC);
    };
    auto string_table = [&](std::uint64_t index, const std::string &of) -> const Section & {
        if (index >= sections.size() || sections[index].type != SHT_STRTAB)
            throw malformed(of + " names no string table");
        return sections[index];
    };
    if (shnum == 0)
        return;
    const Section &names = string_table(read(offsetof(Elf64_Ehdr, e_shstrndx), 2), "the section header");
    for (std::size_t i = 0; i < sections.size(); ++i) {
        if (sections[i].name >= names.length)
            throw malformed("section " + std::to_string(i) + "'s name is outside the section name table");
        if (sections[i].type != SHT_SYMTAB)
            continue;
        const Section &symbols = sections[i];
        if (symbols.entsize != sizeof(Elf64_Sym))
            throw malformed("symbol table entry size " + std::to_string(symbols.entsize));
        const Section &strings = string_table(symbols.link, "the symbol table");
        for (std::uint64_t at = 0; at + sizeof(Elf64_Sym) <= symbols.length; at += sizeof(Elf64_Sym)) {
            const std::size_t symbol = static_cast<std::size_t>(symbols.offset + at);
            if (read(symbol + offsetof(Elf64_Sym, st_name), 4) >= strings.length)
                throw malformed("symbol " + std::to_string(at / sizeof(Elf64_Sym)) +
                                "'s name is outside its string table");
        }
    }
}

} // namespace winbpf::detail
