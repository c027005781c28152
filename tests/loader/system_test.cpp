// SPDX-License-Identifier: MIT
// ensure_bpffs (mounting bpffs when it is missing) and probe_enforcement.
#include "support/kernel_test.hpp"

#include "winbpf/inventory.hpp"
#include "winbpf/system.hpp"

#include <cstdlib>
#include <gmock/gmock.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

using testing::HasSubstr;

namespace
{

class System : public winbpf::test::KernelTest
{
};

using winbpf::bpffs_mounted;

} // namespace

TEST_F(System, EnsureBpffsMountsWhenMissing)
{
    winbpf::ensure_bpffs();
    EXPECT_TRUE(bpffs_mounted());
    // In a private mount namespace: unmount bpffs, then ensure_bpffs must mount it again.
    pid_t pid = fork();
    if (pid == 0) {
        if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
            _exit(10);
        while (bpffs_mounted())
            if (umount2("/sys/fs/bpf", MNT_DETACH) != 0)
                _exit(11);
        try {
            winbpf::ensure_bpffs();
        } catch (...) {
            _exit(12);
        }
        _exit(bpffs_mounted() ? 0 : 13);
    }
    int wstatus = 0;
    ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFEXITED(wstatus));
    EXPECT_EQ(WEXITSTATUS(wstatus), 0) << "10: unshare, 11: umount, 12: ensure_bpffs threw, 13: not mounted";
}

TEST_F(System, EnforcementHasAReasonAndCanBeForcedToSigkill)
{
    // sigkill where BPF LSM programs are refused (this development host), lsm where they load (the VM suite's 6.1).
    winbpf::Enforcement enforcement = winbpf::probe_enforcement();
    EXPECT_THAT(enforcement.detail, HasSubstr("LSM"));
    EXPECT_THAT(enforcement.detail, HasSubstr("bprm_check_security"));
    ASSERT_EQ(setenv("WINBPF_DENY_ENFORCEMENT", "sigkill", 1), 0);
    winbpf::Enforcement forced = winbpf::probe_enforcement();
    unsetenv("WINBPF_DENY_ENFORCEMENT");
    EXPECT_EQ(forced.mode, winbpf::EnforcementMode::sigkill);
    EXPECT_THAT(forced.detail, HasSubstr("WINBPF_DENY_ENFORCEMENT=sigkill"));
    for (const winbpf::ProgramInfo &program : winbpf::list_programs())
        EXPECT_NE(program.function, "winbpf_lsm_prob") << "the LSM probe program was not closed";
    EXPECT_STREQ(winbpf::enforcement_name(winbpf::EnforcementMode::sigkill), "sigkill");
    EXPECT_STREQ(winbpf::enforcement_name(winbpf::EnforcementMode::lsm), "lsm");
}
