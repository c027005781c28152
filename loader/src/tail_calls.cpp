// SPDX-License-Identifier: MIT
// Tail calls between a hook's handlers (shim: winbpf/general_helpers.h): filling the per-event program arrays.
#include "internal.hpp"
#include "object_state.hpp"
#include "winbpf/error.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <map>
#include <string_view>

namespace winbpf
{

namespace detail
{

std::vector<TailSlot> initialised_tail_slots(bpf_object *object, const std::string &object_name,
                                             const std::vector<HookProgram> &hooks)
{
    std::map<__u32, int> entries; // program id -> fd of each loaded entry program
    for (const HookProgram &hook : hooks)
        for (bpf_program *entry : hook.entries) {
            bpf_prog_info info{};
            __u32 size = sizeof(info);
            const int fd = bpf_program__fd(entry);
            if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &size) == 0)
                entries[info.id] = fd;
        }
    std::vector<TailSlot> slots;
    bpf_map *map;
    bpf_object__for_each_map(map, object)
    {
        const std::string_view name = bpf_map__name(map);
        if (bpf_map__type(map) != BPF_MAP_TYPE_PROG_ARRAY || name.starts_with(WINBPF_TAIL_MAP_PREFIX))
            continue;
        for (__u32 index = 0; index < bpf_map__max_entries(map) && index < WINBPF_TAIL_SLOTS; ++index) {
            __u32 id = 0;
            if (bpf_map_lookup_elem(bpf_map__fd(map), &index, &id) != 0) {
                const int err = errno;
                if (err == ENOENT)
                    continue; // an empty slot
                throw Error(object_name + ": cannot read slot " + std::to_string(index) + " of map '" +
                                std::string(name) + "': " + errno_text(err),
                            err);
            }
            if (const auto entry = entries.find(id); entry != entries.end())
                slots.push_back({std::string(name), index, entry->second});
        }
    }
    return slots;
}

} // namespace detail

void Object::set_tail_call(std::string_view prog_array, std::uint32_t index, int program_fd)
{
    const State &s = *state_;
    if (!s.loaded)
        throw Error(s.name + ": set_tail_call needs the object loaded (call load() first)", EINVAL);
    bpf_map *own = map(prog_array);
    const std::string own_name(prog_array);
    if (bpf_map__type(own) != BPF_MAP_TYPE_PROG_ARRAY)
        throw Error(s.name + ": map '" + own_name + "' is not a BPF_MAP_TYPE_PROG_ARRAY", EINVAL);
    if (index >= WINBPF_TAIL_SLOTS || index >= bpf_map__max_entries(own))
        throw Error(s.name + ": index " + std::to_string(index) + " is beyond map '" + own_name + "' (" +
                        std::to_string(bpf_map__max_entries(own)) + " entries) or winbpf's " +
                        std::to_string(WINBPF_TAIL_SLOTS) + " tail call slots",
                    E2BIG);
    const HookProgram *target = nullptr;
    for (const HookProgram &hook : s.hooks)
        for (bpf_program *entry : hook.entries)
            if (bpf_program__fd(entry) == program_fd)
                target = &hook;
    if (!target)
        throw Error(s.name + ": program fd " + std::to_string(program_fd) +
                        " is not an entry program of this object's handlers",
                    EINVAL);

    auto put = [&](bpf_map *array, const std::string &array_name, int fd) {
        if (bpf_map_update_elem(bpf_map__fd(array), &index, &fd, BPF_ANY) != 0) {
            int err = errno;
            throw Error(s.name + ": cannot put handler " + target->handler + " at index " + std::to_string(index) +
                            " of map '" + array_name + "': " + detail::errno_text(err),
                        err);
        }
    };
    bool any = false;
    for (bpf_program *entry : target->entries) {
        if (!bpf_program__autoload(entry))
            continue;
        const std::string array_name =
            WINBPF_TAIL_MAP_PREFIX + target->hook + "_" + parse_entry_name(bpf_program__name(entry)).event;
        if (bpf_map *array = bpf_object__find_map_by_name(s.object, array_name.c_str())) {
            put(array, array_name, bpf_program__fd(entry));
            any = true;
        }
    }
    if (!any)
        throw Error(s.name + ": handler " + target->handler + " cannot be tail-called: the " + target->hook +
                        " hook has no tail call arrays on Linux",
                    EOPNOTSUPP);
    put(own, own_name, program_fd);
}

} // namespace winbpf
