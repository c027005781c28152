// SPDX-License-Identifier: MIT
#pragma once

#include "winbpf/hook.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace winbpf
{

/// What a pinned path in bpffs refers to.
struct PinnedObject {
    enum class Kind { program, link, map, other };
    std::string path;             ///< Absolute path in bpffs.
    Kind kind = Kind::other;      ///< From the object's /proc/self/fdinfo entry.
    std::uint32_t id = 0;         ///< Kernel id of the program, link or map.
    std::uint32_t program_id = 0; ///< Programs and links: id of the program (0 for maps).
};

/// Every pin below root (recursive, symlinks neither followed nor listed), in path order. Paths bpf_obj_get cannot
/// open are skipped. Throws Error when root cannot be read, or naming the first directory or pin the process may not
/// read (EACCES: a listing without it would be wrong).
std::vector<PinnedObject> list_pins(const std::string &root = "/sys/fs/bpf");

/// One BPF program of the running system (bpf_prog_get_next_id), as `winbpf show programs` prints it.
struct ProgramInfo {
    std::uint32_t id = 0;
    std::string function;     ///< Full function name from the program's BTF (kernel name, 15 chars max, if none).
    EntryName entry;          ///< Parsed function; entry.handler is empty for programs that are not winbpf entries.
    std::string type;         ///< The hook ("process") for winbpf entries, else libbpf's program type name.
    std::string program_type; ///< libbpf's program type name ("tracing"), also for winbpf entries.
    std::string display_name; ///< "Handler (event)" for winbpf entries, else function.
    bool jited = false;       ///< JIT-compiled (else interpreted).
    std::size_t pins = 0;     ///< Pin paths under /sys/fs/bpf referring to the program.
    std::size_t links = 0;    ///< BPF links attached to the program.
    std::uint32_t btf_id = 0; ///< Kernel id of the program's BTF: programs loaded from one object share it (0: none).
    std::uint32_t verified_insns = 0;   ///< Instructions the verifier processed (bpf_prog_info.verified_insns).
    std::uint32_t xlated_insns = 0;     ///< Instructions after the kernel's rewrites (xlated_prog_len / 8).
    std::vector<std::uint32_t> map_ids; ///< Maps the program uses.
    /// The verifier's time for the program in ns (µs resolution), as the winbpf loader recorded it in the object's
    /// winbpf_verify map (winbpf/abi.h WINBPF_MAP_VERIFICATION); empty for programs not loaded by winbpf::Object.
    std::optional<std::uint64_t> verification_ns;
};

/// All programs currently loaded, by id. Needs CAP_SYS_ADMIN; throws Error when the id walk itself fails.
/// Programs that disappear while being listed are skipped.
std::vector<ProgramInfo> list_programs();

/// One BPF map of the running system, as `winbpf show maps` prints it.
struct MapInfo {
    std::uint32_t id = 0;
    std::string type; ///< libbpf's map type name, lower case as netsh prints it: "hash", "array", "ringbuf", ...
    std::uint32_t key_size = 0, value_size = 0, max_entries = 0; ///< Bytes, bytes, entries.
    std::uint32_t map_flags = 0;
    std::string name;         ///< Kernel name (15 characters at most).
    std::size_t pins = 0;     ///< Pin paths under /sys/fs/bpf referring to the map.
    std::uint32_t btf_id = 0; ///< BTF of key and value types (0: none).
    std::uint32_t btf_key_type_id = 0, btf_value_type_id = 0;
};

/// All maps currently loaded, by id (CAP_SYS_ADMIN). Maps that disappear while being listed are skipped.
std::vector<MapInfo> list_maps();

/// One BPF link of the running system, as `winbpf show links` prints it.
struct LinkInfo {
    std::uint32_t id = 0;
    std::string type; ///< libbpf's link type name: "tracing", "cgroup", "xdp", ...
    std::uint32_t program_id = 0;
    /// Where it is attached: "cgroup /sys/fs/cgroup/unified/x" (the cgroup's path in this mount namespace; "cgroup
    /// <id>" when none has it), "ifindex 3", "tp_btf/sched_process_exec", "lsm/bprm_check_security", "raw_tp/NAME"
    /// (tp_btf/ and raw_tp/ by the program's type), "netns <inode>"; empty for other link types.
    std::string target;
};

/// All links currently present, by id.
std::vector<LinkInfo> list_links();

/// Full function name of a loaded program: the BTF name of its first func_info record (the main function), as the
/// kernel's own name keeps only 15 characters; that kernel name when the program has no BTF func_info.
/// Throws Error when program_fd is not a BPF program.
std::string program_function_name(int program_fd);

/// Kernel id of a loaded program's fd; throws Error naming what when the fd is not a program.
std::uint32_t program_id(int program_fd, const std::string &what);

} // namespace winbpf
