// SPDX-License-Identifier: MIT
// The workloads winbpf_bench runs: one file each (exec.cpp, bind.cpp, drop.cpp, connections.cpp, connect.cpp) plus
// its generator program.
#pragma once

#include "workload.hpp"

#include <memory>

namespace winbpf::bench
{

/// fork + execve("/bin/true") + waitpid (exec_generator), bare, with process_monitor and with execsnoop.
std::unique_ptr<Workload> make_exec_workload();
/// socket + bind(127.0.0.1:0) + close in a cgroup of the bench's own (bind_generator), bare and with bind_monitor.
std::unique_ptr<Workload> make_bind_workload();
/// UDP datagrams to a closed port on 127.0.0.1, dropped by the kernel (datagram_generator), bare and with
/// netevent_monitor --capture drop.
std::unique_ptr<Workload> make_drop_workload();
/// loopback TCP connect + accept + close in a cgroup of the bench's own (connection_generator), bare and with
/// connection_monitor.
std::unique_ptr<Workload> make_connections_workload();
/// loopback TCP connect + accept + close in a cgroup of the bench's own (connection_generator), bare, with a
/// Windows-style cgroup/connect4 + recv_accept4 pair keeping an audit map (through winbpf), with the same work
/// hand-written (connect_reference) and with the hooks' floor.
std::unique_ptr<Workload> make_connect_workload();

} // namespace winbpf::bench
