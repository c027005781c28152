// SPDX-License-Identifier: MIT
// Tail calls between a hook's handlers (shim: winbpf/general_helpers.h): filling the per-event program arrays.
#include "internal.hpp"
#include "object_state.hpp"
#include "winbpf/error.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>

namespace winbpf
{

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
