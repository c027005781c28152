// SPDX-License-Identifier: MIT
// Text form of BPF instructions, in the notation of the kernel verifier's log and `bpftool prog dump xlated`.
#pragma once

#include <linux/bpf.h>

#include <cstddef>
#include <span>
#include <string>

namespace winbpf::cli
{

/// The instruction at insns[0] (a 64-bit immediate load also reads insns[1]); slots is set to the number of
/// 8-byte slots it takes (1 or 2). Helper calls are named ("call bpf_map_lookup_elem#1"), maps in immediate loads
/// by kernel id as the kernel dumps them ("map[id:12]").
std::string disassemble(std::span<const bpf_insn> insns, std::size_t &slots);

} // namespace winbpf::cli
