/* SPDX-License-Identifier: MIT */
/* Slots of tail_call_bind.c's tail_state map (uint64_t values), shared with its test. */
#pragma once

enum tail_state_slot {
    TAIL_TARGET = 0,       /* tgid whose sockets the handlers act on (test) */
    TAIL_DENY_PORT = 1,    /* port (host order) TailSecond denies at BIND when tail-called (test) */
    TAIL_FIRST_RUNS = 2,   /* TailFirst runs */
    TAIL_FALLTHROUGH = 3,  /* TailFirst went on after bpf_tail_call (empty slot) */
    TAIL_SECOND_BIND = 4,  /* TailSecond tail-called at BIND */
    TAIL_SECOND_POST = 5,  /* ... at POST_BIND */
    TAIL_SECOND_UNBIND = 6, /* ... at UNBIND */
    TAIL_STATE_SLOTS = 7,
};
