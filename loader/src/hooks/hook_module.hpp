// SPDX-License-Identifier: MIT
// The loader side of a Windows hook: one module per row of shim/include/winbpf/hooks.h (loader/src/hooks/<name>.cpp).
// Object::load and Attachment loop over the modules of an object's hooks and name no hook themselves.
#pragma once

#include "winbpf/attachment.hpp"
#include "winbpf/hook.hpp"
#include "winbpf/unique_fd.hpp"

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct bpf_link;
struct bpf_object;
struct bpf_program;

namespace winbpf::detail
{

/// A program loaded earlier, outside any bpf_object of this process (pinned by `winbpf add program`).
struct LoadedProgram {
    int fd = -1;         ///< The program's fd (not owned).
    std::string name;    ///< Its function name ("DropPacket__winbpf_xdp_xdp"; the kernel keeps only 15 characters).
    std::string section; ///< Its libbpf section, from the hook's linux_hooks() ("xdp", "cgroup/bind4").
};

/// One Windows hook on the loader side. Every method has a default that does nothing, so a module states only what
/// its hook needs. Methods throw winbpf::Error naming the object and program involved.
class HookModule
{
  public:
    virtual ~HookModule() = default;

    /// The hook's name (its SEC() prefix and the <hook> of entry program names), e.g. "process".
    virtual std::string_view name() const = 0;

    /// Sort key of an entry event among one handler's entry programs; the lowest is the handler's primary entry,
    /// whose kernel id names the handler (`winbpf add program` prints it). Default: the event's place in
    /// linux_hooks() (events not there sort last).
    virtual int event_rank(std::string_view event) const;

    /// Before bpf_object__load: choose between entry variants (bpf_program__set_autoload(false) on the losers) and
    /// size maps. handlers are this hook's handlers in the object.
    virtual void before_load(bpf_object *object, const std::string &object_name,
                             std::span<const HookProgram> handlers) const;

    /// After a successful load: fill the maps the loader writes for this hook.
    virtual void after_load(bpf_object *object, const std::string &object_name) const;

    /// Object-wide programs of this hook's glue that must be attached with its handlers (e.g. a fork tracker).
    virtual std::vector<bpf_program *> support_programs(bpf_object *object) const;

    /// Option names of AttachOptions this hook uses ("cgroup", ...); an option set for an object none of whose hooks
    /// uses it is an error.
    virtual std::vector<std::string_view> attach_options() const;

    /// Attaches one loaded program of this hook (an entry with autoload on, or a support program) as options say.
    /// Default: bpf_program__attach (the program's section says where). Returns the owned link, or nullptr when the
    /// options leave this program unattached (it stays loaded, e.g. an entry outside the capture type).
    virtual bpf_link *attach(bpf_program *program, const AttachOptions &options) const;

    /// Attaches one program loaded earlier (`winbpf set program ID attached=yes`: an entry or support program pinned by
    /// `winbpf add program`) as attach() attaches it at add program, with the same options. Returns the link's fd, or
    /// an empty UniqueFd when the options leave it unattached. Default: link_by_section.
    virtual UniqueFd attach_loaded(const LoadedProgram &program, const AttachOptions &options) const;

    /// eBPF for Windows' program type and attach type GUIDs of the hook.
    virtual std::pair<std::string_view, std::string_view> windows_type_guids() const = 0;

    /// The Linux attach points of the hook's entry events (primary first) and support programs.
    virtual std::vector<LinuxHook> linux_hooks() const = 0;

    /// Hook-specific helpers the shim provides (besides the general ones).
    virtual std::vector<std::string_view> helpers() const;

    /// What a user should know once this hook's programs are attached (e.g. "Deny enforcement: sigkill (...)"),
    /// or empty.
    virtual std::string attach_note() const;

    /// The Windows attach type of an entry event, for hooks of several attach types (sock_addr: "connect4" for
    /// "connect4_sendmsg"); default empty.
    virtual std::string attach_type(std::string_view event) const;

    /// What a user should know about this hook's programs of one attach type only (as attach_note()), or empty
    /// (the default).
    virtual std::string attach_type_note(std::string_view attach_type) const;
};

/// The module of hook name (a row of winbpf/hooks.h), or nullptr when the loader has none (a planned hook).
const HookModule *find_hook_module(std::string_view name);

/// The Windows context type of a mapped hook's row ("process_md_t" from struct tag _process_md), or empty.
std::string hook_context_type(std::string_view name);

/// Every hook name of winbpf/hooks.h, mapped and planned, for parsing entry program names.
std::span<const std::string_view> known_hook_names();

/// Rank of event in order (a hook's entry events, primary first); events not in it sort last.
int rank_in(std::span<const std::string_view> order, std::string_view event);

/// Runs attach() (a bpf_program__attach* call for program) with libbpf's messages captured and returns its link. On
/// failure throws Error(errno) "attaching program '<name>' (section <section>)<target>: <errno text><hint(errno)>"
/// followed by libbpf's messages; target says where (" to cgroup '/sys/...'"), hint may explain an errno (then the
/// explanation replaces libbpf's messages: one message).
bpf_link *attach_checked(bpf_program *program, std::string_view target, const std::function<bpf_link *()> &attach,
                         const std::function<std::string(int)> &hint = {});

/// bpf_program__attach (where the program's section says) through attach_checked.
bpf_link *attach_by_section(bpf_program *program);

/// Creates the link of a loaded program (create returns a link fd or -1 with errno) and returns it. On failure throws
/// Error(errno) "attaching program '<name>' (section <section>)<target>: <errno text><hint(errno)>", as
/// attach_checked.
UniqueFd link_checked(const LoadedProgram &program, std::string_view target, const std::function<int()> &create,
                      const std::function<std::string(int)> &hint = {});

/// Links a loaded program where its section says, as bpf_program__attach does: tp_btf/, lsm/, fentry/... (raw
/// tracepoint open), raw_tp/NAME, tp/CATEGORY/NAME (a perf event of the tracepoint, from tracefs). Throws Error
/// (EOPNOTSUPP) for a section that names no attach point (cgroup or interface sections: the module links those).
UniqueFd link_by_section(const LoadedProgram &program);

/// Links a loaded program of a cgroup section (cgroup/bind4, sockops, cgroup_skb/egress...) to the cgroup-v2
/// directory path, its attach type from the section (libbpf's names).
UniqueFd link_to_cgroup(const LoadedProgram &program, const std::string &path);

/// The cgroup (v2 directory) a cgroup hook's program attaches to: options.cgroup, or the cgroup-v2 mount (the root
/// cgroup) when empty.
std::string cgroup_path(const AttachOptions &options);

/// bpf_program__attach_cgroup to the cgroup-v2 directory path (opened here; Error when it is not one) through
/// attach_checked.
bpf_link *attach_to_cgroup(bpf_program *program, const std::string &path);

/// Name of the support program of winbpf/socket_owner.h (cgroup/sock_create: records each socket's owner), which the
/// sock_addr and sockops modules enable and attach beside their entry programs.
inline constexpr const char *kSocketOwnerProgram = "winbpf__sock_addr_owner";

// One accessor per row of winbpf/hooks.h, defined in loader/src/hooks/<name>.cpp.
#define WINBPF_DECLARE_HOOK_MODULE(name, context, header, object_macro, entry_macro)                                   \
    const HookModule &name##_hook_module();
#define WINBPF_NO_HOOK_MODULE(name)
#include "winbpf/hooks.h"
WINBPF_HOOKS(WINBPF_DECLARE_HOOK_MODULE, WINBPF_NO_HOOK_MODULE)
#undef WINBPF_DECLARE_HOOK_MODULE
#undef WINBPF_NO_HOOK_MODULE

} // namespace winbpf::detail
