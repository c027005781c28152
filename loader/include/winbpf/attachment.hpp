// SPDX-License-Identifier: MIT
#pragma once

#include "winbpf/object.hpp"
#include "winbpf/unique_fd.hpp"

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct bpf_link;

namespace winbpf::detail
{
class HookModule;
}

namespace winbpf
{

/// One attached program (RAII over bpf_link: destroyed = detached unless pinned).
class Link
{
  public:
    /// Takes ownership of link (from bpf_program__attach) of program (not owned: belongs to its Object).
    Link(bpf_link *link, bpf_program *program);
    Link(Link &&) noexcept;
    Link &operator=(Link &&) noexcept;
    ~Link();
    /// The libbpf link (null after a move).
    bpf_link *raw() const noexcept { return link_; }
    /// The attached program.
    bpf_program *program() const noexcept { return program_; }

  private:
    bpf_link *link_;
    bpf_program *program_;
};

/// netevent_monitor's capture type (docs/hooks/netevent_monitor.md, per program): which events its programs get.
enum class CaptureType {
    drop, ///< PKTMON_DROP events only (the default, as on Windows)
    flow, ///< PKTMON_FLOW events only
    all,  ///< both
    none, ///< neither (the programs stay loaded, unattached)
};

/// The capture types' names as `capture=` and netevent_monitor's --capture take them, in the order usage lists them.
inline constexpr std::array<std::string_view, 4> capture_type_names = {"all", "flow", "drop", "none"};

/// The capture type named name (one of capture_type_names). Throws Error (EINVAL) "capture parameter is invalid:
/// 'NAME' (expected all, flow, drop or none)" otherwise.
CaptureType parse_capture_type(std::string_view name);

/// Where to attach, for hooks that need to be told (`winbpf add program FILE cgroup=PATH`). An option that none of
/// the object's hooks uses is an error.
struct AttachOptions {
    /// cgroup hooks (bind): the cgroup-v2 directory whose processes (and descendants') the programs see. Empty: the
    /// root of the cgroup-v2 hierarchy, wherever it is mounted (e.g. /sys/fs/cgroup/unified on hybrid systems).
    std::string cgroup;
    /// netevent_monitor: which events the programs get (parse_capture_type); absent: drop, as on Windows
    /// (docs/hooks/netevent_monitor.md: the capture type, per program).
    std::optional<CaptureType> capture;
    /// xdp: the interface the programs get the received packets of, by name ("eth0") or Linux ifindex ("2"), in the
    /// caller's network namespace. Required by xdp; an unknown interface is "Interface parameter is invalid.".
    std::string interface;
    /// sock_addr: the one compartment (network namespace) whose calls the handlers see: a number as the programs see
    /// it in compartment_id (1: the initial namespace), or a network namespace path (/run/netns/NAME,
    /// /proc/PID/ns/net; winbpf::compartment_id gives its number). Empty: every compartment.
    std::string compartment_id;
};

/// Every entry program of a loaded object's hooks plus its support programs, attached; detached on destruction.
class Attachment
{
  public:
    /// Attaches each program through its hook's loader module; throws Error naming the program that failed, or the
    /// option that no hook of the object uses (nothing stays attached then). The object must be loaded and outlive
    /// the Attachment.
    explicit Attachment(const Object &object, const AttachOptions &options = {});
    /// One link per attached program: per hook in hooks() order, its entries with autoload on that the options
    /// attach, then (once per hook) its support programs.
    const std::vector<Link> &links() const noexcept { return links_; }
    std::vector<Link> &links() noexcept { return links_; }

    /// What the hooks say a user should know once attached (e.g. "Deny enforcement: sigkill (...)"), one line each.
    /// Computed on each call (a hook may probe the kernel for it).
    std::vector<std::string> notes() const;

  private:
    std::vector<Link> links_;
    std::vector<const detail::HookModule *> modules_; ///< Modules of the attached hooks, each once.
};

/// A program loaded earlier outside this process's objects, e.g. pinned by `winbpf add program`.
struct PinnedProgram {
    int fd = -1;      ///< The program's fd (not owned).
    std::string name; ///< Its function name, as its pin is named ("DropPacket__winbpf_xdp_xdp").
};

/// Attaches programs loaded earlier (`winbpf set program ID attached=yes`) through their hooks' loader modules, with
/// the options Attachment takes and the same choices: an entry program (<handler>__winbpf_<hook>_<event>) where its
/// event's Linux hook is, a support program (a hook's "support: <name>" Linux hook) where its own is. Returns one
/// link fd per program in order, empty where the options leave a program unattached. Throws Error naming the program
/// (no hook's program, an attach that fails: "attaching program 'P' (section S) to ...: ...") or the option none of
/// their hooks uses (netsh's "Interface parameter is not allowed ..."); nothing stays attached then.
std::vector<UniqueFd> attach_pinned(std::span<const PinnedProgram> programs, const AttachOptions &options);

} // namespace winbpf
