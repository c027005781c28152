// SPDX-License-Identifier: MIT
// Windows-style process program (eBPF for Windows ntosebpfext hook) used by the loader tests: two handlers, each
// reporting {process id, operation, exit code} of every event through a ring buffer.
#include "bpf_helpers.h"
#include "ebpf_ntos_hooks.h"

typedef struct
{
    uint32_t handler; // 1 = LoaderTestMonitor, 2 = LoaderTestSecond
    uint32_t process_id;
    uint32_t operation;
    uint32_t exit_code;
} loader_test_event_t;

struct
{
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 256 * 1024);
} loader_test_events SEC(".maps");

static int
report(process_md_t* ctx, uint32_t handler)
{
    loader_test_event_t event;
    memset(&event, 0, sizeof(event));
    event.handler = handler;
    event.process_id = (uint32_t)ctx->process_id;
    event.operation = ctx->operation;
    event.exit_code = ctx->process_exit_code;
    bpf_ringbuf_output(&loader_test_events, &event, sizeof(event), 0);
    return 0;
}

SEC("process")
int
LoaderTestMonitor(process_md_t* ctx)
{
    return report(ctx, 1);
}

SEC("process")
int
LoaderTestSecond(process_md_t* ctx)
{
    return report(ctx, 2);
}
