// SPDX-License-Identifier: MIT
#include "disassembler.hpp"

#include <array>
#include <string_view>

namespace winbpf::cli
{

namespace
{

#define WINBPF_HELPER_NAME(name) "bpf_" #name
constexpr std::array helper_names{__BPF_FUNC_MAPPER(WINBPF_HELPER_NAME)};
#undef WINBPF_HELPER_NAME

std::string reg(int r, bool wide = true)
{
    return (wide ? "r" : "w") + std::to_string(r);
}

std::string offset(int off)
{
    return off < 0 ? " - " + std::to_string(-off) : " + " + std::to_string(off);
}

std::string size_name(int code)
{
    switch (BPF_SIZE(code)) {
    case BPF_W:
        return "u32";
    case BPF_H:
        return "u16";
    case BPF_B:
        return "u8";
    default:
        return "u64";
    }
}

std::string_view alu_op(int op)
{
    switch (op) {
    case BPF_ADD:
        return "+=";
    case BPF_SUB:
        return "-=";
    case BPF_MUL:
        return "*=";
    case BPF_DIV:
        return "/=";
    case BPF_OR:
        return "|=";
    case BPF_AND:
        return "&=";
    case BPF_LSH:
        return "<<=";
    case BPF_RSH:
        return ">>=";
    case BPF_MOD:
        return "%=";
    case BPF_XOR:
        return "^=";
    case BPF_MOV:
        return "=";
    case BPF_ARSH:
        return "s>>=";
    default:
        return "?=";
    }
}

std::string_view jump_op(int op)
{
    switch (op) {
    case BPF_JEQ:
        return "==";
    case BPF_JGT:
        return ">";
    case BPF_JGE:
        return ">=";
    case BPF_JSET:
        return "&";
    case BPF_JNE:
        return "!=";
    case BPF_JSGT:
        return "s>";
    case BPF_JSGE:
        return "s>=";
    case BPF_JLT:
        return "<";
    case BPF_JLE:
        return "<=";
    case BPF_JSLT:
        return "s<";
    case BPF_JSLE:
        return "s<=";
    default:
        return "?";
    }
}

std::string pc(int off)
{
    return off < 0 ? "pc" + std::to_string(off) : "pc+" + std::to_string(off);
}

std::string atomic(const bpf_insn &insn)
{
    const std::string at = "*(" + size_name(insn.code) + " *)(" + reg(insn.dst_reg) + offset(insn.off) + ")";
    const bool wide = BPF_SIZE(insn.code) == BPF_DW;
    switch (insn.imm) {
    case BPF_XCHG:
        return reg(insn.src_reg, wide) + " = atomic_xchg(" + at + ", " + reg(insn.src_reg, wide) + ")";
    case BPF_CMPXCHG:
        return "r0 = atomic_cmpxchg(" + at + ", r0, " + reg(insn.src_reg, wide) + ")";
    default:
        break;
    }
    const bool fetch = insn.imm & BPF_FETCH;
    const std::string op(alu_op(insn.imm & ~BPF_FETCH));
    if (fetch)
        return reg(insn.src_reg, wide) + " = atomic_fetch(" + at + " " + op + " " + reg(insn.src_reg, wide) + ")";
    return "lock " + at + " " + op + " " + reg(insn.src_reg, wide);
}

} // namespace

std::string disassemble(std::span<const bpf_insn> insns, std::size_t &slots)
{
    slots = 1;
    if (insns.empty())
        return "";
    const bpf_insn &insn = insns[0];
    const int cls = BPF_CLASS(insn.code), op = BPF_OP(insn.code);
    const bool x = BPF_SRC(insn.code) == BPF_X;
    switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
        const bool wide = cls == BPF_ALU64;
        if (op == BPF_NEG)
            return reg(insn.dst_reg, wide) + " = -" + reg(insn.dst_reg, wide);
        if (op == BPF_END) {
            const std::string kind = cls == BPF_ALU64 ? "bswap" : (x ? "be" : "le");
            return reg(insn.dst_reg) + " = " + kind + std::to_string(insn.imm) + " " + reg(insn.dst_reg);
        }
        std::string sign = (op == BPF_DIV || op == BPF_MOD) && insn.off == 1 ? "s" : "";
        std::string source = x ? reg(insn.src_reg, wide) : std::to_string(insn.imm);
        if (op == BPF_MOV && x && insn.off != 0)
            source = "(s" + std::to_string(insn.off) + ")" + source;
        return reg(insn.dst_reg, wide) + " " + sign + std::string(alu_op(op)) + " " + source;
    }
    case BPF_JMP:
    case BPF_JMP32: {
        if (op == BPF_EXIT)
            return "exit";
        if (op == BPF_CALL) {
            if (insn.src_reg == BPF_PSEUDO_CALL)
                return "call " + pc(insn.imm);
            if (insn.src_reg == BPF_PSEUDO_KFUNC_CALL)
                return "call kfunc#" + std::to_string(insn.imm);
            if (insn.imm >= 0 && static_cast<std::size_t>(insn.imm) < helper_names.size())
                return "call " + std::string(helper_names[insn.imm]) + "#" + std::to_string(insn.imm);
            return "call #" + std::to_string(insn.imm);
        }
        if (op == BPF_JA)
            return "goto " + pc(cls == BPF_JMP32 ? insn.imm : insn.off);
        const bool wide = cls == BPF_JMP;
        return "if " + reg(insn.dst_reg, wide) + " " + std::string(jump_op(op)) + " " +
               (x ? reg(insn.src_reg, wide) : std::to_string(insn.imm)) + " goto " + pc(insn.off);
    }
    case BPF_LDX: {
        const std::string size = BPF_MODE(insn.code) == 0x80 ? "s" + size_name(insn.code).substr(1) // BPF_MEMSX
                                                             : size_name(insn.code);
        return reg(insn.dst_reg) + " = *(" + size + " *)(" + reg(insn.src_reg) + offset(insn.off) + ")";
    }
    case BPF_ST:
        return "*(" + size_name(insn.code) + " *)(" + reg(insn.dst_reg) + offset(insn.off) +
               ") = " + std::to_string(insn.imm);
    case BPF_STX:
        if (BPF_MODE(insn.code) == BPF_ATOMIC)
            return atomic(insn);
        return "*(" + size_name(insn.code) + " *)(" + reg(insn.dst_reg) + offset(insn.off) + ") = " + reg(insn.src_reg);
    case BPF_LD:
        if (insn.code == (BPF_LD | BPF_IMM | BPF_DW) && insns.size() >= 2) {
            slots = 2;
            const std::uint64_t imm = static_cast<std::uint32_t>(insn.imm) |
                                      (static_cast<std::uint64_t>(static_cast<std::uint32_t>(insns[1].imm)) << 32);
            switch (insn.src_reg) {
            case BPF_PSEUDO_MAP_FD:
            case BPF_PSEUDO_MAP_IDX:
                return reg(insn.dst_reg) + " = map[id:" + std::to_string(insn.imm) + "]";
            case BPF_PSEUDO_MAP_VALUE:
            case BPF_PSEUDO_MAP_IDX_VALUE:
                return reg(insn.dst_reg) + " = map[id:" + std::to_string(insn.imm) + "][0]+" +
                       std::to_string(insns[1].imm);
            case BPF_PSEUDO_BTF_ID:
                return reg(insn.dst_reg) + " = ksym[btf_id:" + std::to_string(insn.imm) + "]";
            case BPF_PSEUDO_FUNC:
                return reg(insn.dst_reg) + " = subprog[" + pc(insn.imm) + "]";
            default:
                return reg(insn.dst_reg) + " = " + std::to_string(imm) + " ll";
            }
        }
        return "ld_abs/ind code " + std::to_string(insn.code);
    default:
        return "unknown code " + std::to_string(insn.code);
    }
}

} // namespace winbpf::cli
