// SPDX-License-Identifier: MIT
// Loader module of the eBPF-for-Windows `bind` hook (docs/hooks/bind.md; glue: shim/include/winbpf/bind_glue.h).
//   entries  <handler>__winbpf_bind_bind4 (primary), _bind6, _post_bind4, _post_bind6, _unbind
//   attach   every entry to one cgroup-v2 directory: AttachOptions::cgroup, or the root of the cgroup-v2 hierarchy
//            (bpf_link, so several programs attach side by side and all run)
#include "hooks/hook_module.hpp"
#include "internal.hpp"
#include "winbpf/error.hpp"
#include "winbpf/system.hpp"

#include <bpf/libbpf.h>

namespace winbpf::detail
{

namespace
{

class BindHook final : public HookModule
{
  public:
    std::string_view name() const override { return "bind"; }

    std::vector<std::string_view> attach_options() const override { return {"cgroup"}; }

    std::pair<std::string_view, std::string_view> windows_type_guids() const override
    {
        return {"608c517c-6c52-4a26-b677-bb1c34425adf", "b9707e04-8127-4c72-833e-05b1fb439496"};
    }

    std::vector<LinuxHook> linux_hooks() const override
    {
        return {{"bind4", "cgroup/bind4", "BIND (IPv4)"},
                {"bind6", "cgroup/bind6", "BIND (IPv6)"},
                {"post_bind4", "cgroup/post_bind4", "POST_BIND (IPv4)"},
                {"post_bind6", "cgroup/post_bind6", "POST_BIND (IPv6)"},
                {"unbind", "cgroup/sock_release", "UNBIND"}};
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

const HookModule &bind_hook_module()
{
    static const BindHook module;
    return module;
}

} // namespace winbpf::detail
