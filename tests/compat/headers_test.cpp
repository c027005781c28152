// SPDX-License-Identifier: MIT
// Issue 19 §1 and §4: programs written against eBPF for Windows' own headers and build flags. A bind program that
// includes only bpf_helpers.h, redefines bpf_printk with upstream's text and sums what it returns compiles with -Werror
// and runs on a real bind; winbpf's headers and glue give no warning under -Wall -Wextra; an unresolved symbol fails
// the build naming it and its caller; libbpf's error codes are not said as the file's; a verifier failure inside the
// shim is reported at the user's line.
#include "compat_fixture.hpp"

#include "support/cgroup.hpp"
#include "support/socket.hpp"
#include "support/temp_dir.hpp"
#include "winbpf/attachment.hpp"
#include "winbpf/error.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace compat_test
{
namespace
{

using namespace winbpf::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

class HeadersTest : public CompatTest
{
};

/// clang for BPF with flags on file (the shim as ordinary -I headers, so its warnings are not hidden).
CommandResult clang_bpf(const std::vector<std::string> &flags, const std::string &file)
{
    std::vector<std::string> argv{CLANG_BPF, "-target", "bpf", "-O2", "-g", "-D__TARGET_ARCH_x86"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    for (const char *dir : {"/shim/include", "/shim/libc", "/tests/bpf", "/tests/bpf/compat"})
        argv.push_back(std::string("-I") + WINBPF_SOURCE_DIR + dir);
    argv.push_back(std::string("-I") + WINBPF_BUILD_DIR + "/include");
    argv.insert(argv.end(), {"-c", file, "-o", "/dev/null"});
    return run(argv, 120s);
}

/// Line number (from 1) of the first line of file containing needle; 0 when none does.
unsigned long line_of(const std::string &file, const std::string &needle)
{
    std::ifstream in(file);
    unsigned long number = 0;
    for (std::string line; std::getline(in, line);) {
        ++number;
        if (line.find(needle) != std::string::npos)
            return number;
    }
    return 0;
}

// The program sees bind_md_t, BIND_OPERATION_BIND, MAX_TAIL_CALL_CNT, EBPF_MAP_FLAG_* and LIBBPF_PIN_BY_NAME through
// bpf_helpers.h alone, and its bpf_printk (upstream's text) returns the bytes written, -1 for each format eBPF for
// Windows refuses (a trailing %, %ll, a width, %p, an argument without a conversion, a conversion without an argument).
TEST_F(HeadersTest, BindProgramOnUpstreamHeadersRunsAndPrintkReturnsWindowsResults)
{
    winbpf::Object &object = open("upstream_headers_bind");
    object.load();
    TestCgroup cgroup;
    winbpf::Attachment attachment(object, {.cgroup = cgroup.path().string(), .capture = {}});
    const std::int64_t pid = ::getpid();
    std::uint32_t zero = 0;
    update(object.map("printk_results"), &zero, &pid);
    cgroup.enter();
    {
        Socket socket(Family::v4, Protocol::tcp);
        EXPECT_EQ(socket.bind(0), 0) << "the handler permits";
    }
    cgroup.leave();

    const std::string p = std::to_string(pid);
    const std::vector<std::int64_t> expected{static_cast<std::int64_t>(std::string("Hello, world").size()),
                                             static_cast<std::int64_t>(("PID: " + p).size()),
                                             static_cast<std::int64_t>(("PID: " + p + " PROTO: 6").size()),
                                             static_cast<std::int64_t>(("100% done " + p + " 6 10").size()),
                                             -1,
                                             -1,
                                             -1,
                                             -1,
                                             -1,
                                             -1};
    std::int64_t sum = 0;
    for (std::uint32_t slot = 1; slot <= expected.size(); ++slot) {
        const auto written = value_as<std::int64_t>(lookup(object.map("printk_results"), &slot));
        EXPECT_EQ(written, expected[slot - 1]) << "bpf_printk number " << slot;
        sum += expected[slot - 1];
    }
    std::uint32_t last = 15;
    EXPECT_EQ(value_as<std::int64_t>(lookup(object.map("printk_results"), &last)), sum) << "the sum of the returns";

    const std::vector<std::uint64_t> constants{33, 32, 0xffffffffULL, 1};
    for (std::uint32_t key = 0; key < constants.size(); ++key)
        EXPECT_EQ(value_as<std::uint64_t>(lookup(object.map("structs_constants"), &key)), constants[key])
            << "constant " << key << " (MAX_TAIL_CALL_CNT, EBPF_MAP_FLAG_CTX_LENGTH_SHIFT, EBPF_MAP_FLAG_CURRENT_CPU, "
            << "BIND_OPERATION_BIND << 32 | LIBBPF_PIN_BY_NAME)";
}

// Upstream's flags (-g -O2 -Werror) give the program no warning: not its redefinition of bpf_printk with upstream's
// text, not its LIBBPF_PIN_* pinning, not its comment ending in a backslash. Makefile.bpf adds no -Wall: with it the
// comment would be an error (-Wcomment), which upstream's build does not give.
TEST_F(HeadersTest, UpstreamFlagsGiveNoWarningAndNoMore)
{
    const auto compiled = compile("upstream_headers_bind.c", "-Werror");
    ASSERT_TRUE(exited_with(compiled->result.status, 0)) << compiled->result.err;
    EXPECT_TRUE(lines_with(compiled->result.err, "warning").empty()) << compiled->result.err;
    EXPECT_TRUE(fs::exists(compiled->object));

    const auto with_wall = compile("upstream_headers_bind.c", "-Werror -Wall");
    EXPECT_FALSE(exited_with(with_wall->result.status, 0)) << "the comment ending in a backslash is in the source";
    EXPECT_NE(with_wall->result.err.find("-Wcomment"), std::string::npos) << with_wall->result.err;
}

// EXTRA_CFLAGS reaches clang: an -I for the program's own header (here one the test writes).
TEST_F(HeadersTest, ExtraCflagsGiveTheProgramsOwnIncludeDirectory)
{
    TempDir headers;
    std::ofstream(headers.path() / "verdict_policy.h") << "#define POLICY_VERDICT BIND_PERMIT\n";
    const auto missing = compile("own_header_bind.c", "-Werror");
    EXPECT_FALSE(exited_with(missing->result.status, 0));
    EXPECT_NE(missing->result.err.find("'verdict_policy.h' file not found"), std::string::npos) << missing->result.err;
    const auto compiled = compile("own_header_bind.c", "-Werror -I" + headers.path().string());
    ASSERT_TRUE(exited_with(compiled->result.status, 0)) << compiled->result.err;
    EXPECT_TRUE(fs::exists(compiled->object));
}

// winbpf's headers, included by a plain clang compile with -Wall -Wextra -Werror (not as system headers), and the
// glue Makefile.bpf generates for a program of every hook, compiled the same way, give no warning.
TEST_F(HeadersTest, ShimHeadersAndGlueAreCleanUnderWallWextra)
{
    TempDir dir;
    const fs::path plain = dir.path() / "plain.c";
    std::ofstream(plain) << "#include \"bpf_helpers.h\"\n#include \"bpf_endian.h\"\n#include \"ebpf_nethooks.h\"\n"
                            "#include \"ebpf_ntos_hooks.h\"\n#include \"ebpf_netevent_hooks.h\"\n#include "
                            "\"xdp_hooks.h\"\n#include \"ebpf_structs.h\"\nint plain_program_marker;\n";
    const auto headers = clang_bpf({"-Wall", "-Wextra", "-Werror"}, plain.string());
    EXPECT_TRUE(exited_with(headers.status, 0)) << headers.err;
    EXPECT_TRUE(lines_with(headers.err, "warning").empty()) << headers.err;

    for (const std::string source : {"perf_every_hook_process.c", "helpers_bind.c", "helpers_netevent.c",
                                     "license_mit_xdp.c", "../../bpf/sock_addr_policy.c"}) {
        const auto compiled = compile(source);
        ASSERT_TRUE(exited_with(compiled->result.status, 0)) << source << ": " << compiled->result.err;
        const auto glue =
            clang_bpf({"-Wall", "-Wextra", "-Werror", "-DWINBPF_PASS=2"}, compiled->object.string() + ".glue.c");
        EXPECT_TRUE(exited_with(glue.status, 0)) << source << "'s glue: " << glue.err;
        EXPECT_TRUE(lines_with(glue.err, "warning").empty()) << source << "'s glue: " << glue.err;
    }
}

// A call of a function the program declares and never defines: Makefile.bpf fails naming the symbol and the handler
// that calls it, and leaves no object (libbpf would have refused it at open with ENOENT).
TEST_F(HeadersTest, UnresolvedSymbolFailsTheBuildNamingItAndItsCaller)
{
    const auto compiled = compile("unresolved_call.c", "-Werror");
    ASSERT_TRUE(compiled->result.status.has_value()) << "make did not finish";
    EXPECT_FALSE(exited_with(compiled->result.status, 0)) << "Makefile.bpf accepted an unresolved call";
    EXPECT_NE(compiled->result.err.find("unresolved symbol 'process_weight', called from 'WeighBind'"),
              std::string::npos)
        << compiled->result.err;
    EXPECT_FALSE(fs::exists(compiled->object));
}

// libbpf's error code for such an object (built without Makefile.bpf; a native Linux section, so winbpf does not
// complete it as a plain clang build of a Windows program) is said as libbpf's, with libbpf's reason, and
// never as if the existing file were missing.
TEST_F(HeadersTest, LibbpfErrorIsNotSaidAsTheFiles)
{
    TempDir dir;
    const fs::path source = dir.path() / "extern_call.c";
    const fs::path object = dir.path() / "extern_call.o";
    std::ofstream(source) << "extern int process_weight(int);\n"
                             "__attribute__((section(\"socket\"), used)) int weigh(void *ctx) { return "
                             "process_weight(1); }\n"
                             "char _license[] __attribute__((section(\"license\"), used)) = \"GPL\";\n";
    const auto built = run({CLANG_BPF, "-target", "bpf", "-O2", "-g", "-c", source.string(), "-o", object.string()});
    ASSERT_TRUE(exited_with(built.status, 0)) << built.err;
    try {
        winbpf::Object::open_file(object.string());
        FAIL() << "libbpf opened an object with an unresolved extern";
    } catch (const winbpf::Error &e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("libbpf cannot open '" + object.string() + "' as a BPF object (libbpf's error ENOENT"),
                  std::string::npos)
            << message;
        EXPECT_NE(message.find("process_weight"), std::string::npos) << "libbpf's own reason: " << message;
        EXPECT_EQ(message.find("No such file or directory"), std::string::npos) << message;
    }
}

// §4: the verifier rejects a call inside the shim's bpf_map_update_elem (map_helpers.h) after instructions without a
// line of their own (<file>:0): show verification names the user's file and the line of the call.
TEST_F(HeadersTest, VerifierFailureNamesTheUsersLine)
{
    const auto compiled = compile("verify_line_bind.c", "-Werror");
    ASSERT_TRUE(exited_with(compiled->result.status, 0)) << compiled->result.err;
    const unsigned long line = line_of(source_path("verify_line_bind.c"), "VERIFIER REJECTS THIS LINE");
    ASSERT_GT(line, 0u);

    const auto shown = run({WINBPF_CLI_PATH, "show", "verification", compiled->object.string()}, 120s);
    EXPECT_TRUE(exited_with(shown.status, 1)) << shown.out << shown.err;
    EXPECT_NE(shown.out.find("@ map_helpers.h:"), std::string::npos) << "the failure is inside the shim: " << shown.out;
    EXPECT_NE(shown.out.find("\nSource line: verify_line_bind.c:" + std::to_string(line) + ": "), std::string::npos)
        << shown.out;

    const auto json = run({WINBPF_CLI_PATH, "show", "verification", compiled->object.string(), "--json"}, 120s);
    const nlohmann::json report = nlohmann::json::parse(json.out);
    EXPECT_EQ(report["source_line"]["file"], "verify_line_bind.c") << json.out;
    EXPECT_EQ(report["source_line"]["line"], line) << json.out;
}

} // namespace
} // namespace compat_test
