// SPDX-License-Identifier: MIT
// System-wide listing of BPF programs, links and pins (data for `winbpf show programs` and tests).
#include "winbpf/inventory.hpp"

#include "internal.hpp"
#include "winbpf/error.hpp"
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
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    if (ec)
        throw Error("reading " + root + ": " + ec.message(), ec.value());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec)
            break;
        if (!it->is_regular_file(ec))
            continue;
        UniqueFd fd(bpf_obj_get(it->path().c_str()));
        if (!fd)
            continue;
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
    detail::BtfPtr types(btf__load_from_kernel_by_id(info.btf_id));
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

std::vector<LinkInfo> list_links()
{
    std::vector<LinkInfo> links;
    for_each_object(bpf_link_get_next_id, bpf_link_get_fd_by_id, "link", [&](int fd) {
        bpf_link_info info{};
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0)
            return;
        LinkInfo link;
        link.id = info.id;
        link.program_id = info.prog_id;
        const char *type = libbpf_bpf_link_type_str(static_cast<bpf_link_type>(info.type));
        link.type = type ? type : "type " + std::to_string(info.type);
        switch (info.type) {
        case BPF_LINK_TYPE_CGROUP:
            link.target = "cgroup " + std::to_string(info.cgroup.cgroup_id);
            break;
        case BPF_LINK_TYPE_XDP:
            link.target = "ifindex " + std::to_string(info.xdp.ifindex);
            break;
        case BPF_LINK_TYPE_NETNS:
            link.target = "netns " + std::to_string(info.netns.netns_ino);
            break;
        case BPF_LINK_TYPE_TRACING: {
            const char *attach = libbpf_bpf_attach_type_str(static_cast<bpf_attach_type>(info.tracing.attach_type));
            link.target = attach ? attach : "";
            break;
        }
        default:
            break;
        }
        links.push_back(std::move(link));
    });
    return links;
}

} // namespace winbpf
