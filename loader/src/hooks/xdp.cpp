// SPDX-License-Identifier: MIT
// Loader module of the eBPF-for-Windows `xdp` hook (docs/hooks/xdp.md; glue: shim/include/winbpf/xdp_glue.h).
//   entries  <handler>__winbpf_xdp_xdp (SEC("xdp"))
//   attach   to one interface: AttachOptions::interface, a name or a Linux ifindex in the caller's network namespace
//            (bpf_link: native XDP where the driver has it, else generic; several programs cannot share an interface)
#include "hooks/hook_module.hpp"
#include "internal.hpp"
#include "winbpf/error.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>

#include <charconv>

namespace winbpf::detail
{

namespace
{

// The ifindex of interface (a name or a decimal index); throws netsh's "Interface parameter is invalid.".
int resolve_interface(const std::string &interface)
{
    unsigned index = 0;
    auto [end, ec] = std::from_chars(interface.data(), interface.data() + interface.size(), index);
    char name[IF_NAMESIZE] = {};
    if (ec == std::errc() && end == interface.data() + interface.size()) {
        if (index != 0 && if_indextoname(index, name))
            return static_cast<int>(index);
    } else if (interface.size() < IF_NAMESIZE) {
        if (unsigned found = if_nametoindex(interface.c_str()); found != 0)
            return static_cast<int>(found);
    }
    throw Error("Interface parameter is invalid. (no interface '" + interface + "' in this network namespace)", ENODEV);
}

class XdpHook final : public HookModule
{
  public:
    std::string_view name() const override { return "xdp"; }

    std::vector<std::string_view> attach_options() const override { return {"interface"}; }

    std::pair<std::string_view, std::string_view> windows_type_guids() const override
    {
        return {"f1832a85-85d5-45b0-98a0-7069d63013b0", "85e0d8ef-579e-4931-b072-8ee226bb2e9d"};
    }

    std::vector<LinuxHook> linux_hooks() const override
    {
        return {{"xdp", "xdp", "every packet received on the interface (interface=), action kept: PASS, DROP, TX"}};
    }

    bpf_link *attach(bpf_program *program, const AttachOptions &options) const override
    {
        const int ifindex = interface_of(bpf_program__name(program), options);
        return attach_checked(
            program, target(options, ifindex), [&] { return bpf_program__attach_xdp(program, ifindex); }, hint);
    }

    UniqueFd attach_loaded(const LoadedProgram &program, const AttachOptions &options) const override
    {
        const int ifindex = interface_of(program.name, options);
        return link_checked(
            program, target(options, ifindex), [&] { return bpf_link_create(program.fd, ifindex, BPF_XDP, nullptr); },
            hint);
    }

  private:
    // The ifindex of options.interface for program name; throws Error when none is given or it is unknown.
    static int interface_of(const std::string &name, const AttachOptions &options)
    {
        if (options.interface.empty())
            throw Error("program '" + name +
                            "' is an xdp program: give the interface it attaches to (interface=IFNAME|IFINDEX)",
                        EINVAL);
        return resolve_interface(options.interface);
    }

    static std::string target(const AttachOptions &options, int ifindex)
    {
        return " to interface '" + options.interface + "' (ifindex " + std::to_string(ifindex) + ")";
    }

    static std::string hint(int err) { return err == EBUSY ? " (another XDP program is attached there)" : ""; }
};

} // namespace

const HookModule &xdp_hook_module()
{
    static const XdpHook module;
    return module;
}

} // namespace winbpf::detail
