// SPDX-License-Identifier: MIT
// Commands of the `winbpf` tool (netsh ebpf style, docs/cli.md). Each throws winbpf::Error on failure (exit 1) and
// UsageError on a malformed command line (exit 2, with the verb's usage). Commands with `--json` print one JSON
// document on stdout instead of the table.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace winbpf
{
class Object;
}

namespace winbpf::cli
{

/// A command line the verb cannot take (unknown parameter, missing value): exit status 2.
class UsageError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/// netsh-style name=value parameters; names outside allowed, repeated names and empty values are UsageErrors.
std::map<std::string, std::string> parse_parameters(const std::vector<std::string> &parameters,
                                                    const std::vector<std::string_view> &allowed);

/// Checks a type= value: a hook winbpf maps (winbpf::hook_types()), or with linux_types also a libbpf program type
/// name ("tracing", as `show programs` types programs that are not winbpf's). Otherwise a UsageError "Program type
/// is invalid. ('X'; winbpf knows ...)".
void check_program_type(const std::string &type, bool linux_types);

/// netsh's type= on an object: throws Error "FILE: its programs are of type T, not TYPE" unless every hook handler of
/// object is of hook type (a known type: check_program_type() first).
void check_object_type(const Object &object, const std::string &type);

/// What a verb does in the kernel, for require_privilege().
enum class Verb {
    add_program,    ///< loads and attaches programs (hooks: tracing, cgroup, xdp), pins them in bpffs
    delete_program, ///< detaches links and removes pins (through the pins: no capability, access to them)
    list_by_id,     ///< show programs|maps|links|map, pin: walks or opens BPF objects by kernel id
    load_only,      ///< show verification|disassembly|compatibility: loads programs without attaching
};

/// Throws Error (EPERM) before the verb does anything when the process lacks a capability the kernel requires for
/// it (effective set, /proc/self/status): add program and show verification|disassembly|compatibility CAP_BPF,
/// CAP_PERFMON and CAP_NET_ADMIN (tracing, cgroup and XDP programs); show programs|maps|links|map and pin CAP_SYS_ADMIN
/// (the kernel walks and opens BPF objects by id only for it); delete program none. The message names the verb, what it
/// needs, why and what is missing. Access to pins (bpffs files) is checked where they are used (list_pins, the pins).
void require_privilege(Verb verb);

/// Throws Error (EACCES) before the verb does anything when this process may not add and remove entries in the bpffs
/// directory dir (faccessat with its effective ids and capabilities): "<verb> writes pins in DIR: Permission denied
/// (DIR belongs to uid U, mode M: run as root, as its owner or with CAP_DAC_OVERRIDE)". Nothing when dir is missing.
void require_write_access(const std::string &verb, const std::string &dir);

/// Ids of programs and maps one command loaded.
struct LoadedIds {
    std::vector<std::uint32_t> programs, maps;
};

/// Waits up to timeout until none of ids is loaded any more (the kernel frees programs and maps asynchronously after
/// their last reference). Returns the ids still loaded; nothing when the process may not walk BPF ids (no
/// CAP_SYS_ADMIN: it cannot tell, and does not wait).
LoadedIds wait_until_freed(const LoadedIds &ids, std::chrono::milliseconds timeout);

/// `add program FILE [type=] [pinpath=] [pinned=] [interface=] [execution=] [compartment=] [cgroup=] [capture=]`: load,
/// attach and pin every hook handler; prints "Loaded with ID N" per handler (stdout) and the object's adaptations
/// (stderr). execution=jit|native need the kernel's JIT on, execution=interpret needs it off (check_execution()).
/// compartment= (a Windows network compartment) is refused: on Linux run winbpf in the network namespace instead.
void add_program(const std::string &file, const std::vector<std::string> &parameters);

/// `delete program ID`: detach and unpin everything winbpf pinned for the added program that ID belongs to (the id of
/// any of its Linux programs).
void delete_program(std::uint32_t id);
/// `delete program FILE [SECTION]`: delete_program() for every added program whose entry programs are the ones of
/// file's handlers (in section, a Windows hook or ELF section, when not empty), found by their names in the pins
/// (/sys/fs/bpf/winbpf/<ID>/<entry>). Prints "Deleted ID N" for each; throws Error when none is added.
void delete_programs_of_file(const std::string &file, const std::string &section);

/// The added programs (their directories' IDs under /sys/fs/bpf/winbpf) that pin an entry program of file's handlers
/// in section (all sections when empty). Opens file (no kernel); throws Error when it cannot.
std::vector<std::uint32_t> added_from_file(const std::string &file, const std::string &section);

/// `set program ID [attached=yes|no] [pinpath=PATH] [interface=] [cgroup=] [capture=] [compartment_id=]` (netsh's):
/// attached=yes attaches the added program's pinned programs through their hooks' modules, with add program's options
/// (winbpf::attach_pinned), and pins the links beside them; attached=no detaches and unpins its links, keeping the
/// programs loaded and pinned; pinpath= also pins its primary program there (removed by `delete program`). ID may be
/// any of its Linux programs' ids. Prints "Attached ID N", "Detached ID N", "Pinned ID N at PATH". Throws Error for an
/// ID winbpf did not add, attached=yes when attached already, attached=no when not attached, a hook's missing or
/// unknown interface or cgroup; UsageError for neither attached= nor pinpath=, another attached= value, or where-to
/// options without attached=yes.
void set_program(std::uint32_t id, const std::vector<std::string> &parameters);

/// Checks add program's execution= value: jit and native (both the kernel's JIT) need net.core.bpf_jit_enable on;
/// interpret needs it off (Linux chooses JIT or interpreter for every program, not per program; a kernel built with
/// CONFIG_BPF_JIT_ALWAYS_ON has no interpreter). Throws UsageError for another value, Error (ENOTSUP) with the
/// reason when the kernel cannot run programs that way.
void check_execution(const std::string &execution);

/// `show programs [type=] [attached=] [pinned=] [level=normal|verbose] [filename=] [section=] [id=]`: one row per
/// Windows program (ID, Pins, Links, Mode, Type, Name); with level=verbose the hook's note (hook_note(): the process
/// hook's deny enforcement) and its Linux programs under it. Filters: attached=yes|no (has links), pinned=yes|no
/// (has pins), filename= (added from that file: added_from_file(), with section=), section= (its hook), id= (any of
/// its Linux programs' ids).
void show_programs(const std::vector<std::string> &parameters, bool json);
/// `show maps`: ID, Map Type, Key Size, Value Size, Max Entries, Inner ID, Pins, Name.
void show_maps(bool json);
/// `show links`: ID, Link Type, Program ID, Attached to.
void show_links(bool json);
/// `show pins`: every pin under /sys/fs/bpf: path, kind, id.
void show_pins(bool json);
/// `show map ID|NAME [--watch SECONDS]`: the entries, keys and values printed by their BTF types.
void show_map(const std::string &map, double watch_seconds, bool json);

/// `show sections FILE [section=] [level=normal|verbose]`: sections, programs, types, instruction counts and maps of
/// an object file (no kernel); section= keeps the programs of that ELF section or Windows hook; level=verbose adds
/// each program's Linux attach type and section size in bytes.
void show_sections(const std::string &file, const std::vector<std::string> &parameters, bool json);
/// `show verification FILE [section=] [program=] [type=] [level=normal|verbose]`: loads (kernel verifier) without
/// attaching. Returns the exit status: 0 "Verification succeeded", 1 "Verification failed" after the verifier's log
/// and the failing source line. type= requires the object's handlers to be of that hook; level=verbose also prints the
/// verifier's statistics line for each program (log level BPF_LOG_STATS).
int show_verification(const std::string &file, const std::vector<std::string> &parameters, bool json);
/// `show disassembly FILE [section=] [program=]`: the verified instructions annotated with the source lines.
void show_disassembly(const std::string &file, const std::vector<std::string> &parameters, bool json);
/// `show compatibility FILE`: what winbpf adapted to load the object on Linux (Object::adaptations()).
void show_compatibility(const std::string &file, bool json);
/// `show program-types`: the Windows hooks winbpf maps and their Linux hooks.
void show_program_types(bool json);
/// `show processes`: one row per process holding BPF programs, maps or links (PID, Name, and their kernel IDs), from
/// /proc/<pid>/fdinfo (prog_id, map_id, link_id), as bpftool's pids. Processes it may not read are left out.
void show_processes(bool json);

/// `pin program|map ID PATH`: pins the object with that id at PATH (bpffs).
void pin_object(const std::string &kind, std::uint32_t id, const std::string &path);
/// `unpin program|map ID PATH`: removes the pin PATH after checking it pins that object.
void unpin_object(const std::string &kind, std::uint32_t id, const std::string &path);

} // namespace winbpf::cli
