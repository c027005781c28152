// SPDX-License-Identifier: MIT
// Loader module of the ntosebpfext `process` hook (docs/hooks/process.md; glue: shim/include/winbpf/process_glue.h).
//   entries   <handler>__winbpf_process_exec (CREATE at sched_process_exec, deny by SIGKILL) or _lsm (CREATE at
//             lsm/bprm_check_security, deny by EPERM), whichever the deny enforcement probe chooses (the primary);
//             _exit (DELETE, kernels whose sched_process_exit passes group_dead), _exit_live (DELETE, older kernels:
//             signal->live == 0); one CREATE and one exit variant load
//   support   winbpf__process_fork (tp_btf/sched_process_fork): who forked each process
//   after     winbpf_accounts filled from the passwd database (bpf_process_get_account_name)
//   attach    by section (tracepoints); the note says how a deny is enforced (SIGKILL or BPF LSM)
#include "hooks/process.hpp"

#include "hooks/hook_module.hpp"
#include "internal.hpp"
#include "winbpf/error.hpp"
#include "winbpf/system.hpp"
#include "winbpf/utf16.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <pwd.h>

namespace winbpf::detail
{

bool place_account(std::vector<winbpf_account> &slots, __u32 uid, const char *name)
{
    std::u16string units = utf8_to_utf16(name, WINBPF_ACCOUNT_NAME_MAX);
    if (units.empty() || slots.size() != WINBPF_ACCOUNT_SLOTS)
        return false;
    for (__u32 k = 0; k < WINBPF_ACCOUNT_PROBES; ++k) {
        winbpf_account &slot = slots[(uid + k) % WINBPF_ACCOUNT_SLOTS];
        if (slot.length != 0 && slot.uid == uid)
            return true; // the first passwd entry of a uid wins
        if (slot.length != 0)
            continue;
        slot.uid = uid;
        slot.length = static_cast<__u32>(units.size() * 2);
        for (std::size_t i = 0; i < units.size(); ++i) {
            // Stored little-endian as the shim copies the bytes out unchanged.
            auto unit = static_cast<std::uint16_t>(units[i]);
            auto *bytes = reinterpret_cast<unsigned char *>(&slot.name[i]);
            bytes[0] = static_cast<unsigned char>(unit & 0xFF);
            bytes[1] = static_cast<unsigned char>(unit >> 8);
        }
        return true;
    }
    return false;
}

namespace
{

// Fills the loaded accounts map (open-addressed uid -> UTF-16LE user name slots) from the passwd database.
void fill_accounts(bpf_map *accounts, const std::string &object_name)
{
    std::vector<winbpf_account> slots(WINBPF_ACCOUNT_SLOTS);
    setpwent();
    while (passwd *entry = getpwent())
        place_account(slots, entry->pw_uid, entry->pw_name); // a uid without a free slot resolves to -ENOENT
    endpwent();

    int fd = bpf_map__fd(accounts);
    for (__u32 index = 0; index < slots.size(); ++index) {
        if (slots[index].length == 0)
            continue;
        if (bpf_map_update_elem(fd, &index, &slots[index], BPF_ANY) != 0) {
            int err = errno;
            throw Error(object_name + ": writing map " WINBPF_MAP_ACCOUNTS ": " + errno_text(err), err);
        }
    }
}

// True when the running kernel's sched_process_exit tracepoint passes group_dead (vmlinux BTF prototype).
bool exit_tracepoint_has_group_dead()
{
    BtfPtr vmlinux(btf__load_vmlinux_btf());
    if (!vmlinux) {
        int err = errno;
        throw Error("cannot read the kernel BTF (/sys/kernel/btf/vmlinux): " + errno_text(err), err);
    }
    // typedef void (*btf_trace_sched_process_exit)(void *__data, struct task_struct *p[, bool group_dead]);
    const char *name = "btf_trace_sched_process_exit";
    int id = btf__find_by_name_kind(vmlinux.get(), name, BTF_KIND_TYPEDEF);
    if (id < 0)
        throw Error(std::string("kernel BTF has no ") + name + ": the sched_process_exit tracepoint is unavailable",
                    ENOENT);
    const btf_type *type = btf__type_by_id(vmlinux.get(), static_cast<__u32>(id));
    const btf_type *ptr = type ? btf__type_by_id(vmlinux.get(), type->type) : nullptr;
    const btf_type *proto = ptr && btf_is_ptr(ptr) ? btf__type_by_id(vmlinux.get(), ptr->type) : nullptr;
    if (!proto || !btf_is_func_proto(proto))
        throw Error(std::string("kernel BTF: ") + name + " is not a pointer to a function prototype", EINVAL);
    return btf_vlen(proto) >= 3;
}

// How denies are enforced in this process: probed once (a probe loads a program), the same for every object.
const Enforcement &enforcement()
{
    static const Enforcement probed = probe_enforcement();
    return probed;
}

bool has_event(const HookProgram &handler, std::string_view event)
{
    for (bpf_program *entry : handler.entries)
        if (parse_entry_name(bpf_program__name(entry)).event == event)
            return true;
    return false;
}

class ProcessHook final : public HookModule
{
  public:
    std::string_view name() const override { return "process"; }

    int event_rank(std::string_view event) const override
    {
        // The primary is the CREATE entry that loads: lsm/bprm_check_security under BPF LSM, else sched_process_exec.
        static constexpr std::string_view lsm_order[] = {"lsm", "exec", "exit", "exit_live"};
        static constexpr std::string_view sigkill_order[] = {"exec", "exit", "exit_live", "lsm"};
        return enforcement().mode == EnforcementMode::lsm ? rank_in(lsm_order, event) : rank_in(sigkill_order, event);
    }

    std::pair<std::string_view, std::string_view> windows_type_guids() const override
    {
        return {"22ea7b37-1043-4d0d-b60d-cafa1c7b638e", "66e20687-9805-4458-a0db-38e220d31685"};
    }

    std::vector<LinuxHook> linux_hooks() const override
    {
        return {{"exec", "tp_btf/sched_process_exec", "CREATE (each successful exec)"},
                {"exit", "tp_btf/sched_process_exit", "DELETE (group_dead; kernels that pass it)"},
                {"exit_live", "tp_btf/sched_process_exit", "DELETE (signal->live == 0; older kernels)"},
                {"support: " WINBPF_PROCESS_FORK_PROG, "tp_btf/sched_process_fork", "creating process and thread"}};
    }

    std::vector<std::string_view> helpers() const override
    {
        return {"bpf_process_get_image_path", "bpf_process_get_account_name", "bpf_process_get_account_domain"};
    }

    void before_load(bpf_object *, const std::string &object_name, std::span<const HookProgram> handlers) const override
    {
        bool group_dead = exit_tracepoint_has_group_dead();
        bool lsm = enforcement().mode == EnforcementMode::lsm;
        for (const HookProgram &handler : handlers)
            for (bpf_program *entry : handler.entries) {
                const std::string event = parse_entry_name(bpf_program__name(entry)).event;
                // An object built before the lsm entry existed keeps its exec entry (and SIGKILL) in LSM mode.
                bool create_unused = lsm ? event == "exec" && has_event(handler, "lsm") : event == "lsm";
                bool unused = create_unused || (event == "exit" && !group_dead) || (event == "exit_live" && group_dead);
                // The lsm entry's section is "?lsm/...": off unless chosen, so `bpftool prog loadall` loads an object
                // on kernels without BPF LSM too.
                if (bpf_program__set_autoload(entry, !unused) != 0) {
                    int err = errno;
                    throw Error(object_name + ": cannot " + (unused ? "disable" : "enable") + " program '" +
                                    bpf_program__name(entry) + "': " + errno_text(err),
                                err);
                }
            }
    }

    void after_load(bpf_object *object, const std::string &object_name) const override
    {
        if (bpf_map *accounts = bpf_object__find_map_by_name(object, WINBPF_MAP_ACCOUNTS))
            fill_accounts(accounts, object_name);
    }

    std::vector<bpf_program *> support_programs(bpf_object *object) const override
    {
        if (bpf_program *fork = bpf_object__find_program_by_name(object, WINBPF_PROCESS_FORK_PROG))
            return {fork};
        return {};
    }

    std::string attach_note() const override
    {
        const Enforcement &chosen = enforcement();
        return std::string("Deny enforcement: ") + enforcement_name(chosen.mode) + " (" + chosen.detail + ")";
    }
};

} // namespace

const HookModule &process_hook_module()
{
    static const ProcessHook module;
    return module;
}

} // namespace winbpf::detail
