/* SPDX-License-Identifier: MIT */
/*
 * SEC() for Windows-style programs, compiled in two passes by Makefile.bpf.
 *
 * Pass 1 (WINBPF_PASS == 1): every SEC(name) places its symbol in section "name?winbpf_sec=N", where N is the
 * __COUNTER__ value of that SEC use. winbpf-glue reads the pass-1 object to learn which functions are Windows hook
 * handlers (section prefix process, bind, netevent_monitor, xdp) and which counter value each SEC had.
 *
 * Pass 2 (WINBPF_PASS == 2): the generated glue file defines WINBPF_HOOK_SEC_<N> for every hook handler, then
 * includes the user's source. SEC uses marked that way make the handler an always-inline function in .text
 * (it becomes part of the Linux entry programs of its hook). SEC("maps") uses the glue marked with
 * WINBPF_LEGACY_MAP_SEC_<N> (Windows' legacy struct bpf_map_def maps) go to ".maps", where `winbpf-glue --legacy-maps`
 * turns their BTF into BTF map definitions after pass 2; the ones the glue also marked WINBPF_LEGACY_SPREAD_SEC_<N> (a
 * PERCPU_ARRAY winbpf spreads, winbpf/map_helpers.h) are declared volatile, which selects their spread access at
 * compile time. Every other SEC is the usual section attribute.
 *
 * Without WINBPF_PASS, SEC is libbpf's.
 */
#pragma once

#define WINBPF_STR_(x) #x
#define WINBPF_STR(x) WINBPF_STR_(x)

#if defined(WINBPF_PASS) && WINBPF_PASS == 1
#undef SEC
#define SEC(name) __attribute__((section(name "?winbpf_sec=" WINBPF_STR(__COUNTER__)), used))
#elif defined(WINBPF_PASS) && WINBPF_PASS == 2
/* IS_ONE(x): 1 when the macro x is defined as 1, else 0 (the kernel's IS_ENABLED technique). */
#define WINBPF_PLACEHOLDER_1 0,
#define WINBPF_SECOND_ARG(ignored, val, ...) val
#define WINBPF_IS_ONE___(arg_or_junk) WINBPF_SECOND_ARG(arg_or_junk 1, 0)
#define WINBPF_IS_ONE__(val) WINBPF_IS_ONE___(WINBPF_PLACEHOLDER_##val)
#define WINBPF_IS_ONE_(x) WINBPF_IS_ONE__(x)
#define WINBPF_IS_HOOK(n) WINBPF_IS_ONE_(WINBPF_HOOK_SEC_##n)
#define WINBPF_STRIP(...) __VA_ARGS__
#define WINBPF_IF_1(then_, else_) WINBPF_STRIP then_
#define WINBPF_IF_0(then_, else_) WINBPF_STRIP else_
#define WINBPF_IF_(c, then_, else_) WINBPF_IF_##c(then_, else_)
#define WINBPF_IF(c, then_, else_) WINBPF_IF_(c, then_, else_)
#define WINBPF_IS_LEGACY_MAP(n) WINBPF_IS_ONE_(WINBPF_LEGACY_MAP_SEC_##n)
#define WINBPF_IS_LEGACY_SPREAD(n) WINBPF_IS_ONE_(WINBPF_LEGACY_SPREAD_SEC_##n)
#define WINBPF_LEGACY_MAP_ATTRS(n)                                                                                     \
    __attribute__((section(".maps"), used)) WINBPF_IF(WINBPF_IS_LEGACY_SPREAD(n), (volatile), ())
#define WINBPF_SEC_PICK_(n, name)                                                                                      \
    WINBPF_IF(                                                                                                         \
        WINBPF_IS_HOOK(n), (__attribute__((always_inline))),                                                           \
        (WINBPF_IF(WINBPF_IS_LEGACY_MAP(n), (WINBPF_LEGACY_MAP_ATTRS(n)), (__attribute__((section(name), used))))))
#define WINBPF_SEC_PICK(n, name) WINBPF_SEC_PICK_(n, name)
#undef SEC
#define SEC(name) WINBPF_SEC_PICK(__COUNTER__, name)
#endif
