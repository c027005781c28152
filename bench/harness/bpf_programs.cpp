// SPDX-License-Identifier: MIT
#include "bpf_programs.hpp"

#include "winbpf/inventory.hpp"

#include <bpf/bpf.h>

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
            programs_.push_back({id, program_function_name(fd.get()), std::move(fd)});
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
