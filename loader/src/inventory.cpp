// SPDX-License-Identifier: MIT
// System-wide listing of BPF programs, links and pins (data for `winbpf show programs` and tests).
#include "winbpf/inventory.hpp"

#include "internal.hpp"
#include "winbpf/error.hpp"
#include "winbpf/system.hpp"
#include "winbpf/unique_fd.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/types.h>

#include "winbpf/abi.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string_view>
#include <sys/stat.h>

namespace winbpf
{

namespace
{

// Reads "key:\tvalue" lines of /proc/self/fdinfo/<fd>.
std::map<std::string, std::string> fdinfo(int fd)
{
    std::map<std::string, std::string> fields;
    std::ifstream file("/proc/self/fdinfo/" + std::to_string(fd));
    std::string line;
    while (std::getline(file, line)) {
        auto colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        auto value = line.find_first_not_of(" \t", colon + 1);
        fields[line.substr(0, colon)] = value == std::string::npos ? "" : line.substr(value);
    }
    return fields;
}

std::uint32_t to_id(const std::map<std::string, std::string> &fields, const std::string &key)
{
    auto it = fields.find(key);
    return it == fields.end() ? 0 : static_cast<std::uint32_t>(std::stoul(it->second));
}

// Calls visit(fd) for every object of one kind (ids from get_next_id, opened by get_fd_by_id); objects that go
// away meanwhile are skipped. Throws Error naming kind when the id walk itself fails.
void for_each_object(int (*get_next_id)(__u32, __u32 *), int (*get_fd_by_id)(__u32), const char *kind,
                     const std::function<void(int fd)> &visit)
{
    for (__u32 id = 0;;) {
        if (get_next_id(id, &id) != 0) {
            int err = errno;
            if (err == ENOENT)
                return;
            throw Error(std::string("walking BPF ") + kind + " ids: " + detail::errno_text(err), err);
        }
        UniqueFd fd(get_fd_by_id(id));
        if (fd)
            visit(fd.get());
    }
}

} // namespace

std::vector<PinnedObject> list_pins(const std::string &root)
{
    namespace fs = std::filesystem;
    std::vector<PinnedObject> pins;
    std::error_code ec;
    const auto denied = [&](const std::string &path, int err) {
        return Error("reading the pins under " + root + ": " + path + ": " + detail::errno_text(err) +
                         " (a pin and its directory are readable by their owner, root, or with CAP_DAC_OVERRIDE)",
                     err);
    };
    fs::recursive_directory_iterator it(root, ec);
    if (ec == std::errc::permission_denied)
        throw denied(root, EACCES);
    if (ec)
        throw Error("reading " + root + ": " + ec.message(), ec.value());
    for (bool first = true; it != fs::recursive_directory_iterator(); first = false) {
        if (!first) {
            const std::string left = it->path().string(); // a directory the iterator may fail to enter
            it.increment(ec);
            if (ec == std::errc::permission_denied)
                throw denied(left, EACCES);
            if (ec || it == fs::recursive_directory_iterator())
                break;
        }
        // Symlinks (an added program's record of its pinpath= pins, pin_layout.hpp) are not pins themselves.
        if (it->is_symlink(ec) || !it->is_regular_file(ec))
            continue;
        UniqueFd fd(bpf_obj_get(it->path().c_str()));
        if (!fd) {
            if (errno == EACCES || errno == EPERM)
                throw denied(it->path().string(), errno);
            continue;
        }
        auto fields = fdinfo(fd.get());
        PinnedObject pin;
        pin.path = it->path().string();
        if (fields.count("link_type")) {
            pin.kind = PinnedObject::Kind::link;
            pin.id = to_id(fields, "link_id");
            pin.program_id = to_id(fields, "prog_id");
        } else if (fields.count("prog_type")) {
            pin.kind = PinnedObject::Kind::program;
            pin.id = pin.program_id = to_id(fields, "prog_id");
        } else if (fields.count("map_type")) {
            pin.kind = PinnedObject::Kind::map;
            pin.id = to_id(fields, "map_id");
        }
        pins.push_back(std::move(pin));
    }
    std::sort(pins.begin(), pins.end(), [](const PinnedObject &a, const PinnedObject &b) { return a.path < b.path; });
    return pins;
}

std::uint32_t program_id(int program_fd, const std::string &what)
{
    bpf_prog_info info{};
    __u32 length = sizeof(info);
    if (bpf_obj_get_info_by_fd(program_fd, &info, &length) != 0) {
        int err = errno;
        throw Error("reading the kernel id of " + what + ": " + detail::errno_text(err), err);
    }
    return info.id;
}

std::string program_function_name(int program_fd)
{
    // One query returns the program's info and its first func_info record (the main function), if it has any.
    bpf_func_info func{};
    bpf_prog_info info{};
    info.nr_func_info = 1;
    info.func_info_rec_size = sizeof(func);
    info.func_info = reinterpret_cast<std::uintptr_t>(&func);
    __u32 length = sizeof(info);
    if (bpf_obj_get_info_by_fd(program_fd, &info, &length) != 0) {
        int err = errno;
        throw Error("reading the info of BPF program fd " + std::to_string(program_fd) + ": " + detail::errno_text(err),
                    err);
    }
    std::string kernel_name = info.name;
    if (info.btf_id == 0 || info.nr_func_info == 0)
        return kernel_name;
    BtfPtr types(btf__load_from_kernel_by_id(info.btf_id));
    if (!types)
        return kernel_name;
    const btf_type *type = btf__type_by_id(types.get(), func.type_id);
    const char *name = type ? btf__name_by_offset(types.get(), type->name_off) : nullptr;
    return name && *name ? name : kernel_name;
}

namespace
{

// The entries of map id when it is a winbpf_verify map (empty otherwise, or when it cannot be read).
std::vector<winbpf_verification> verification_entries(std::uint32_t id)
{
    UniqueFd fd(bpf_map_get_fd_by_id(id));
    if (!fd)
        return {}; // gone since the program was listed
    bpf_map_info info{};
    __u32 length = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) != 0 || info.type != BPF_MAP_TYPE_ARRAY ||
        std::strncmp(info.name, WINBPF_MAP_VERIFICATION, sizeof(info.name)) != 0 || info.key_size != sizeof(__u32) ||
        info.value_size != sizeof(winbpf_verification))
        return {};
    std::vector<winbpf_verification> entries;
    for (__u32 key = 0; key < info.max_entries; ++key) {
        winbpf_verification value{};
        if (bpf_map_lookup_elem(fd.get(), &key, &value) != 0)
            return {};
        if (value.prog_id != 0)
            entries.push_back(value);
    }
    return entries;
}

// Fills each winbpf program's verification_ns from its winbpf_verify map: the loader binds that map after load
// (bpf_prog_bind_map), so it is the last of the program's maps. Only that one is opened (each at most once), and only
// for winbpf programs: opening a map by id takes a user reference, and dropping the last one again on a
// BPF_MAP_TYPE_PROG_ARRAY whose owner has just closed it schedules a second clear of its entries while the first is
// pending, which leaks the map in the kernel (seen on 6.18 with the tail call tests: an empty program array, held by
// nothing, never freed).
void find_verification_times(std::vector<ProgramInfo> &programs)
{
    std::map<std::uint32_t, std::vector<winbpf_verification>> maps;
    for (ProgramInfo &program : programs) {
        const bool winbpf = !program.entry.handler.empty() || program.function.starts_with("winbpf__");
        if (!winbpf || program.map_ids.empty())
            continue;
        const std::uint32_t map_id = program.map_ids.back();
        auto found = maps.find(map_id);
        if (found == maps.end())
            found = maps.emplace(map_id, verification_entries(map_id)).first;
        for (const winbpf_verification &entry : found->second)
            if (entry.prog_id == program.id)
                program.verification_ns = entry.verification_ns;
    }
}

} // namespace

std::vector<ProgramInfo> list_programs()
{
    std::map<std::uint32_t, std::size_t> links;
    for_each_object(bpf_link_get_next_id, bpf_link_get_fd_by_id, "link", [&](int fd) {
        bpf_link_info info{};
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &length) == 0 && info.prog_id != 0)
            ++links[info.prog_id];
    });

    std::map<std::uint32_t, std::size_t> pins;
    std::error_code ec;
    if (std::filesystem::is_directory("/sys/fs/bpf", ec))
        for (const PinnedObject &pin : list_pins("/sys/fs/bpf"))
            if (pin.kind == PinnedObject::Kind::program)
                ++pins[pin.id];

    std::vector<ProgramInfo> programs;
    for_each_object(bpf_prog_get_next_id, bpf_prog_get_fd_by_id, "program", [&](int fd) {
        bpf_prog_info info{};
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0)
            return;
        ProgramInfo program;
        program.id = info.id;
        program.function = program_function_name(fd);
        program.entry = parse_entry_name(program.function);
        program.jited = info.jited_prog_len > 0;
        const char *linux_type = libbpf_bpf_prog_type_str(static_cast<bpf_prog_type>(info.type));
        program.program_type = linux_type ? linux_type : "type " + std::to_string(info.type);
        if (!program.entry.handler.empty()) {
            program.type = program.entry.hook;
            program.display_name = program.entry.handler + " (" + program.entry.event + ")";
        } else {
            const char *type = libbpf_bpf_prog_type_str(static_cast<bpf_prog_type>(info.type));
            program.type = type ? type : "type " + std::to_string(info.type);
            program.display_name = program.function;
        }
        program.pins = pins[info.id];
        program.links = links[info.id];
        program.btf_id = info.btf_id;
        program.verified_insns = info.verified_insns;
        program.xlated_insns = info.xlated_prog_len / 8;
        if (info.nr_map_ids > 0) {
            program.map_ids.resize(info.nr_map_ids);
            bpf_prog_info again{};
            again.nr_map_ids = info.nr_map_ids;
            again.map_ids = reinterpret_cast<std::uintptr_t>(program.map_ids.data());
            __u32 again_length = sizeof(again);
            if (bpf_obj_get_info_by_fd(fd, &again, &again_length) != 0)
                program.map_ids.clear();
            else
                program.map_ids.resize(std::min<std::size_t>(again.nr_map_ids, program.map_ids.size()));
        }
        programs.push_back(std::move(program));
    });
    find_verification_times(programs);
    return programs;
}

std::vector<MapInfo> list_maps()
{
    std::map<std::uint32_t, std::size_t> pins;
    std::error_code ec;
    if (std::filesystem::is_directory("/sys/fs/bpf", ec))
        for (const PinnedObject &pin : list_pins("/sys/fs/bpf"))
            if (pin.kind == PinnedObject::Kind::map)
                ++pins[pin.id];
    std::vector<MapInfo> maps;
    for_each_object(bpf_map_get_next_id, bpf_map_get_fd_by_id, "map", [&](int fd) {
        bpf_map_info info{};
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0)
            return;
        MapInfo map;
        map.id = info.id;
        const char *type = libbpf_bpf_map_type_str(static_cast<bpf_map_type>(info.type));
        map.type = type ? type : "type " + std::to_string(info.type);
        map.key_size = info.key_size;
        map.value_size = info.value_size;
        map.max_entries = info.max_entries;
        map.map_flags = info.map_flags;
        map.name = info.name;
        map.pins = pins[info.id];
        map.btf_id = info.btf_id;
        map.btf_key_type_id = info.btf_key_type_id;
        map.btf_value_type_id = info.btf_value_type_id;
        maps.push_back(std::move(map));
    });
    return maps;
}

namespace
{

// Where links attach, named for a person: cgroup paths by cgroup id and BTF type names by object, each looked up once.
class LinkTargets
{
  public:
    // "cgroup /sys/fs/cgroup/unified/x" (the cgroup-v2 directory whose inode number is the cgroup id), or
    // "cgroup <id>" when no directory has it (removed, or outside this mount namespace).
    std::string cgroup(std::uint64_t cgroup_id)
    {
        if (!cgroups_) {
            cgroups_.emplace();
            try {
                const std::string root = cgroup2_mount();
                namespace fs = std::filesystem;
                std::error_code ec;
                struct stat st {
                };
                if (::stat(root.c_str(), &st) == 0)
                    cgroups_->emplace(st.st_ino, root);
                for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
                     !ec && it != end; it.increment(ec))
                    if (it->is_directory(ec) && !it->is_symlink(ec) && ::stat(it->path().c_str(), &st) == 0)
                        cgroups_->emplace(st.st_ino, it->path().string());
            } catch (const Error &) {
                // no cgroup-v2 hierarchy: ids only
            }
        }
        auto found = cgroups_->find(cgroup_id);
        return "cgroup " + (found == cgroups_->end() ? std::to_string(cgroup_id) : found->second);
    }

    // A tracing link's attach point as its section names it ("tp_btf/sched_process_exec", "lsm/bprm_check_security",
    // "fentry/do_unlinkat"), from the kernel BTF type it is attached to; the attach type's name when that type is
    // unknown.
    std::string tracing(std::uint32_t attach_type, std::uint32_t btf_object, std::uint32_t type_id)
    {
        const char *type_name = libbpf_bpf_attach_type_str(static_cast<bpf_attach_type>(attach_type));
        std::string name = type_name_of(btf_object, type_id);
        struct Prefix {
            bpf_attach_type type;
            const char *section, *strip;
        };
        for (const Prefix &p : {Prefix{BPF_TRACE_RAW_TP, "tp_btf/", "btf_trace_"},
                                Prefix{BPF_LSM_MAC, "lsm/", "bpf_lsm_"}, Prefix{BPF_TRACE_FENTRY, "fentry/", ""},
                                Prefix{BPF_TRACE_FEXIT, "fexit/", ""}, Prefix{BPF_MODIFY_RETURN, "fmod_ret/", ""}})
            if (p.type == attach_type && !name.empty())
                return p.section + (name.starts_with(p.strip) ? name.substr(std::strlen(p.strip)) : name);
        if (name.empty())
            return type_name ? type_name : "";
        return std::string(type_name ? type_name : "attach type " + std::to_string(attach_type)) + " " + name;
    }

  private:
    std::string type_name_of(std::uint32_t btf_object, std::uint32_t type_id)
    {
        if (btf_object == 0 || type_id == 0)
            return {};
        auto found = btfs_.find(btf_object);
        if (found == btfs_.end()) {
            // vmlinux's BTF is a base of its own; a module's is split over vmlinux's.
            BtfPtr types;
            const UniqueFd fd(bpf_btf_get_fd_by_id(btf_object));
            bpf_btf_info info{};
            char object_name[64] = "";
            info.name = reinterpret_cast<std::uintptr_t>(object_name);
            info.name_len = sizeof(object_name);
            __u32 length = sizeof(info);
            if (fd && bpf_obj_get_info_by_fd(fd.get(), &info, &length) == 0) {
                if (std::string_view(object_name) == "vmlinux" || !info.kernel_btf) {
                    types.reset(btf__load_from_kernel_by_id(btf_object));
                } else {
                    if (!vmlinux_)
                        vmlinux_.reset(btf__load_vmlinux_btf());
                    if (vmlinux_)
                        types.reset(btf__load_from_kernel_by_id_split(btf_object, vmlinux_.get()));
                }
            }
            found = btfs_.emplace(btf_object, std::move(types)).first;
        }
        if (!found->second)
            return {};
        const btf_type *type = btf__type_by_id(found->second.get(), type_id);
        const char *name = type ? btf__name_by_offset(found->second.get(), type->name_off) : nullptr;
        return name ? name : "";
    }

    std::optional<std::map<std::uint64_t, std::string>> cgroups_;
    std::map<std::uint32_t, BtfPtr> btfs_;
    BtfPtr vmlinux_;
};

} // namespace

std::vector<LinkInfo> list_links()
{
    std::vector<LinkInfo> links;
    LinkTargets targets;
    for_each_object(bpf_link_get_next_id, bpf_link_get_fd_by_id, "link", [&](int fd) {
        bpf_link_info info{};
        char tp_name[256] = "";
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0)
            return;
        if (info.type == BPF_LINK_TYPE_RAW_TRACEPOINT) {
            // Again, with a buffer for the tracepoint's name.
            info = bpf_link_info{};
            info.raw_tracepoint.tp_name = reinterpret_cast<std::uintptr_t>(tp_name);
            info.raw_tracepoint.tp_name_len = sizeof(tp_name);
            length = sizeof(info);
            if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0)
                return;
        }
        LinkInfo link;
        link.id = info.id;
        link.program_id = info.prog_id;
        const char *type = libbpf_bpf_link_type_str(static_cast<bpf_link_type>(info.type));
        link.type = type ? type : "type " + std::to_string(info.type);
        switch (info.type) {
        case BPF_LINK_TYPE_CGROUP:
            link.target = targets.cgroup(info.cgroup.cgroup_id);
            break;
        case BPF_LINK_TYPE_XDP:
            link.target = "ifindex " + std::to_string(info.xdp.ifindex);
            break;
        case BPF_LINK_TYPE_NETNS:
            link.target = "netns " + std::to_string(info.netns.netns_ino);
            break;
        case BPF_LINK_TYPE_RAW_TRACEPOINT: {
            // A tp_btf program (tracing) or a raw_tp one, as its section would say.
            const UniqueFd program(bpf_prog_get_fd_by_id(info.prog_id));
            bpf_prog_info program_info{};
            __u32 program_length = sizeof(program_info);
            const bool tp_btf = program && bpf_obj_get_info_by_fd(program.get(), &program_info, &program_length) == 0 &&
                                program_info.type == BPF_PROG_TYPE_TRACING;
            link.target = std::string(tp_btf ? "tp_btf/" : "raw_tp/") + tp_name;
            break;
        }
        case BPF_LINK_TYPE_TRACING:
            link.target =
                targets.tracing(info.tracing.attach_type, info.tracing.target_obj_id, info.tracing.target_btf_id);
            break;
        default:
            break;
        }
        links.push_back(std::move(link));
    });
    return links;
}

} // namespace winbpf
