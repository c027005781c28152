// SPDX-License-Identifier: MIT
#include "bpf_programs.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include <cerrno>
#include <system_error>

namespace winbpf::bench
{
namespace
{

/// bpf_prog_info of an open program; false if the kernel refuses.
bool program_info(int fd, bpf_prog_info &info)
{
    info = {};
    __u32 length = sizeof info;
    return bpf_obj_get_info_by_fd(fd, &info, &length) == 0;
}

/// The program's full name from its BTF (the kernel name is cut at 15 characters), else the kernel name.
std::string full_name(int fd, const bpf_prog_info &info)
{
    if (info.btf_id == 0 || info.nr_func_info == 0)
        return info.name;
    bpf_func_info main_func{};
    bpf_prog_info func_query{};
    func_query.nr_func_info = 1;
    func_query.func_info_rec_size = sizeof main_func;
    func_query.func_info = reinterpret_cast<__u64>(&main_func);
    __u32 length = sizeof func_query;
    if (bpf_obj_get_info_by_fd(fd, &func_query, &length) != 0)
        return info.name;
    btf *types = btf__load_from_kernel_by_id(info.btf_id);
    if (!types)
        return info.name;
    std::string name = info.name;
    if (const btf_type *type = btf__type_by_id(types, main_func.type_id))
        if (const char *btf_name = btf__name_by_offset(types, type->name_off); btf_name && *btf_name)
            name = btf_name;
    btf__free(types);
    return name;
}

} // namespace

BpfStatsEnabled::BpfStatsEnabled() : fd_(bpf_enable_stats(BPF_STATS_RUN_TIME))
{
    if (!fd_)
        throw std::system_error(errno, std::generic_category(), "bpf_enable_stats(BPF_STATS_RUN_TIME)");
}

ProgramGroup::ProgramGroup(const std::set<std::uint32_t> &ids)
{
    for (const std::uint32_t id : ids) {
        UniqueFd fd(bpf_prog_get_fd_by_id(id));
        bpf_prog_info info;
        if (fd && program_info(fd.get(), info))
            programs_.push_back({id, full_name(fd.get(), info), std::move(fd)});
    }
}

std::vector<ProgramCounters> ProgramGroup::sample() const
{
    std::vector<ProgramCounters> counters;
    for (const Program &program : programs_) {
        bpf_prog_info info;
        ProgramCounters entry{program.id, program.name, {}};
        if (program_info(program.fd.get(), info))
            entry.counters = {info.run_time_ns, info.run_cnt};
        counters.push_back(std::move(entry));
    }
    return counters;
}

BpfCounters total(const std::vector<ProgramCounters> &programs)
{
    BpfCounters sum;
    for (const ProgramCounters &program : programs) {
        sum.run_time_ns += program.counters.run_time_ns;
        sum.run_count += program.counters.run_count;
    }
    return sum;
}

std::vector<ProgramCounters> growth(const std::vector<ProgramCounters> &before,
                                    const std::vector<ProgramCounters> &after)
{
    std::vector<ProgramCounters> delta = after;
    for (std::size_t i = 0; i < delta.size() && i < before.size(); ++i) {
        delta[i].counters.run_time_ns -= before[i].counters.run_time_ns;
        delta[i].counters.run_count -= before[i].counters.run_count;
    }
    return delta;
}

std::set<std::uint32_t> all_program_ids()
{
    std::set<std::uint32_t> ids;
    for (__u32 id = 0; bpf_prog_get_next_id(id, &id) == 0;)
        ids.insert(id);
    return ids;
}

std::size_t count_links()
{
    std::size_t links = 0;
    for (__u32 id = 0; bpf_link_get_next_id(id, &id) == 0;)
        ++links;
    return links;
}

} // namespace winbpf::bench
