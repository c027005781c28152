// SPDX-License-Identifier: MIT
// Loader module of the eBPF-for-Windows sockops hook (docs/hooks/sock_ops.md; glue:
// shim/include/winbpf/sock_ops_glue.h).
//   entries  <handler>__winbpf_sockops_tcp (primary: sockops, TCP ESTABLISHED and DELETED), _egress and _ingress
//            (cgroup_skb: UDP flows, blocked flows' packets dropped), _release (cgroup/sock_release: UDP DELETED)
//   support  winbpf__sock_addr_owner (cgroup/sock_create: the process that created each socket, winbpf/socket_owner.h)
//   attach   every program to one cgroup-v2 directory: AttachOptions::cgroup, or the root of the cgroup-v2 hierarchy
//            (bpf_link: several programs attach side by side and all run)
#include "hooks/hook_module.hpp"
#include "internal.hpp"
#include "winbpf/error.hpp"
#include "winbpf/system.hpp"

#include <bpf/libbpf.h>

#include <cerrno>

namespace winbpf::detail
{

namespace
{

class SockOpsHook final : public HookModule
{
  public:
    std::string_view name() const override { return "sockops"; }

    std::vector<std::string_view> attach_options() const override { return {"cgroup"}; }

    std::pair<std::string_view, std::string_view> windows_type_guids() const override
    {
        // EBPF_PROGRAM_TYPE_SOCK_OPS and EBPF_ATTACH_TYPE_CGROUP_SOCK_OPS.
        return {"43fb224d-68f8-46d6-aa3f-c856518cbb32", "837d02cd-3251-4632-8d94-60d3b45769f2"};
    }

    std::vector<LinuxHook> linux_hooks() const override
    {
        return {{"tcp", "sockops",
                 "TCP: ACTIVE/PASSIVE_ESTABLISHED (Linux ACTIVE/PASSIVE_ESTABLISHED_CB), CONNECTION_DELETED (state "
                 "callback to TCP_CLOSE); a non-zero return: packets dropped, TCP_USER_TIMEOUT (ETIMEDOUT)"},
                {"egress", "cgroup_skb/egress",
                 "UDP: ACTIVE at a socket's first datagram to a remote endpoint; drops blocked flows' packets "
                 "(sendmsg: EPERM)"},
                {"ingress", "cgroup_skb/ingress",
                 "UDP: PASSIVE at a socket's first datagram from a new remote endpoint; drops blocked flows' packets"},
                {"release", "cgroup/sock_release", "UDP: CONNECTION_DELETED for each flow of the released socket"},
                {std::string("support: ") + kSocketOwnerProgram, "cgroup/sock_create",
                 "the process that created each socket (the helpers report it; cloned to accepted sockets)"}};
    }

    std::vector<std::string_view> helpers() const override { return {"bpf_sock_ops_get_flow_id"}; }

    void before_load(bpf_object *object, const std::string &object_name,
                     std::span<const HookProgram> handlers) const override
    {
        if (handlers.empty())
            return;
        // Every handler reports the socket's owner: the owner program is needed (sock_addr may have turned it off).
        if (bpf_program *program = bpf_object__find_program_by_name(object, kSocketOwnerProgram))
            if (bpf_program__set_autoload(program, true) != 0) {
                int err = errno;
                throw Error(object_name + ": cannot enable program '" + kSocketOwnerProgram + "': " + errno_text(err),
                            err);
            }
    }

    std::vector<bpf_program *> support_programs(bpf_object *object) const override
    {
        bpf_program *program = bpf_object__find_program_by_name(object, kSocketOwnerProgram);
        if (program && bpf_program__autoload(program))
            return {program};
        return {};
    }

    bpf_link *attach(bpf_program *program, const AttachOptions &options) const override
    {
        return attach_to_cgroup(program, cgroup_path(options));
    }

    UniqueFd attach_loaded(const LoadedProgram &program, const AttachOptions &options) const override
    {
        return link_to_cgroup(program, cgroup_path(options));
    }
};

} // namespace

const HookModule &sockops_hook_module()
{
    static const SockOpsHook module;
    return module;
}

} // namespace winbpf::detail
