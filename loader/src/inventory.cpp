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

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

namespace winbpf
{

namespace
{

using BtfPtr = std::unique_ptr<btf, decltype(&btf__free)>;

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

// Full function name of a program from its BTF func_info (the kernel keeps only 15 characters of the name).
std::string function_name(int fd, const bpf_prog_info &info, std::map<std::uint32_t, BtfPtr> &btfs)
{
    std::string fallback = info.name;
    if (info.btf_id == 0 || info.nr_func_info == 0)
        return fallback;
    bpf_func_info func{};
    bpf_prog_info query{};
    query.nr_func_info = 1;
    query.func_info_rec_size = sizeof(func);
    query.func_info = reinterpret_cast<std::uintptr_t>(&func);
    __u32 length = sizeof(query);
    if (bpf_obj_get_info_by_fd(fd, &query, &length) != 0)
        return fallback;
    auto it = btfs.find(info.btf_id);
    if (it == btfs.end())
        it = btfs.emplace(info.btf_id, BtfPtr(btf__load_from_kernel_by_id(info.btf_id), &btf__free)).first;
    if (!it->second)
        return fallback;
    const btf_type *type = btf__type_by_id(it->second.get(), func.type_id);
    const char *name = type ? btf__name_by_offset(it->second.get(), type->name_off) : nullptr;
    return name && *name ? name : fallback;
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

std::vector<ProgramInfo> list_programs()
{
    std::map<std::uint32_t, std::size_t> links;
    for (__u32 id = 0;;) {
        if (bpf_link_get_next_id(id, &id) != 0) {
            if (errno == ENOENT)
                break;
            int err = errno;
            throw Error("walking BPF link ids: " + detail::errno_text(err), err);
        }
        UniqueFd fd(bpf_link_get_fd_by_id(id));
        if (!fd)
            continue; // gone meanwhile
        bpf_link_info info{};
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) == 0 && info.prog_id != 0)
            ++links[info.prog_id];
    }

    std::map<std::uint32_t, std::size_t> pins;
    std::error_code ec;
    if (std::filesystem::is_directory("/sys/fs/bpf", ec))
        for (const PinnedObject &pin : list_pins("/sys/fs/bpf"))
            if (pin.kind == PinnedObject::Kind::program)
                ++pins[pin.id];

    std::map<std::uint32_t, BtfPtr> btfs;
    std::vector<ProgramInfo> programs;
    for (__u32 id = 0;;) {
        if (bpf_prog_get_next_id(id, &id) != 0) {
            if (errno == ENOENT)
                break;
            int err = errno;
            throw Error("walking BPF program ids: " + detail::errno_text(err), err);
        }
        UniqueFd fd(bpf_prog_get_fd_by_id(id));
        if (!fd)
            continue;
        bpf_prog_info info{};
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) != 0)
            continue;
        ProgramInfo program;
        program.id = info.id;
        program.function = function_name(fd.get(), info, btfs);
        program.entry = parse_entry_name(program.function);
        program.jited = info.jited_prog_len > 0;
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
        programs.push_back(std::move(program));
    }
    return programs;
}

} // namespace winbpf
