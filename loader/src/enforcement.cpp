// SPDX-License-Identifier: MIT
// Which deny enforcement applies on this kernel: a probe load of a minimal BPF LSM program.
#include "internal.hpp"
#include "winbpf/error.hpp"
#include "winbpf/system.hpp"
#include "winbpf/unique_fd.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>

namespace winbpf
{

namespace
{

// Active LSMs (/sys/kernel/security/lsm, comma-separated), or "" when unreadable.
std::string active_lsms()
{
    std::ifstream file("/sys/kernel/security/lsm");
    std::string text;
    std::getline(file, text);
    return text;
}

bool lsm_list_has_bpf(const std::string &list)
{
    std::istringstream items(list);
    std::string item;
    while (std::getline(items, item, ','))
        if (item == "bpf")
            return true;
    return false;
}

} // namespace

const char *enforcement_name(EnforcementMode mode)
{
    switch (mode) {
    case EnforcementMode::sigkill:
        return "sigkill";
    case EnforcementMode::lsm:
        return "lsm";
    }
    return "unknown";
}

Enforcement probe_enforcement()
{
    const std::string program = "lsm/bprm_check_security";
    if (const char *forced = std::getenv("WINBPF_DENY_ENFORCEMENT"); forced && std::string_view(forced) == "sigkill")
        return {EnforcementMode::sigkill, "SIGKILL chosen by WINBPF_DENY_ENFORCEMENT=sigkill"};
    BtfPtr vmlinux(btf__load_vmlinux_btf());
    if (!vmlinux) {
        int err = errno;
        return {EnforcementMode::sigkill, "BPF LSM unavailable: no kernel BTF: " + detail::errno_text(err)};
    }
    int btf_id = btf__find_by_name_kind(vmlinux.get(), "bpf_lsm_bprm_check_security", BTF_KIND_FUNC);
    if (btf_id < 0)
        return {EnforcementMode::sigkill,
                "BPF LSM unavailable: the kernel has no bpf_lsm_bprm_check_security (CONFIG_BPF_LSM off)"};

    // r0 = 0; exit
    const bpf_insn instructions[] = {
        {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
        {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
    };
    LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_LSM_MAC,
                .attach_btf_id = static_cast<__u32>(btf_id));
    UniqueFd fd(bpf_prog_load(BPF_PROG_TYPE_LSM, "winbpf_lsm_probe", "GPL", instructions,
                              sizeof(instructions) / sizeof(instructions[0]), &opts));
    int load_error = fd ? 0 : errno;
    std::string lsms = active_lsms();
    std::string lsm_note = lsms.empty() ? "" : " (active LSMs: " + lsms + ")";
    if (!fd) {
        std::string hint = load_error == EPERM && lsms.empty() ? " (is 'bpf' in the kernel's lsm= list?)" : "";
        return {EnforcementMode::sigkill, "BPF LSM unavailable: loading an " + program +
                                              " program: " + detail::errno_text(load_error) + lsm_note + hint};
    }
    if (!lsm_list_has_bpf(lsms))
        return {EnforcementMode::sigkill,
                "BPF LSM unavailable: an " + program + " program loads but 'bpf' is not an active LSM" + lsm_note};
    return {EnforcementMode::lsm, "BPF LSM: " + program + " loads, a denied execve fails with EPERM" + lsm_note};
}

} // namespace winbpf
