// SPDX-License-Identifier: MIT
// Functions of a program that are not programs themselves (subprograms), as eBPF for Windows verifies them: in the
// context of each program that calls them. winbpf-glue gives the global ones static linkage in the object's BTF and
// tags them (shim/glue/functions.cpp), so the kernel verifies them with their callers instead of alone (where pointer
// arguments, the context or a map value, are maybe-NULL memory); the loader reports the ones a program calls.
#include "internal.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <string_view>

namespace winbpf::detail
{
namespace
{

/// Names of the functions the loaded programs of object are made of besides their main function (the subprograms
/// the kernel verified with them): their func_info records, whose BTF ids are the object's.
std::set<std::string> called_functions(bpf_object *object)
{
    std::set<std::string> names;
    const btf *types = bpf_object__btf(object);
    bpf_program *program;
    bpf_object__for_each_program(program, object)
    {
        const int fd = bpf_program__fd(program);
        bpf_prog_info info{};
        __u32 size = sizeof(info);
        if (!types || fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &size) != 0 || info.nr_func_info < 2 ||
            info.func_info_rec_size < sizeof(bpf_func_info))
            continue;
        const __u32 count = info.nr_func_info, record = info.func_info_rec_size;
        std::vector<unsigned char> records(static_cast<std::size_t>(count) * record);
        info = {};
        info.nr_func_info = count;
        info.func_info_rec_size = record;
        info.func_info = reinterpret_cast<std::uintptr_t>(records.data());
        size = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &size) != 0)
            continue;
        for (__u32 i = 1; i < count; ++i) { // record 0: the program itself
            bpf_func_info func{};
            std::memcpy(&func, records.data() + static_cast<std::size_t>(i) * record, sizeof(func));
            if (const btf_type *type = btf__type_by_id(types, func.type_id); type && btf_is_func(type))
                names.insert(btf__name_by_offset(types, type->name_off));
        }
    }
    return names;
}

} // namespace

std::vector<std::string> functions_given_static_linkage(bpf_object *object)
{
    std::vector<std::string> names;
    const btf *types = bpf_object__btf(object);
    if (!types)
        return names;
    for (__u32 id = 1; id < btf__type_cnt(types); ++id) {
        const btf_type *tag = btf__type_by_id(types, id);
        if (!btf_is_decl_tag(tag) || btf_decl_tag(tag)->component_idx != -1 ||
            std::string_view(btf__name_by_offset(types, tag->name_off)) != WINBPF_VERIFIED_WITH_CALLER_TAG)
            continue;
        if (const btf_type *function = btf__type_by_id(types, tag->type); function && btf_is_func(function))
            names.emplace_back(btf__name_by_offset(types, function->name_off));
    }
    return names;
}

std::vector<std::string> functions_verified_with_callers(bpf_object *object, const std::vector<std::string> &functions)
{
    const std::set<std::string> called = called_functions(object);
    std::vector<std::string> sentences;
    for (const std::string &name : functions)
        if (called.contains(name))
            sentences.push_back("function '" + name +
                                "': a global function verified as part of each program that calls it (winbpf-glue "
                                "gave it static linkage in the object's BTF), as eBPF for Windows verifies it; Linux "
                                "would verify it alone, its pointer arguments maybe NULL");
    return sentences;
}

} // namespace winbpf::detail
