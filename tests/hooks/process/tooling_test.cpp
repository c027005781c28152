// SPDX-License-Identifier: MIT
// The objects Makefile.bpf produces are standard libbpf objects (bpftool accepts them), and Makefile.bpf refuses a
// mistyped hook section with a message naming it.
#include "recorder.hpp"
#include "support/bpftool.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/pin_dir.hpp"
#include "support/temp_dir.hpp"

#include <filesystem>
#include <unistd.h>

namespace process_test
{

using namespace winbpf::test;
using namespace std::chrono_literals;
namespace
{

namespace fs = std::filesystem;

class ToolingTest : public KernelTest
{
};

TEST_F(ToolingTest, BpftoolLoadsRecorderObject)
{
    // `bpftool prog load` loads every program and pins the first (the optional lsm entry is hidden from plain libbpf;
    // `prog loadall` of every hook's objects: tests/compat/bpftool_test.cpp).
    PinDir pins("winbpf_process_test");
    fs::create_directories(pins.path());
    const fs::path pin = pins.path() / "first";
    const CommandResult result = run({bpftool_path(), "prog", "load", bpf_object_path("process_recorder"), pin}, 60s);
    ASSERT_TRUE(exited_with(result.status, 0)) << describe_status(result.status) << "\n" << result.err;
    EXPECT_TRUE(fs::exists(pin));
}

TEST_F(ToolingTest, MakefileRejectsMistypedSectionNamingIt)
{
    TempDir out_dir;
    const fs::path out = out_dir.path() / "section_typo.o";
    const CommandResult result =
        run({MAKE_PROGRAM, "--no-print-directory", "-f", std::string(WINBPF_SOURCE_DIR) + "/Makefile.bpf",
             "SRC=" + std::string(PROCESS_TEST_SOURCE_BPF_DIR) + "/section_typo.c", "OUT=" + out.string(),
             "BUILD=" + std::string(WINBPF_BUILD_DIR), "CLANG=" + std::string(CLANG_BPF)},
            120s);
    ASSERT_TRUE(result.status.has_value()) << "make did not finish";
    EXPECT_FALSE(exited_with(result.status, 0)) << "Makefile.bpf accepted SEC(\"proces\")";
    EXPECT_NE(result.err.find("function 'TypoBadHandler' is in unknown section SEC(\"proces\")"), std::string::npos)
        << "stderr:\n"
        << result.err;
    EXPECT_EQ(result.err.find("TypoGoodHandler"), std::string::npos) << "the correct handler is not the problem";
    EXPECT_FALSE(fs::exists(out)) << "no object for a program that failed";
}

} // namespace
} // namespace process_test
