// SPDX-License-Identifier: MIT
// The objects Makefile.bpf produces are standard libbpf objects (bpftool accepts them), and Makefile.bpf refuses a
// mistyped hook section with a message naming it.
#include "recorder.hpp"
#include "support/bpftool.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
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

/// A bpffs directory for pins, removed (unpinning everything in it) on destruction.
class PinDir
{
  public:
    PinDir() : path_("/sys/fs/bpf/winbpf_process_test_" + std::to_string(getpid())) { fs::remove_all(path_); }
    PinDir(const PinDir &) = delete;
    PinDir &operator=(const PinDir &) = delete;
    ~PinDir()
    {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path &path() const noexcept { return path_; }

  private:
    fs::path path_;
};

class ToolingTest : public KernelTest
{
};

TEST_F(ToolingTest, BpftoolLoadsRecorderObject)
{
    // `bpftool prog load` loads every program whose autoload is on (the lsm entry's "?lsm/" section is off by default)
    // and pins the first. (`prog loadall` pins every program, and Debian 12's bpftool 7.1 / libbpf 1.1 fails on the
    // lsm entry it did not load.)
    PinDir pins;
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
