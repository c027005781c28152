// SPDX-License-Identifier: MIT
#include "kernel.hpp"

#include "winbpf/inventory.hpp"
#include "winbpf/system.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <thread>
#include <unistd.h>

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

/// libbpf's section of each cgroup attach type (libbpf's section_defs, read the other way).
const char *cgroup_section(std::uint32_t attach_type)
{
    switch (static_cast<bpf_attach_type>(attach_type)) {
    case BPF_CGROUP_INET_INGRESS:
        return "cgroup_skb/ingress";
    case BPF_CGROUP_INET_EGRESS:
        return "cgroup_skb/egress";
    case BPF_CGROUP_INET_SOCK_CREATE:
        return "cgroup/sock_create";
    case BPF_CGROUP_INET_SOCK_RELEASE:
        return "cgroup/sock_release";
    case BPF_CGROUP_INET4_POST_BIND:
        return "cgroup/post_bind4";
    case BPF_CGROUP_INET6_POST_BIND:
        return "cgroup/post_bind6";
    case BPF_CGROUP_SOCK_OPS:
        return "sockops";
    case BPF_CGROUP_INET4_BIND:
        return "cgroup/bind4";
    case BPF_CGROUP_INET6_BIND:
        return "cgroup/bind6";
    case BPF_CGROUP_INET4_CONNECT:
        return "cgroup/connect4";
    case BPF_CGROUP_INET6_CONNECT:
        return "cgroup/connect6";
    case BPF_CGROUP_UDP4_SENDMSG:
        return "cgroup/sendmsg4";
    case BPF_CGROUP_UDP6_SENDMSG:
        return "cgroup/sendmsg6";
    case BPF_CGROUP_UDP4_RECVMSG:
        return "cgroup/recvmsg4";
    case BPF_CGROUP_UDP6_RECVMSG:
        return "cgroup/recvmsg6";
    case BPF_CGROUP_DEVICE:
        return "cgroup/dev";
    case BPF_CGROUP_SYSCTL:
        return "cgroup/sysctl";
    case BPF_CGROUP_GETSOCKOPT:
        return "cgroup/getsockopt";
    case BPF_CGROUP_SETSOCKOPT:
        return "cgroup/setsockopt";
    default:
        return nullptr;
    }
}

/// The hook of the program behind an open link, as program_hook() describes it; "" when the kernel refuses.
std::string link_hook(int link_fd)
{
    bpf_link_info info{};
    __u32 length = sizeof info;
    if (bpf_obj_get_info_by_fd(link_fd, &info, &length) != 0)
        return "";
    switch (info.type) {
    case BPF_LINK_TYPE_CGROUP: {
        if (const char *section = cgroup_section(info.cgroup.attach_type))
            return section;
        const char *name = libbpf_bpf_attach_type_str(static_cast<bpf_attach_type>(info.cgroup.attach_type));
        return name ? name : "cgroup attach type " + std::to_string(info.cgroup.attach_type);
    }
    case BPF_LINK_TYPE_RAW_TRACEPOINT: {
        char tp_name[256] = "";
        info = bpf_link_info{};
        info.raw_tracepoint.tp_name = reinterpret_cast<std::uintptr_t>(tp_name);
        info.raw_tracepoint.tp_name_len = sizeof tp_name;
        length = sizeof info;
        if (bpf_obj_get_info_by_fd(link_fd, &info, &length) != 0)
            return "raw_tp";
        const UniqueFd program(bpf_prog_get_fd_by_id(info.prog_id));
        bpf_prog_info program_info{};
        __u32 program_length = sizeof program_info;
        const bool tp_btf = program && bpf_obj_get_info_by_fd(program.get(), &program_info, &program_length) == 0 &&
                            program_info.type == BPF_PROG_TYPE_TRACING;
        return std::string(tp_btf ? "tp_btf/" : "raw_tp/") + tp_name;
    }
    case BPF_LINK_TYPE_XDP:
        return "xdp";
    default: {
        const char *name = libbpf_bpf_link_type_str(static_cast<bpf_link_type>(info.type));
        return name ? name : "link type " + std::to_string(info.type);
    }
    }
}

} // namespace

std::string program_hook(std::uint32_t id)
{
    for (__u32 link_id = 0; bpf_link_get_next_id(link_id, &link_id) == 0;) {
        const UniqueFd link(bpf_link_get_fd_by_id(link_id));
        bpf_link_info info{};
        __u32 length = sizeof info;
        if (link && bpf_obj_get_info_by_fd(link.get(), &info, &length) == 0 && info.prog_id == id)
            return link_hook(link.get());
    }
    const UniqueFd program(bpf_prog_get_fd_by_id(id));
    bpf_prog_info info;
    if (!program || !program_info(program.get(), info))
        return "";
    const char *type = libbpf_bpf_prog_type_str(static_cast<bpf_prog_type>(info.type));
    return type ? type : "program type " + std::to_string(info.type);
}

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
            programs_.push_back({id, program_function_name(fd.get()), program_hook(id), std::move(fd)});
    }
}

std::vector<ProgramCounters> ProgramGroup::sample() const
{
    std::vector<ProgramCounters> counters;
    for (const Program &program : programs_) {
        bpf_prog_info info;
        ProgramCounters entry{program.id, program.name, program.hook, {}};
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

std::optional<CpuTicks> read_cpu_ticks()
{
    std::ifstream stat("/proc/stat");
    std::string line;
    if (!std::getline(stat, line) || !line.starts_with("cpu "))
        return std::nullopt;
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest time is also in user/nice).
    std::istringstream fields(line.substr(4));
    CpuTicks ticks;
    std::uint64_t value = 0;
    for (int column = 0; column < 8 && fields >> value; ++column) {
        ticks.total += value;
        if (column == 7)
            ticks.steal = value;
        if (column == 3 || column == 4)
            ticks.idle += value;
    }
    return fields ? std::optional<CpuTicks>(ticks) : std::nullopt;
}

std::optional<double> steal_percent(const std::optional<CpuTicks> &before, const std::optional<CpuTicks> &after)
{
    if (!before || !after || after->total <= before->total)
        return std::nullopt;
    return 100.0 * static_cast<double>(after->steal - before->steal) /
           static_cast<double>(after->total - before->total);
}

namespace
{

/// Kills every process of the cgroup (cgroup.kill) and removes it, retrying while the killed processes exit.
bool remove_cgroup(const std::string &path)
{
    if (std::ofstream kill(path + "/cgroup.kill"); kill)
        kill << "1";
    for (int attempt = 0; attempt < 200; ++attempt) {
        if (rmdir(path.c_str()) == 0 || errno == ENOENT)
            return true;
        if (errno != EBUSY)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::fprintf(stderr, "bench: cannot remove cgroup %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
}

/// Removes <root>/<prefix>.<pid> directories whose bench process is gone (a bench killed by SIGKILL).
void remove_leftovers(const std::filesystem::path &root, const std::string &prefix)
{
    std::error_code error;
    for (const auto &entry : std::filesystem::directory_iterator(root, error)) {
        const std::string name = entry.path().filename().string();
        if (!entry.is_directory() || !name.starts_with(prefix + "."))
            continue;
        const pid_t pid = static_cast<pid_t>(std::atoi(name.c_str() + prefix.size() + 1));
        if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH)
            remove_cgroup(entry.path().string());
    }
}

} // namespace

ChildCgroup::ChildCgroup(const std::string &prefix)
{
    const std::string root = cgroup2_mount();
    remove_leftovers(root, prefix);
    path_ = root + "/" + prefix + "." + std::to_string(getpid());
    if (mkdir(path_.c_str(), 0755) != 0 && errno != EEXIST)
        throw std::system_error(errno, std::generic_category(), "mkdir " + path_);
    procs_.reset(open((path_ + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
    if (!procs_) {
        const int error = errno;
        remove_cgroup(path_);
        throw std::system_error(error, std::generic_category(), "open " + path_ + "/cgroup.procs");
    }
}

ChildCgroup::~ChildCgroup()
{
    procs_.reset();
    remove_cgroup(path_);
}

} // namespace winbpf::bench
