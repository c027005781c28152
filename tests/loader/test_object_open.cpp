// SPDX-License-Identifier: MIT
// Object::open_file / open_memory: what is accepted and the messages for what is not (no kernel needed).
#include "test_objects.hpp"

#include "winbpf/error.hpp"
#include "winbpf/object.hpp"
#include "winbpf/system.hpp"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <elf.h>
#include <fstream>
#include <gmock/gmock.h>
#include <iterator>
#include <unistd.h>

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

std::string write_temp(const std::string &content)
{
    char path[] = "/tmp/winbpf-loader-test-objXXXXXX";
    int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    close(fd);
    return path;
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
    std::string path =
        write_temp(std::string("this is not an object file at all, just text\n") + std::string(200, 'x'));
    Error e = error_of([&] { Object::open_file(path); });
    std::remove(path.c_str());
    EXPECT_THAT(e.what(), HasSubstr("not an ELF object file"));
    EXPECT_THAT(e.what(), HasSubstr(path));
}

TEST(ObjectOpen, TruncatedElf)
{
    std::string path = write_temp("\x7f"
                                  "ELF\x02\x01\x01");
    Error e = error_of([&] { Object::open_file(path); });
    std::remove(path.c_str());
    EXPECT_THAT(e.what(), HasSubstr("truncated ELF"));
}

TEST(ObjectOpen, ObjectCutShort)
{
    // A real object cut off in the middle (an interrupted copy): said so, not libbpf's "Unknown error 4001".
    std::ifstream in(bpf_path("loader_test_monitor.o"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 1000u);
    for (std::size_t keep : {bytes.size() / 2, bytes.size() - 1}) {
        std::string path = write_temp(bytes.substr(0, keep));
        Error e = error_of([&] { Object::open_file(path); });
        std::remove(path.c_str());
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
    std::string path = write_temp(bytes);
    Error e = error_of([&] { Object::open_file(path); });
    std::remove(path.c_str());
    EXPECT_THAT(e.what(), HasSubstr("malformed ELF file (section header size 0)"));
    EXPECT_EQ(e.error(), ENOEXEC);
}

TEST(ObjectOpen, ElfThatIsNotBpf)
{
    Error e = error_of([] { Object::open_file("/bin/true"); });
    EXPECT_THAT(e.what(), HasSubstr("not a BPF object"));
    EXPECT_THAT(e.what(), HasSubstr("/bin/true"));
}

TEST(ObjectOpen, WindowsProgramCompiledWithPlainClang)
{
    std::string path = bpf_path("loader_test_plain_clang.o");
    Error e = error_of([&] { Object::open_file(path); });
    EXPECT_THAT(e.what(), HasSubstr("section unknown to libbpf"));
    EXPECT_THAT(e.what(), HasSubstr("program 'LoaderTestMonitor' in section 'process'"));
    EXPECT_THAT(e.what(), HasSubstr("compile Windows-style programs with Makefile.bpf"));
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
