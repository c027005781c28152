// SPDX-License-Identifier: MIT
#include "test_support.hpp"

#include <bpf/bpf.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace loader_test
{

std::string bpf_path(const std::string &name)
{
    return std::string(LOADER_TEST_BPF_DIR) + "/" + name;
}

namespace
{
std::string slurp_and_remove(const std::string &path)
{
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    std::remove(path.c_str());
    return text.str();
}
} // namespace

CommandResult run(const std::vector<std::string> &argv)
{
    char out_path[] = "/tmp/winbpf-loader-test-outXXXXXX";
    char err_path[] = "/tmp/winbpf-loader-test-errXXXXXX";
    int out_fd = mkstemp(out_path);
    int err_fd = mkstemp(err_path);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        std::vector<char *> args;
        for (const std::string &arg : argv)
            args.push_back(const_cast<char *>(arg.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    close(out_fd);
    close(err_fd);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    CommandResult result;
    result.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    result.out = slurp_and_remove(out_path);
    result.err = slurp_and_remove(err_path);
    return result;
}

std::vector<winbpf::ProgramInfo> test_programs()
{
    std::vector<winbpf::ProgramInfo> found;
    for (const winbpf::ProgramInfo &program : winbpf::list_programs())
        if (program.entry.handler.starts_with("LoaderTest"))
            found.push_back(program);
    return found;
}

namespace
{
/// Whether a program with this id is loaded.
bool program_exists(std::uint32_t id)
{
    int fd = bpf_prog_get_fd_by_id(id);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}
} // namespace

bool wait_until_gone(const std::vector<std::uint32_t> &ids, std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        bool any = false;
        for (std::uint32_t id : ids)
            any = any || program_exists(id);
        if (!any)
            return true;
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

void remove_test_pins()
{
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory("/sys/fs/bpf/winbpf", ec))
        return;
    std::set<std::uint32_t> ours;
    for (const winbpf::ProgramInfo &program : test_programs())
        ours.insert(program.id);
    for (const winbpf::PinnedObject &pin : winbpf::list_pins("/sys/fs/bpf/winbpf"))
        if (ours.count(pin.program_id))
            fs::remove_all(fs::path(pin.path).parent_path(), ec);
}

void KernelTest::SetUp()
{
    if (geteuid() != 0)
        GTEST_SKIP() << "needs root (loads BPF programs)";
}

void KernelTest::TearDown()
{
    if (geteuid() != 0)
        return;
    remove_test_pins();
    std::vector<std::uint32_t> ids;
    for (const winbpf::ProgramInfo &program : test_programs())
        ids.push_back(program.id);
    EXPECT_TRUE(wait_until_gone(ids, std::chrono::seconds(5))) << "programs of this test are still loaded";
}

} // namespace loader_test
