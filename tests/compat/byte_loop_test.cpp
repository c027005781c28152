// SPDX-License-Identifier: MIT
// Issue 19 §4: a loop Linux's verifier cannot accept as written although eBPF for Windows' does (a branch on each byte
// of a 64 K loop: "The sequence of 8193 jumps is too complex") fails to load with a message naming the loop's source
// line, the kernel's limit and the portable rewrite (bpf_loop).
#include "compat_fixture.hpp"

#include "winbpf/error.hpp"

#include <fstream>
#include <string>

namespace compat_test
{
namespace
{

class ByteLoopTest : public CompatTest
{
};

/// The line number of byte_loop_bind.c that holds marker.
unsigned line_of(const std::string &marker)
{
    std::ifstream source(source_path("byte_loop_bind.c"));
    std::string line;
    for (unsigned number = 1; std::getline(source, line); ++number)
        if (line.find(marker) != std::string::npos)
            return number;
    return 0;
}

TEST_F(ByteLoopTest, DataDependentBranchInA64KByteLoopFailsNamingLineLimitAndBpfLoop)
{
    const unsigned line = line_of("// BYTE_LOOP_LINE");
    ASSERT_NE(line, 0u);
    winbpf::Object &object = open("byte_loop_bind");
    try {
        object.load();
        ADD_FAILURE() << "the kernel accepted the byte loop: the note is untested";
    } catch (const winbpf::Error &e) {
        const std::string what = e.what();
        const auto note = what.find("winbpf: Linux's verifier refuses this program");
        ASSERT_NE(note, std::string::npos) << what.substr(what.size() > 4000 ? what.size() - 4000 : 0);
        const std::string text = what.substr(note);
        EXPECT_NE(text.find("the loop at byte_loop_bind.c:" + std::to_string(line) + " (`if (data[i] == ':')"),
                  std::string::npos)
            << text;
        EXPECT_NE(text.find("8192 branches pending (BPF_COMPLEXITY_LIMIT_JMP_SEQ"), std::string::npos) << text;
        EXPECT_NE(text.find("bpf_loop(iterations, callback, &context, 0)"), std::string::npos) << text;
    }
}

} // namespace
} // namespace compat_test
