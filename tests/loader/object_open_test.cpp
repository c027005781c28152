// SPDX-License-Identifier: MIT
// Object::open_file / open_memory: what is accepted and the messages for what is not (no kernel needed).
#include "internal.hpp" // detail::btf_record_extra
#include "loader_objects.hpp"
#include "support/temp_dir.hpp"

#include "winbpf/error.hpp"
#include "winbpf/object.hpp"
#include "winbpf/system.hpp"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <elf.h>
#include <fstream>
#include <gmock/gmock.h>
#include <iterator>
#include <linux/btf.h>
#include <span>
#include <stdexcept>
#include <unistd.h>
#include <vector>

using loader_test::bpf_path;
using testing::HasSubstr;
using winbpf::Error;
using winbpf::Object;

namespace
{

// The Error thrown by f (fails the test when nothing is thrown).
template <typename F> Error error_of(F &&f)
{
    try {
        f();
    } catch (const Error &e) {
        return e;
    }
    ADD_FAILURE() << "no winbpf::Error thrown";
    return Error("");
}

std::vector<std::byte> read_bytes(const std::string &path)
{
    std::ifstream file(path, std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(chars.size());
    std::memcpy(bytes.data(), chars.data(), chars.size());
    return bytes;
}

/// content in a file of a fresh temporary directory; both removed on destruction.
struct TempFile {
    explicit TempFile(const std::string &content) : path(dir.path() / "object.o")
    {
        std::ofstream(path, std::ios::binary) << content;
    }
    winbpf::test::TempDir dir;
    std::string path;
};

std::string read_object(const std::string &name)
{
    std::ifstream in(bpf_path(name), std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The section header of the section called name in an object built by the tests (ELF64, host byte order).
Elf64_Shdr &section(std::string &bytes, const std::string &name)
{
    const auto *header = reinterpret_cast<const Elf64_Ehdr *>(bytes.data());
    auto *sections = reinterpret_cast<Elf64_Shdr *>(bytes.data() + header->e_shoff);
    const char *names = bytes.data() + sections[header->e_shstrndx].sh_offset;
    for (int i = 0; i < header->e_shnum; ++i)
        if (name == names + sections[i].sh_name)
            return sections[i];
    throw std::runtime_error("no section " + name);
}

// The BTF type records of an object built by the tests: element i is type id i (element 0, void, is null).
std::vector<btf_type *> btf_types(std::string &bytes)
{
    char *btf = bytes.data() + section(bytes, ".BTF").sh_offset;
    const auto *header = reinterpret_cast<const btf_header *>(btf);
    char *at = btf + header->hdr_len + header->type_off;
    char *const end = at + header->type_len;
    std::vector<btf_type *> types{nullptr};
    while (at < end) {
        auto *type = reinterpret_cast<btf_type *>(at);
        const std::size_t extra = winbpf::detail::btf_record_extra(type->info).value_or(0);
        types.push_back(type);
        at += sizeof(struct btf_type) + extra;
    }
    return types;
}

// The Error of Object::open_memory on bytes.
Error open_error(const std::string &bytes)
{
    return error_of([&] {
        Object::open_memory(std::span(reinterpret_cast<const std::byte *>(bytes.data()), bytes.size()), "damaged.o");
    });
}

} // namespace

TEST(ObjectOpen, MissingFile)
{
    Error e = error_of([] { Object::open_file("/nonexistent/winbpf/missing.o"); });
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/winbpf/missing.o"));
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
    EXPECT_EQ(e.error(), ENOENT);
}

TEST(ObjectOpen, GarbageFile)
{
    TempFile file(std::string("this is not an object file at all, just text\n") + std::string(200, 'x'));
    Error e = error_of([&] { Object::open_file(file.path); });
    EXPECT_THAT(e.what(), HasSubstr("not an ELF object file"));
    EXPECT_THAT(e.what(), HasSubstr(file.path));
}

TEST(ObjectOpen, TruncatedElf)
{
    TempFile file("\x7f"
                  "ELF\x02\x01\x01");
    Error e = error_of([&] { Object::open_file(file.path); });
    EXPECT_THAT(e.what(), HasSubstr("truncated ELF"));
}

TEST(ObjectOpen, ObjectCutShort)
{
    // A real object cut off in the middle (an interrupted copy): said so, not libbpf's "Unknown error 4001".
    std::ifstream in(bpf_path("loader_test_monitor.o"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 1000u);
    for (std::size_t keep : {bytes.size() / 2, bytes.size() - 1}) {
        TempFile file(bytes.substr(0, keep));
        Error e = error_of([&] { Object::open_file(file.path); });
        EXPECT_THAT(e.what(), HasSubstr("is a truncated ELF file: " + std::to_string(keep) + " bytes"));
        EXPECT_EQ(e.error(), ENOEXEC);
    }
}

TEST(ObjectOpen, SectionHeadersOfSizeZero)
{
    // Sections promised with an entry size of 0 (found by tests/fuzz): malformed, said so, nothing read past the end.
    std::ifstream in(bpf_path("loader_test_monitor.o"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), sizeof(Elf64_Ehdr));
    auto *header = reinterpret_cast<Elf64_Ehdr *>(bytes.data());
    ASSERT_GT(header->e_shnum, 0);
    header->e_shentsize = 0;
    header->e_shoff = bytes.size() - 1;
    TempFile file(bytes);
    Error e = error_of([&] { Object::open_file(file.path); });
    EXPECT_THAT(e.what(), HasSubstr("malformed ELF file (section header size 0)"));
    EXPECT_EQ(e.error(), ENOEXEC);
}

TEST(ObjectOpen, ElfThatIsNotBpf)
{
    Error e = error_of([] { Object::open_file("/bin/true"); });
    EXPECT_THAT(e.what(), HasSubstr("not a BPF object"));
    EXPECT_THAT(e.what(), HasSubstr("/bin/true"));
}

// Built by plain clang in one pass (SEC("process") is a section libbpf does not know): completed at load time into
// the entry programs Makefile.bpf's build of the same source has, and said first among the adaptations.
TEST(ObjectOpen, WindowsProgramCompiledWithPlainClangIsCompleted)
{
    const Object plain = Object::open_file(bpf_path("loader_test_plain_clang.o"));
    const Object built = Object::open_file(bpf_path("loader_test_monitor.o"));
    ASSERT_EQ(plain.hooks().size(), built.hooks().size());
    ASSERT_EQ(plain.hooks().size(), 2u); // its two SEC("process") handlers
    EXPECT_EQ(plain.hooks()[0].handler, "LoaderTestMonitor");
    EXPECT_EQ(plain.hooks()[0].hook, "process");
    auto names = [](const Object &object) {
        std::vector<std::string> entries;
        for (const winbpf::HookProgram &hook : object.hooks())
            for (bpf_program *entry : hook.entries)
                entries.push_back(bpf_program__name(entry));
        return entries;
    };
    EXPECT_EQ(names(plain), names(built));
    ASSERT_FALSE(plain.adaptations().empty());
    EXPECT_THAT(plain.adaptations()[0], HasSubstr("built by plain clang in one pass"));
    EXPECT_THAT(plain.adaptations()[0], HasSubstr("LoaderTestMonitor (process)"));
}

TEST(ObjectOpen, LinuxObjectWithoutWindowsHook)
{
    Error e = error_of([] { Object::open_file(bpf_path("loader_test_linux_only.o")); });
    EXPECT_THAT(e.what(), HasSubstr("no known section"));
    EXPECT_THAT(e.what(), HasSubstr("loader_test_linux_only.o"));
}

TEST(ObjectOpen, HooksAndSupportPrograms)
{
    Object object = Object::open_file(bpf_path("loader_test_monitor.o"));
    EXPECT_EQ(object.name(), bpf_path("loader_test_monitor.o"));
    ASSERT_EQ(object.hooks().size(), 2u);
    EXPECT_EQ(object.hooks()[0].handler, "LoaderTestMonitor");
    EXPECT_EQ(object.hooks()[1].handler, "LoaderTestSecond");
    for (const winbpf::HookProgram &hook : object.hooks()) {
        EXPECT_EQ(hook.hook, "process");
        // Primary first: the CREATE entry of the deny enforcement this kernel gets (lsm or exec).
        const bool lsm = winbpf::probe_enforcement().mode == winbpf::EnforcementMode::lsm;
        const std::vector<std::string> events = lsm ? std::vector<std::string>{"lsm", "exec", "exit", "exit_live"}
                                                    : std::vector<std::string>{"exec", "exit", "exit_live", "lsm"};
        ASSERT_EQ(hook.entries.size(), events.size());
        for (std::size_t i = 0; i < events.size(); ++i)
            EXPECT_EQ(bpf_program__name(hook.entries[i]), hook.handler + "__winbpf_process_" + events[i]);
    }
    auto support = object.support_programs();
    ASSERT_EQ(support.size(), 1u);
    EXPECT_STREQ(bpf_program__name(support[0]), "winbpf__process_fork");
    EXPECT_NE(object.map("loader_test_events"), nullptr);
    Error e = error_of([&] { object.map("no_such_map"); });
    EXPECT_THAT(e.what(), HasSubstr("no_such_map"));
    EXPECT_THAT(e.what(), HasSubstr("loader_test_monitor.o"));
    EXPECT_THROW(object.lost_events(), Error); // not loaded
}

TEST(ObjectOpen, FromMemory)
{
    std::vector<std::byte> elf = read_bytes(bpf_path("loader_test_monitor.o"));
    Object object = Object::open_memory(elf, "embedded monitor");
    EXPECT_EQ(object.name(), "embedded monitor");
    EXPECT_EQ(object.hooks().size(), 2u);

    std::vector<std::byte> junk(100, std::byte{0x42});
    Error e = error_of([&] { Object::open_memory(junk, "embedded junk"); });
    EXPECT_THAT(e.what(), HasSubstr("'embedded junk' is not an ELF object file"));
}

TEST(ObjectOpen, MoveKeepsTheObject)
{
    Object first = Object::open_file(bpf_path("loader_test_monitor.o"));
    bpf_object *raw = first.raw();
    Object second = std::move(first);
    EXPECT_EQ(second.raw(), raw);
    EXPECT_EQ(second.hooks().size(), 2u);
}

// Damaged objects that Debian's libbpf 1.1 would dereference without checking (found or suggested by tests/fuzz):
// each is refused before libbpf sees it, with what is wrong.
TEST(ObjectOpen, BtfVariableOfMissingType)
{
    // libbpf 1.1 crashes on this one (a null type in its map definitions).
    std::string bytes = read_object("loader_test_plain_clang.o");
    int variables = 0;
    for (btf_type *type : btf_types(bytes))
        if (type && BTF_INFO_KIND(type->info) == BTF_KIND_VAR) {
            type->type = 0xffffff;
            ++variables;
        }
    ASSERT_GT(variables, 0);
    Error e = open_error(bytes);
    EXPECT_THAT(e.what(), HasSubstr("'damaged.o' has malformed type information (its .BTF section: type ["));
    EXPECT_THAT(e.what(), HasSubstr("refers to type [16777215], but there are only"));
    EXPECT_EQ(e.error(), ENOEXEC);
}

TEST(ObjectOpen, BtfNameOutsideItsStrings)
{
    std::string bytes = read_object("loader_test_plain_clang.o");
    std::vector<btf_type *> types = btf_types(bytes);
    ASSERT_GT(types.size(), 1u);
    types.back()->name_off = 0x7fffffff;
    Error e = open_error(bytes);
    EXPECT_THAT(e.what(), HasSubstr("type [" + std::to_string(types.size() - 1) +
                                    "]'s name (offset 2147483647) is outside the string section"));
}

TEST(ObjectOpen, BtfTypeContainingItself)
{
    std::string bytes = read_object("loader_test_plain_clang.o");
    std::vector<btf_type *> types = btf_types(bytes);
    std::size_t typedef_id = 0;
    for (std::size_t id = 1; id < types.size() && !typedef_id; ++id)
        if (BTF_INFO_KIND(types[id]->info) == BTF_KIND_TYPEDEF)
            typedef_id = id;
    ASSERT_NE(typedef_id, 0u);
    types[typedef_id]->type = static_cast<__u32>(typedef_id);
    Error e = open_error(bytes);
    EXPECT_THAT(e.what(), HasSubstr("type [" + std::to_string(typedef_id) + "] contains itself"));
}

TEST(ObjectOpen, BtfExtSectionNameOutsideTheStrings)
{
    std::string bytes = read_object("loader_test_plain_clang.o");
    char *ext = bytes.data() + section(bytes, ".BTF.ext").sh_offset;
    const auto *header = reinterpret_cast<const __u32 *>(ext); // magic, version, flags; hdr_len; func_info_off
    char *func_info = ext + header[1] + header[2];
    const __u32 outside = 0x7fffffff;
    std::memcpy(func_info + 4, &outside, sizeof(outside)); // after the record size: the first section's name
    Error e = open_error(bytes);
    EXPECT_THAT(e.what(), HasSubstr("its .BTF.ext section: the function info block names a section outside the BTF "
                                    "string section"));
}

TEST(ObjectOpen, RelocationOfMissingSymbol)
{
    std::string bytes = read_object("loader_test_plain_clang.o");
    Elf64_Shdr &relocations = section(bytes, ".rel.BTF");
    auto *first = reinterpret_cast<Elf64_Rel *>(bytes.data() + relocations.sh_offset);
    first->r_info = ELF64_R_INFO(0xfffff, ELF64_R_TYPE(first->r_info));
    Error e = open_error(bytes);
    EXPECT_THAT(e.what(), HasSubstr("'damaged.o' is a malformed ELF file (relocation section "));
    EXPECT_THAT(e.what(), HasSubstr("entry 0 names symbol 1048575, which does not exist)"));
}

TEST(ObjectOpen, FunctionOutsideItsSection)
{
    std::string bytes = read_object("loader_test_plain_clang.o");
    Elf64_Shdr &symbols = section(bytes, ".symtab");
    auto *symbol = reinterpret_cast<Elf64_Sym *>(bytes.data() + symbols.sh_offset);
    auto *const end = symbol + symbols.sh_size / sizeof(Elf64_Sym);
    while (symbol < end && ELF64_ST_TYPE(symbol->st_info) != STT_FUNC)
        ++symbol;
    ASSERT_NE(symbol, end);
    symbol->st_value = ~std::uint64_t{7}; // with its size, wraps around the end of the address space
    Error e = open_error(bytes);
    EXPECT_THAT(e.what(), HasSubstr("is not inside its section"));
}
