// SPDX-License-Identifier: MIT
// A Windows-style program with a typo in its section name: Makefile.bpf must refuse it, naming the section.
// Not built by CMake; tests/hooks/process runs Makefile.bpf on it and checks the message.
#include "bpf_helpers.h"
#include "ebpf_ntos_hooks.h"

SEC("process")
int
TypoGoodHandler(process_md_t* ctx)
{
    return 0;
}

SEC("proces")
int
TypoBadHandler(process_md_t* ctx)
{
    return 0;
}
