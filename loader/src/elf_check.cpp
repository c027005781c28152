// SPDX-License-Identifier: MIT
// Recognises files that are not BPF ELF objects before libbpf sees them (libbpf's messages are vague there).
#include "internal.hpp"
#include "winbpf/error.hpp"

#include <cstdint>
#include <cstring>
#include <elf.h>

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
}

} // namespace winbpf::detail
