/* SPDX-License-Identifier: MIT */
/*
 * <stddef.h> for BPF programs compiled through winbpf: size_t, ptrdiff_t and wchar_t come from vmlinux.h (clang's
 * own stddef.h would redefine wchar_t with another type).
 */
#pragma once

#include "vmlinux.h"

#ifndef NULL
#define NULL ((void *)0)
#endif
#ifndef offsetof
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif
