// SPDX-License-Identifier: MIT
// Recognises files that are not BPF ELF objects, and damaged ones, before libbpf sees them: libbpf's messages are vague
// there, and Debian's libbpf 1.1 trusts parts of the object (BTF names and type ids, symbol and relocation indices)
// that it dereferences without checking. Everything libbpf reads while opening an object is checked here first.
#include "internal.hpp"
#include "winbpf/error.hpp"

#include <cstdint>
#include <cstring>
#include <elf.h>
#include <functional>
#include <linux/btf.h>
#include <optional>
#include <string_view>
#include <vector>

namespace winbpf::detail
{

std::optional<std::size_t> btf_record_extra(std::uint32_t info)
{
    const std::size_t vlen = BTF_INFO_VLEN(info);
    switch (BTF_INFO_KIND(info)) {
    case BTF_KIND_INT:
    case BTF_KIND_VAR:
    case BTF_KIND_DECL_TAG:
        return 4;
    case BTF_KIND_PTR:
    case BTF_KIND_FWD:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_FUNC:
    case BTF_KIND_FLOAT:
    case BTF_KIND_TYPE_TAG:
        return 0;
    case BTF_KIND_ARRAY:
        return sizeof(struct btf_array);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
        return vlen * sizeof(struct btf_member);
    case BTF_KIND_ENUM:
        return vlen * sizeof(struct btf_enum);
    case BTF_KIND_FUNC_PROTO:
        return vlen * sizeof(struct btf_param);
    case BTF_KIND_DATASEC:
        return vlen * sizeof(struct btf_var_secinfo);
    case BTF_KIND_ENUM64:
        return vlen * sizeof(struct btf_enum64);
    default:
        return std::nullopt;
    }
}
namespace
{

// Reads unsigned fields of the ELF's byte order at offsets the caller has checked to lie inside bytes.
struct Reader {
    const unsigned char *data;
    bool little;
    std::uint64_t operator()(std::uint64_t at, std::size_t width) const
    {
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < width; ++i) {
            const std::uint64_t byte = little ? at + i : at + width - 1 - i;
            value |= static_cast<std::uint64_t>(data[byte]) << (8 * i);
        }
        return value;
    }
};

struct Section {
    std::uint64_t name, type, flags, offset, length, link, info, entsize;
    std::string_view label; // its name (checked to be terminated inside the section name table)
};

// True when [at, at + length) lies inside [0, size) without overflow.
bool inside(std::uint64_t at, std::uint64_t length, std::uint64_t size)
{
    return at <= size && length <= size - at;
}

// The BTF of a .BTF section: where its types and strings are, and how many types there are.
struct Btf {
    std::uint64_t strings = 0;      // file offset of the string section
    std::uint64_t strings_size = 0; // its length
    std::uint64_t types = 1;        // type ids 0 (void) .. types - 1 are valid
};

// Checks a .BTF section (the object's type information) the way later libbpf versions do (btf_sanity_check) and
// Debian's libbpf 1.1 does not: the header and both sub-sections inside the section, the string section
// NUL-terminated, every type record complete and of a known kind, every name inside the string section, every
// referenced type id in range, and no type containing itself by value (libbpf follows those chains without a bound).
Btf check_btf(const Reader &read, const Section &section, const std::function<Error(const std::string &)> &bad)
{
    const std::uint64_t base = section.offset, size = section.length;
    constexpr std::uint64_t header_size = 24; // struct btf_header
    if (size < header_size)
        throw bad("the section has " + std::to_string(size) + " bytes, less than a BTF header");
    if (read(base, 2) != BTF_MAGIC)
        throw bad("no BTF magic");
    if (read(base + 2, 1) != BTF_VERSION)
        throw bad("BTF version " + std::to_string(read(base + 2, 1)) + " (libbpf reads version 1)");
    const std::uint64_t header_length = read(base + 4, 4), type_off = read(base + 8, 4), type_len = read(base + 12, 4),
                        str_off = read(base + 16, 4), str_len = read(base + 20, 4);
    if (header_length < header_size || header_length > size)
        throw bad("BTF header length " + std::to_string(header_length));
    const std::uint64_t data = base + header_length, data_size = size - header_length;
    if (type_off % 4 != 0 || !inside(type_off, type_len, data_size))
        throw bad("the type section (offset " + std::to_string(type_off) + ", " + std::to_string(type_len) +
                  " bytes) is not inside the section");
    if (!inside(str_off, str_len, data_size))
        throw bad("the string section (offset " + std::to_string(str_off) + ", " + std::to_string(str_len) +
                  " bytes) is not inside the section");
    if (type_off + type_len > str_off)
        throw bad("the type section overlaps the string section");
    Btf btf{data + str_off, str_len, 1};
    if (str_len == 0 || read(btf.strings, 1) != 0 || read(btf.strings + str_len - 1, 1) != 0)
        throw bad("the string section does not start and end with a NUL byte");

    // First pass: every record complete and of a known kind; remember where each type starts.
    std::vector<std::uint64_t> at{0}; // at[id]: file offset of type id's record (id 0, void, has none)
    const std::uint64_t types_end = data + type_off + type_len;
    for (std::uint64_t t = data + type_off; t < types_end;) {
        const std::string id = "type [" + std::to_string(at.size()) + "]";
        if (types_end - t < sizeof(struct btf_type))
            throw bad(id + " is cut off at the end of the type section");
        const std::uint64_t info = read(t + 4, 4);
        const std::optional<std::size_t> record = btf_record_extra(static_cast<std::uint32_t>(info));
        if (!record)
            throw bad(id + " has unknown kind " + std::to_string(BTF_INFO_KIND(info)));
        const std::uint64_t extra = *record;
        if (types_end - t - sizeof(struct btf_type) < extra)
            throw bad(id + " is cut off at the end of the type section");
        at.push_back(t);
        t += sizeof(struct btf_type) + extra;
    }
    btf.types = at.size();

    // Second pass: names and referenced ids.
    auto name = [&](std::uint64_t offset, const std::string &what) {
        if (offset >= str_len)
            throw bad(what + "'s name (offset " + std::to_string(offset) + ") is outside the string section");
    };
    auto id = [&](std::uint64_t type, const std::string &what) {
        if (type >= btf.types)
            throw bad(what + " refers to type [" + std::to_string(type) + "], but there are only " +
                      std::to_string(btf.types - 1) + " types");
    };
    auto kind_of = [&](std::uint64_t type) { return type == 0 ? 0 : BTF_INFO_KIND(read(at[type] + 4, 4)); };
    // by_value[id]: the types id contains by value (followed without bound by libbpf: typedefs, modifiers, array
    // elements, struct members, a variable's type).
    std::vector<std::vector<std::uint64_t>> by_value(btf.types);
    for (std::uint64_t i = 1; i < btf.types; ++i) {
        const std::uint64_t t = at[i], info = read(t + 4, 4), vlen = BTF_INFO_VLEN(info), kind = BTF_INFO_KIND(info);
        const std::uint64_t referred = read(t + 8, 4), members = t + sizeof(struct btf_type);
        const std::string what = "type [" + std::to_string(i) + "]";
        name(read(t, 4), what);
        switch (kind) {
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_CONST:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_TYPE_TAG:
        case BTF_KIND_VAR:
            id(referred, what);
            by_value[i].push_back(referred);
            break;
        case BTF_KIND_PTR:
        case BTF_KIND_DECL_TAG:
            id(referred, what);
            break;
        case BTF_KIND_FUNC:
            id(referred, what);
            if (kind_of(referred) != BTF_KIND_FUNC_PROTO)
                throw bad(what + " is a function whose type [" + std::to_string(referred) +
                          "] is not a function prototype");
            break;
        case BTF_KIND_ARRAY:
            id(read(members, 4), what + "'s element");
            id(read(members + 4, 4), what + "'s index");
            by_value[i].push_back(read(members, 4));
            break;
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
            for (std::uint64_t m = 0; m < vlen; ++m) {
                const std::uint64_t member = members + m * sizeof(struct btf_member);
                const std::string of = what + "'s member " + std::to_string(m);
                name(read(member, 4), of);
                id(read(member + 4, 4), of);
                by_value[i].push_back(read(member + 4, 4));
            }
            break;
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64:
            for (std::uint64_t m = 0; m < vlen; ++m)
                name(read(members + m * (kind == BTF_KIND_ENUM ? sizeof(struct btf_enum) : sizeof(struct btf_enum64)),
                          4),
                     what + "'s value " + std::to_string(m));
            break;
        case BTF_KIND_FUNC_PROTO:
            id(referred, what + "'s return");
            for (std::uint64_t m = 0; m < vlen; ++m) {
                const std::uint64_t param = members + m * sizeof(struct btf_param);
                const std::string of = what + "'s parameter " + std::to_string(m);
                name(read(param, 4), of);
                id(read(param + 4, 4), of);
            }
            break;
        case BTF_KIND_DATASEC:
            // libbpf writes a variable's linkage through each entry of .ksyms: a variable or a function.
            for (std::uint64_t m = 0; m < vlen; ++m) {
                const std::uint64_t entry = read(members + m * sizeof(struct btf_var_secinfo), 4);
                const std::string of = what + "'s variable " + std::to_string(m);
                id(entry, of);
                if (kind_of(entry) != BTF_KIND_VAR && kind_of(entry) != BTF_KIND_FUNC)
                    throw bad(of + " is type [" + std::to_string(entry) + "], neither a variable nor a function");
            }
            break;
        default:
            break;
        }
    }

    // No type contains itself (depth-first search without recursion: a crafted chain may be long).
    enum : unsigned char { unseen, open, done };
    std::vector<unsigned char> state(btf.types, unseen);
    std::vector<std::pair<std::uint64_t, std::size_t>> stack;
    for (std::uint64_t root = 1; root < btf.types; ++root) {
        if (state[root] != unseen)
            continue;
        state[root] = open;
        stack.assign(1, {root, 0});
        while (!stack.empty()) {
            auto &[type, next] = stack.back();
            if (next == by_value[type].size()) {
                state[type] = done;
                stack.pop_back();
                continue;
            }
            const std::uint64_t child = by_value[type][next++];
            if (state[child] == open)
                throw bad("type [" + std::to_string(child) + "] contains itself");
            if (state[child] == unseen) {
                state[child] = open;
                stack.emplace_back(child, 0);
            }
        }
    }
    return btf;
}

// Checks a .BTF.ext section (function, line and CO-RE relocation records of the programs against the BTF): the header,
// each record block inside the section, record sizes libbpf accepts, every section name and string inside the BTF
// string section and every type id in range.
void check_btf_ext(const Reader &read, const Section &section, const Btf &btf,
                   const std::function<Error(const std::string &)> &bad)
{
    const std::uint64_t base = section.offset, size = section.length;
    constexpr std::uint64_t header_min = 24; // struct btf_ext_header up to line_info_len
    if (size < header_min)
        throw bad("the section has " + std::to_string(size) + " bytes, less than a BTF.ext header");
    if (read(base, 2) != BTF_MAGIC)
        throw bad("no BTF magic");
    if (read(base + 2, 1) != BTF_VERSION)
        throw bad("BTF.ext version " + std::to_string(read(base + 2, 1)) + " (libbpf reads version 1)");
    const std::uint64_t header_length = read(base + 4, 4);
    if (header_length < header_min || header_length > size)
        throw bad("BTF.ext header length " + std::to_string(header_length));
    const std::uint64_t data = base + header_length, data_size = size - header_length;
    struct Block {
        const char *what;
        std::uint64_t header_field, min_record;
    };
    // min_record: the fields libbpf reads (bpf_func_info, bpf_line_info, bpf_core_relo).
    for (const Block &block :
         {Block{"function info", 8, 8}, Block{"line info", 16, 16}, Block{"CO-RE relocation", 24, 16}}) {
        if (block.header_field + 8 > header_length)
            continue; // an older header without this block
        const std::uint64_t off = read(base + block.header_field, 4), len = read(base + block.header_field + 4, 4);
        const std::string what = std::string("the ") + block.what + " block";
        if (len == 0)
            continue;
        if (!inside(off, len, data_size))
            throw bad(what + " (offset " + std::to_string(off) + ", " + std::to_string(len) +
                      " bytes) is not inside the section");
        if (len < 4 || off % 4 != 0)
            throw bad(what + " is malformed");
        const std::uint64_t start = data + off, end = start + len, record = read(start, 4);
        if (record < block.min_record || record % 4 != 0)
            throw bad(what + " has records of " + std::to_string(record) + " bytes");
        for (std::uint64_t at = start + 4; at < end;) {
            if (end - at < 8)
                throw bad(what + " ends inside a section header");
            const std::uint64_t name = read(at, 4), count = read(at + 4, 4);
            if (name >= btf.strings_size)
                throw bad(what + " names a section outside the BTF string section");
            if (count == 0 || count > (end - at - 8) / record)
                throw bad(what + " promises " + std::to_string(count) + " records that are not there");
            for (std::uint64_t r = at + 8; r < at + 8 + count * record; r += record) {
                const std::uint64_t field1 = read(r + 4, 4); // type id, or file name offset for line info
                const bool strings = block.header_field == 16;
                if (!strings && field1 >= btf.types)
                    throw bad(what + " refers to type [" + std::to_string(field1) + "], but there are only " +
                              std::to_string(btf.types - 1) + " types");
                if (strings && (field1 >= btf.strings_size || read(r + 8, 4) >= btf.strings_size))
                    throw bad(what + " has a file name or source line outside the BTF string section");
                if (block.header_field == 24 && read(r + 8, 4) >= btf.strings_size)
                    throw bad(what + " has an access string outside the BTF string section");
            }
            at += 8 + count * record;
        }
    }
}

} // namespace

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
    const Reader read{ident, ident[EI_DATA] == ELFDATA2LSB};
    const std::uint64_t machine = read(offsetof(Elf64_Ehdr, e_machine), 2);
    if (machine != EM_BPF)
        throw Error("'" + name + "' is an ELF file for machine " + std::to_string(machine) +
                        ", not a BPF object (e_machine " + std::to_string(EM_BPF) + "): compile with Makefile.bpf",
                    ENOEXEC);

    // Everything the headers promise must be in the file: a cut-off object (an interrupted copy or download) says so
    // here instead of as libbpf's "Unknown error 4001".
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
    std::vector<Section> sections;
    for (std::uint64_t i = 0; i < shnum; ++i) {
        const std::uint64_t header = shoff + i * shentsize;
        const Section section{read(header + offsetof(Elf64_Shdr, sh_name), 4),
                              read(header + offsetof(Elf64_Shdr, sh_type), 4),
                              read(header + offsetof(Elf64_Shdr, sh_flags), 8),
                              read(header + offsetof(Elf64_Shdr, sh_offset), 8),
                              read(header + offsetof(Elf64_Shdr, sh_size), 8),
                              read(header + offsetof(Elf64_Shdr, sh_link), 4),
                              read(header + offsetof(Elf64_Shdr, sh_info), 4),
                              read(header + offsetof(Elf64_Shdr, sh_entsize), 8),
                              {}};
        if (section.type != SHT_NOBITS && !inside(section.offset, section.length, size))
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
    // The string at offset of a string table, which must end inside the table.
    auto string_at = [&](const Section &table, std::uint64_t offset, const std::string &what) -> std::string_view {
        if (offset >= table.length)
            throw malformed(what + " is outside its string table");
        const char *start = reinterpret_cast<const char *>(ident + table.offset + offset);
        const void *end = std::memchr(start, '\0', table.length - offset);
        if (!end)
            throw malformed(what + " is not terminated inside its string table");
        return {start, static_cast<std::size_t>(static_cast<const char *>(end) - start)};
    };
    if (shnum == 0) {
        // With e_shnum 0, libelf takes the section count from the first section header (extended numbering, which
        // clang never writes): a count none of the checks here would have seen.
        if (shoff != 0)
            throw Error("'" + name + "' is a malformed ELF file (a section header table of 0 sections)", ENOEXEC);
        return;
    }
    const Section &names = string_table(read(offsetof(Elf64_Ehdr, e_shstrndx), 2), "the section header");
    for (std::size_t i = 0; i < sections.size(); ++i)
        sections[i].label = string_at(names, sections[i].name, "section " + std::to_string(i) + "'s name");

    // Symbols: names inside their string table; a symbol in a section lies inside that section (libbpf copies a
    // program's instructions from its symbol's value and size).
    std::uint64_t symbol_table = 0, symbol_count = 0;
    for (std::size_t i = 0; i < sections.size(); ++i) {
        if (sections[i].type != SHT_SYMTAB)
            continue;
        const Section &symbols = sections[i];
        if (symbol_table != 0)
            throw malformed("two symbol tables, sections " + std::to_string(symbol_table) + " and " +
                            std::to_string(i));
        if (symbols.entsize != sizeof(Elf64_Sym) || symbols.length % sizeof(Elf64_Sym) != 0)
            throw malformed("symbol table entry size " + std::to_string(symbols.entsize) + ", table size " +
                            std::to_string(symbols.length));
        symbol_table = i;
        symbol_count = symbols.length / sizeof(Elf64_Sym);
        const Section &strings = string_table(symbols.link, "the symbol table");
        for (std::uint64_t s = 0; s < symbol_count; ++s) {
            const std::uint64_t symbol = symbols.offset + s * sizeof(Elf64_Sym);
            const std::string what = "symbol " + std::to_string(s);
            string_at(strings, read(symbol + offsetof(Elf64_Sym, st_name), 4), what + "'s name");
            const std::uint64_t index = read(symbol + offsetof(Elf64_Sym, st_shndx), 2);
            const std::uint64_t type = ELF64_ST_TYPE(read(symbol + offsetof(Elf64_Sym, st_info), 1));
            if (index == SHN_UNDEF || index == SHN_ABS || index == SHN_COMMON)
                continue;
            if (index >= sections.size())
                throw malformed(what + " is in section " + std::to_string(index) + ", which does not exist");
            const std::uint64_t value = read(symbol + offsetof(Elf64_Sym, st_value), 8);
            const std::uint64_t length = read(symbol + offsetof(Elf64_Sym, st_size), 8);
            if ((type == STT_FUNC || type == STT_OBJECT) && !inside(value, length, sections[index].length))
                throw malformed(what + " (bytes " + std::to_string(value) + " to " + std::to_string(value + length) +
                                ") is not inside its section " + std::to_string(index));
        }
    }

    // Relocations: of an existing section, against the symbol table, each naming an existing symbol and a place
    // inside the section it changes.
    for (std::size_t i = 0; i < sections.size(); ++i) {
        const Section &relocations = sections[i];
        if (relocations.type != SHT_REL)
            continue;
        const std::string what = "relocation section " + std::to_string(i);
        if (relocations.entsize != sizeof(Elf64_Rel) || relocations.length % sizeof(Elf64_Rel) != 0)
            throw malformed(what + " has entry size " + std::to_string(relocations.entsize) + " and size " +
                            std::to_string(relocations.length));
        if (relocations.info >= sections.size() || relocations.info == 0)
            throw malformed(what + " applies to section " + std::to_string(relocations.info) +
                            ", which does not exist");
        if (symbol_table == 0 || relocations.link != symbol_table)
            throw malformed(what + " does not use the symbol table");
        const Section &target = sections[relocations.info];
        for (std::uint64_t at = 0; at < relocations.length; at += sizeof(Elf64_Rel)) {
            const std::uint64_t entry = relocations.offset + at;
            const std::uint64_t offset = read(entry + offsetof(Elf64_Rel, r_offset), 8);
            const std::uint64_t symbol = ELF64_R_SYM(read(entry + offsetof(Elf64_Rel, r_info), 8));
            const std::string which = what + " entry " + std::to_string(at / sizeof(Elf64_Rel));
            if (symbol >= symbol_count)
                throw malformed(which + " names symbol " + std::to_string(symbol) + ", which does not exist");
            if (offset >= target.length)
                throw malformed(which + " changes byte " + std::to_string(offset) + " of a section of " +
                                std::to_string(target.length) + " bytes");
        }
    }

    // Type information (.BTF and .BTF.ext): read by libbpf with the checks of libbpf 1.1 only.
    auto btf_error = [&](const char *section_name) {
        return [&name, section_name](const std::string &what) {
            return Error("'" + name + "' has malformed type information (its " + section_name + " section: " + what +
                             "): rebuild the object with Makefile.bpf",
                         ENOEXEC);
        };
    };
    const Section *btf_section = nullptr, *ext_section = nullptr;
    for (const Section &section : sections) {
        const Section **slot = section.label == ".BTF"       ? &btf_section
                               : section.label == ".BTF.ext" ? &ext_section
                                                             : nullptr;
        if (!slot)
            continue;
        if (*slot)
            throw malformed("two " + std::string(section.label) + " sections");
        if (section.type == SHT_NOBITS)
            throw malformed("the " + std::string(section.label) + " section has no contents");
        *slot = &section;
    }
    if (!btf_section) {
        // A map in ".maps" is defined by its variable's BTF type (__uint, __type): without .BTF (compiled without -g)
        // no libbpf can read it. Said with the map's name instead of libbpf's "BTF is required". winbpf's own maps
        // (winbpf_scratch, ...: the shim headers define them) are described when winbpf completes the object
        // (winbpf-glue --plain-btf), as are legacy SEC("maps") maps.
        for (std::size_t i = 0; i < sections.size(); ++i) {
            if (sections[i].label != ".maps" || symbol_table == 0)
                continue;
            const Section &symbols = sections[symbol_table];
            const Section &strings = sections[symbols.link];
            for (std::uint64_t s = 0; s < symbol_count; ++s) {
                const std::uint64_t symbol = symbols.offset + s * sizeof(Elf64_Sym);
                if (read(symbol + offsetof(Elf64_Sym, st_shndx), 2) != i ||
                    ELF64_ST_TYPE(read(symbol + offsetof(Elf64_Sym, st_info), 1)) != STT_OBJECT)
                    continue;
                const std::string map(
                    string_at(strings, read(symbol + offsetof(Elf64_Sym, st_name), 4), "a map's name"));
                if (map.starts_with("winbpf_"))
                    continue;
                throw Error("'" + name + "' has no BTF (it was compiled without -g), and its map '" + map +
                                "' is a BTF-defined map (SEC(\".maps\")), which no libbpf can load without the "
                                "object's BTF: compile with -g (clang -target bpf -O2 -g ...)",
                            ENOEXEC);
            }
        }
        return; // libbpf ignores .BTF.ext without .BTF
    }
    const Btf btf = check_btf(read, *btf_section, btf_error(".BTF"));
    if (ext_section)
        check_btf_ext(read, *ext_section, btf, btf_error(".BTF.ext"));
}

} // namespace winbpf::detail
