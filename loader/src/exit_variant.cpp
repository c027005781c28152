// SPDX-License-Identifier: MIT
// Which sched_process_exit prototype the running kernel has (decides the exit entry program to load).
#include "internal.hpp"
#include "winbpf/error.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

namespace winbpf::detail
{

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

} // namespace winbpf::detail
