// SPDX-License-Identifier: MIT
// Commands of the `winbpf` tool (netsh ebpf style, CONTRACT §7). Each throws winbpf::Error on failure (exit 1) and
// UsageError on a malformed command line (exit 2, with the verb's usage). Commands with `--json` print one JSON
// document on stdout instead of the table.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

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

/// Throws Error "must run as root or with CAP_BPF, ..." when the process lacks the capabilities BPF commands need
/// (effective CAP_BPF or CAP_SYS_ADMIN, from /proc/self/status).
void require_bpf_privilege();

/// `add program FILE [type=] [pinpath=] [pinned=] [interface=] [cgroup=] [capture=]`: load, attach and pin every hook
/// handler; prints "Loaded with ID N" per handler (stdout) and the hooks' notes and adaptations (stderr).
void add_program(const std::string &file, const std::vector<std::string> &parameters);

/// `delete program ID`: detach and unpin everything winbpf pinned for the added program that ID belongs to (the id of
/// any of its Linux programs).
void delete_program(std::uint32_t id);

/// `show programs [type=] [level=normal|verbose]`: one row per Windows program (ID, Pins, Links, Mode, Type, Name);
/// with level=verbose its Linux programs under it.
void show_programs(const std::vector<std::string> &parameters, bool json);
/// `show maps`: ID, Map Type, Key Size, Value Size, Max Entries, Inner ID, Pins, Name.
void show_maps(bool json);
/// `show links`: ID, Link Type, Program ID, Attached to.
void show_links(bool json);
/// `show pins`: every pin under /sys/fs/bpf: path, kind, id.
void show_pins(bool json);
/// `show map ID|NAME [--watch SECONDS]`: the entries, keys and values printed by their BTF types.
void show_map(const std::string &map, double watch_seconds, bool json);

/// `show sections FILE`: sections, programs, types, instruction counts and maps of an object file (no kernel).
void show_sections(const std::string &file, bool json);
/// `show verification FILE [section=] [program=]`: loads (kernel verifier) without attaching. Returns the exit
/// status: 0 "Verification succeeded", 1 "Verification failed" after the verifier's log and the failing source line.
int show_verification(const std::string &file, const std::vector<std::string> &parameters, bool json);
/// `show disassembly FILE [section=] [program=]`: the verified instructions annotated with the source lines.
void show_disassembly(const std::string &file, const std::vector<std::string> &parameters, bool json);
/// `show compatibility FILE`: what winbpf adapted to load the object on Linux (Object::adaptations()).
void show_compatibility(const std::string &file, bool json);
/// `show program-types`: the Windows hooks winbpf maps and their Linux hooks.
void show_program_types(bool json);

/// `pin program|map ID PATH`: pins the object with that id at PATH (bpffs).
void pin_object(const std::string &kind, std::uint32_t id, const std::string &path);
/// `unpin program|map ID PATH`: removes the pin PATH after checking it pins that object.
void unpin_object(const std::string &kind, std::uint32_t id, const std::string &path);

} // namespace winbpf::cli
