// SPDX-License-Identifier: MIT
// winbpf_bench: every workload of bench/ (exec, bind, drop, connections, connect), bare and with each tool,
// interleaved; see bench/README.md.
#include "runner.hpp"
#include "workloads.hpp"

int main(int argc, char **argv)
{
    const auto exec = winbpf::bench::make_exec_workload();
    const auto bind = winbpf::bench::make_bind_workload();
    const auto drop = winbpf::bench::make_drop_workload();
    const auto connections = winbpf::bench::make_connections_workload();
    const auto connect = winbpf::bench::make_connect_workload();
    winbpf::bench::Workload *const workloads[] = {exec.get(), bind.get(), drop.get(), connections.get(), connect.get()};
    return winbpf::bench::bench_main(argc, argv, workloads);
}
