/* SPDX-License-Identifier: MIT */
/* <stdbool.h> for BPF programs compiled through winbpf: vmlinux.h already defines bool, true and false. */
#pragma once

#include "vmlinux.h"

#define __bool_true_false_are_defined 1
