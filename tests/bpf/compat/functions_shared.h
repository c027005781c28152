/* SPDX-License-Identifier: MIT */
/* Slots of the uint64_t maps of functions_bind.c and tail_call_chain.c, shared with their tests. */
#pragma once

enum functions_slot {
    FN_TARGET = 0,     /* tgid whose binds the handlers act on (test) */
    FN_DENY_PORT = 1,  /* port (host order) the optnone handler denies (test) */
    FN_PORT = 2,       /* port of the last BIND, written by a noinline function given the context */
    FN_VALUE_ADDS = 3, /* incremented by 5 per BIND by a non-static function given a map value */
    FN_INLINE = 4,     /* what the C99 inline function returned for the last BIND: port + process id */
    FN_OPTNONE = 5,    /* BINDs the optnone handler saw */
    FN_SLOTS = 6,
};

#define CHAIN_CALLEES 35    /* callees of tail_call_chain.c, MAX_TAIL_CALL_CNT + 2 */
#define CHAIN_EMPTY_SLOT 40 /* a slot of chain_programs no handler is put in */

enum chain_slot {
    CHAIN_TARGET = 0,        /* tgid whose binds start the chain (test) */
    CHAIN_EMPTY_RETURN = 1,  /* bpf_tail_call's return for the empty slot, as a uint64_t */
    CHAIN_FAILED_AT = 2,     /* 1 + the callee whose call failed (0: none) */
    CHAIN_FAILED_RETURN = 3, /* its bpf_tail_call's return, as a uint64_t */
    CHAIN_REACHED = 4,       /* callees reached by tail calls */
    CHAIN_SLOTS = 5,
};
