// SPDX-License-Identifier: MIT
// Objects built in one pass by plain clang (as eBPF for Windows documents: `clang -target bpf -O2 -g -c prog.c`)
// completed at load time with Makefile.bpf's `complete` target (winbpf-glue --plain, clang on the glue, libbpf's BPF
// linker): see shim/glue/complete.hpp.
#include "internal.hpp"
#include "winbpf/error.hpp"
#include "winbpf/hook.hpp"
#include "winbpf/unique_fd.hpp"

#include <elf.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

extern char **environ;

namespace winbpf::detail
{

namespace
{

// Symbols of an ELF object checked by check_bpf_elf: name, type, binding and section name.
struct ElfSymbol {
    std::string name, section;
    unsigned type, binding;
};

// The section headers of an ELF object checked by check_bpf_elf, and the name of each.
struct ElfSections {
    Elf64_Ehdr header;
    std::vector<Elf64_Shdr> sections;
    std::vector<std::string> names;
};

template <typename T> void read_at(std::span<const std::byte> elf, std::uint64_t offset, T &value)
{
    std::memcpy(&value, elf.data() + offset, sizeof value);
}

ElfSections sections_of(std::span<const std::byte> elf)
{
    ElfSections out;
    read_at(elf, 0, out.header);
    out.sections.resize(out.header.e_shnum);
    for (std::size_t i = 0; i < out.sections.size(); ++i)
        read_at(elf, out.header.e_shoff + i * out.header.e_shentsize, out.sections[i]);
    const Elf64_Shdr &names = out.sections[out.header.e_shstrndx];
    for (const Elf64_Shdr &section : out.sections)
        out.names.emplace_back(reinterpret_cast<const char *>(elf.data() + names.sh_offset + section.sh_name));
    return out;
}

std::vector<ElfSymbol> symbols_of(std::span<const std::byte> elf)
{
    auto at = [&](std::uint64_t offset, auto &value) { read_at(elf, offset, value); };
    const ElfSections all = sections_of(elf);
    const std::vector<Elf64_Shdr> &sections = all.sections;
    auto text = [&](const Elf64_Shdr &table, std::uint64_t offset) {
        return std::string(reinterpret_cast<const char *>(elf.data() + table.sh_offset + offset));
    };
    std::vector<ElfSymbol> out;
    for (const Elf64_Shdr &table : sections) {
        if (table.sh_type != SHT_SYMTAB)
            continue;
        for (std::uint64_t s = 0; s < table.sh_size / sizeof(Elf64_Sym); ++s) {
            Elf64_Sym sym;
            at(table.sh_offset + s * sizeof(Elf64_Sym), sym);
            const std::string section =
                sym.st_shndx > 0 && sym.st_shndx < sections.size() ? all.names[sym.st_shndx] : std::string();
            out.push_back({text(sections[table.sh_link], sym.st_name), section,
                           static_cast<unsigned>(ELF64_ST_TYPE(sym.st_info)),
                           static_cast<unsigned>(ELF64_ST_BIND(sym.st_info))});
        }
    }
    return out;
}

// The directory holding Makefile.bpf and the build directory it uses (BUILD=): the build tree winbpf was built in, or
// the installed data directory (cmake --install: <datadir>/winbpf, with build/bin/winbpf-glue and build/include).
std::pair<std::string, std::string> makefile_location()
{
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists(WINBPF_SOURCE_ROOT "/Makefile.bpf", ec) && fs::exists(WINBPF_BUILD_ROOT "/bin/winbpf-glue", ec))
        return {WINBPF_SOURCE_ROOT, WINBPF_BUILD_ROOT};
    if (fs::exists(WINBPF_DATA_DIR "/Makefile.bpf", ec))
        return {WINBPF_DATA_DIR, WINBPF_DATA_DIR "/build"};
    throw Error("completing an object built by plain clang needs Makefile.bpf and winbpf-glue: neither the build "
                "tree (" WINBPF_BUILD_ROOT ") nor the installed " WINBPF_DATA_DIR " has them",
                ENOENT);
}

// A private temporary directory, removed with what it holds.
class TempDir
{
  public:
    TempDir()
    {
        const char *tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/winbpf-complete-XXXXXX";
        if (!::mkdtemp(pattern.data())) {
            const int err = errno;
            throw Error("cannot create a temporary directory in " + pattern + ": " + errno_text(err), err);
        }
        path_ = pattern;
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    ~TempDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::string &path() const noexcept { return path_; }

  private:
    std::string path_;
};

std::string read_text(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace

bool needs_completion(std::span<const std::byte> elf, bool as_type)
{
    std::vector<std::string> prefixes;
    for (const HookType &hook : hook_types())
        prefixes.insert(prefixes.end(), hook.sections.begin(), hook.sections.end());
    bool handler = false;
    for (const ElfSymbol &symbol : symbols_of(elf)) {
        if (symbol.type != STT_FUNC)
            continue;
        if (symbol.name.find("__winbpf_") != std::string::npos)
            return false; // built by Makefile.bpf
        for (const std::string &prefix : prefixes)
            handler = handler || (symbol.binding == STB_GLOBAL && symbol.section.starts_with(prefix));
    }
    return handler || as_type;
}

bool has_btf(std::span<const std::byte> elf)
{
    const std::vector<std::string> names = sections_of(elf).names;
    return std::find(names.begin(), names.end(), ".BTF") != names.end();
}

std::optional<std::vector<std::byte>> complete_object(const std::string &path, const std::string &type,
                                                      const std::string &program)
{
    const auto [root, build] = makefile_location();
    TempDir dir;
    const std::string output = dir.path() + "/completed.o", messages = dir.path() + "/messages";
    std::vector<std::string> argv{WINBPF_MAKE,
                                  "--no-print-directory",
                                  "-s",
                                  "-f",
                                  root + "/Makefile.bpf",
                                  "complete",
                                  "OBJ=" + std::filesystem::absolute(path).string(),
                                  "OUT=" + output,
                                  "BUILD=" + build,
                                  "CLANG=" WINBPF_CLANG};
    if (!type.empty())
        argv.push_back("TYPE=" + type);
    if (!program.empty())
        argv.push_back("PROGRAM=" + program);
    std::vector<char *> raw;
    for (std::string &arg : argv)
        raw.push_back(arg.data());
    raw.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, messages.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid = -1;
    const int spawned = ::posix_spawn(&pid, WINBPF_MAKE, &actions, nullptr, raw.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0)
        throw Error("cannot run " WINBPF_MAKE " to complete '" + path + "': " + errno_text(spawned), spawned);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::string text = read_text(messages);
        // make's own "make: *** [...] Error 1" lines add nothing to winbpf-glue's or clang's message.
        std::string kept;
        std::size_t start = 0;
        while (start < text.size()) {
            std::size_t end = text.find('\n', start);
            if (end == std::string::npos)
                end = text.size();
            const std::string line = text.substr(start, end - start);
            if (!line.starts_with("make: ") && !line.starts_with("make[") && !line.empty())
                kept += (kept.empty() ? "" : "\n") + (line.starts_with("winbpf: ") ? line.substr(8) : line);
            start = end + 1;
        }
        // winbpf-glue names the object by the absolute path make got: the message names it already.
        const std::string absolute = std::filesystem::absolute(path).string() + ": ";
        for (std::size_t at = kept.find(absolute); at != std::string::npos; at = kept.find(absolute, at))
            kept.erase(at, absolute.size());
        // Functions in hook sections that are native Linux programs (their context is Linux's): not winbpf's to
        // complete; opened as they are.
        if (type.empty() && kept.starts_with("no Windows hook handler"))
            return std::nullopt;
        throw Error("'" + path +
                        "' was built by plain clang (no winbpf entry programs) and winbpf cannot complete it: " + kept,
                    EINVAL);
    }
    const std::string bytes = read_text(output);
    std::vector<std::byte> elf(bytes.size());
    std::memcpy(elf.data(), bytes.data(), bytes.size());
    return elf;
}

} // namespace winbpf::detail
