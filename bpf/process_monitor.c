// SPDX-License-Identifier: MIT
//
// winbpf's process monitor: a Windows `process` hook program (ntosebpfext style) compiled through the shim.
//
// Every CREATE and DELETE becomes one record in process_ringbuf (layout in process_monitor.h). Unlike the
// Windows sample, strings never wait in a bounded LRU map: a CREATE record carries the image path, command line
// and account strings itself, and a DELETE carries the strings the kernel still has at exit (image path and
// accounts; Windows gives no command line on DELETE) unless the CREATE of the same process incarnation was
// delivered (reported_processes), in which case userspace already has them. Such a DELETE also carries the argv the
// process exits with (winbpf extension winbpf_process_get_command_line): a process that never exec'd runs its
// parent's image with its parent's argv, and says so (winbpf_process_never_executed). Where the kernel has freed the
// memory at exit, userspace adds command lines of processes that were running before it attached from /proc.
// Records that do not fit in the ring buffer are counted by the shim (winbpf_lost) and reported by userspace.
#include "bpf_helpers.h"
#include "ebpf_ntos_hooks.h"

#include "process_monitor.h"

struct
{
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 16 * 1024 * 1024);
} process_ringbuf SEC(".maps");

// Per-CPU space to assemble one record. Its value is larger than Linux allows a per-CPU value (32 KiB), as Windows
// programs' scratch buffers are: winbpf's loader and shim adapt it with the same per-CPU meaning.
struct
{
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, uint32_t);
    __uint(value_size, PROCESS_MONITOR_RECORD_MAX);
    __uint(max_entries, 1);
} record_scratch SEC(".maps");

// Processes whose CREATE record (with strings) was written, direct-mapped by process_id: slot
// process_id % REPORTED_SLOTS holds {process_id, creation_time}. A slot taken over by another process only makes
// a DELETE carry its strings again (safe); array slots cost no hashing or locking on the hot path.
#define REPORTED_SLOTS 65536
typedef struct
{
    uint64_t creation_time;
    uint64_t process_id;
} reported_process_t;

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, reported_process_t);
    __uint(max_entries, REPORTED_SLOTS);
} reported_processes SEC(".maps");

process_hook_t ProcessMonitor;

// Bytes a string helper wrote, or 0 for an error or a result above limit.
static __always_inline uint32_t
string_size(int result, uint32_t limit)
{
    uint32_t size = result < 0 ? 0 : (uint32_t)result;
    if (size > limit)
        size = 0;
    barrier_var(size);
    return size;
}

SEC("process")
int
ProcessMonitor(process_md_t* ctx)
{
    uint32_t zero = 0;
    uint8_t* record = bpf_map_lookup_elem(&record_scratch, &zero);
    if (!record)
        return 0;
    struct process_monitor_event* event = (struct process_monitor_event*)record;
    uint32_t process_id = (uint32_t)ctx->process_id;
    uint32_t slot = process_id % REPORTED_SLOTS;
    reported_process_t* reported = bpf_map_lookup_elem(&reported_processes, &slot);
    int with_strings = 1;

    if (ctx->operation == PROCESS_OPERATION_DELETE && reported)
        with_strings = reported->process_id != process_id || reported->creation_time != ctx->creation_time;

    memset(event, 0, sizeof(*event));
    event->timestamp = ctx->operation == PROCESS_OPERATION_DELETE ? ctx->exit_time : winbpf_filetime_now();
    event->creation_time = ctx->creation_time;
    event->process_id = process_id;
    event->parent_process_id = (uint32_t)ctx->parent_process_id;
    event->creating_process_id = (uint32_t)ctx->creating_process_id;
    event->creating_thread_id = (uint32_t)ctx->creating_thread_id;
    event->process_exit_code = ctx->process_exit_code;
    event->operation = ctx->operation;
    if (winbpf_process_never_executed(ctx))
        event->flags |= PROCESS_MONITOR_FLAG_NEVER_EXECUTED;
    // The SID follows the fixed part: all of it is copied (a constant size is a few inline stores), only
    // token_sid_size bytes of it are kept.
    uint32_t sid_size = ctx->token_sid_size > PROCESS_MONITOR_SID_MAX ? PROCESS_MONITOR_SID_MAX : ctx->token_sid_size;
    event->token_sid_size = sid_size;
    memcpy(record + sizeof(*event), ctx->token_sid, PROCESS_MONITOR_SID_MAX);

    uint32_t size = sizeof(*event) + sid_size;
    if (with_strings) {
        event->flags |= PROCESS_MONITOR_FLAG_STRINGS;

        uint32_t n = string_size(
            bpf_process_get_account_name(ctx, record + size, PROCESS_MONITOR_ACCOUNT_MAX), PROCESS_MONITOR_ACCOUNT_MAX);
        event->account_name_size = n;
        size += n;

        n = string_size(
            bpf_process_get_account_domain(ctx, record + size, PROCESS_MONITOR_ACCOUNT_MAX),
            PROCESS_MONITOR_ACCOUNT_MAX);
        event->account_domain_size = n;
        size += n;

        n = string_size(
            bpf_process_get_image_path(ctx, record + size, PROCESS_MONITOR_IMAGE_MAX), PROCESS_MONITOR_IMAGE_MAX);
        event->image_path_size = n;
        size += n;

        // A mark of argv beyond the shim's 32 KiB goes with a command line only (a DELETE's read may give none).
        int truncated = winbpf_process_command_line_truncated(ctx);
        if (ctx->operation == PROCESS_OPERATION_DELETE) {
            // No command line in the context at exit: the argv the process exits with, read whole, then cut.
            uint64_t command = string_size(
                winbpf_process_get_command_line(ctx, record + size, PROCESS_MONITOR_COMMAND_MAX + 2),
                PROCESS_MONITOR_COMMAND_MAX + 2);
            if (command > 0 && truncated)
                event->flags |= PROCESS_MONITOR_FLAG_COMMAND_TRUNCATED;
            if (command > PROCESS_MONITOR_COMMAND_MAX) {
                command = PROCESS_MONITOR_COMMAND_MAX;
                event->flags |= PROCESS_MONITOR_FLAG_COMMAND_TRUNCATED;
            }
            event->command_line_size = command;
            size += command;
        } else {
            if (truncated)
                event->flags |= PROCESS_MONITOR_FLAG_COMMAND_TRUNCATED;
            uint64_t command = ctx->command_end - ctx->command_start;
            if (command > PROCESS_MONITOR_COMMAND_MAX) {
                command = PROCESS_MONITOR_COMMAND_MAX;
                event->flags |= PROCESS_MONITOR_FLAG_COMMAND_TRUNCATED;
            }
            if (memcpy_s(record + size, PROCESS_MONITOR_COMMAND_MAX, ctx->command_start, command) == 0) {
                event->command_line_size = command;
                size += command;
            }
        }
    }

    if (size > PROCESS_MONITOR_RECORD_MAX)
        return 0;
    if (bpf_ringbuf_output(&process_ringbuf, record, size, 0) == 0 && ctx->operation == PROCESS_OPERATION_CREATE &&
        reported) {
        reported->process_id = process_id;
        reported->creation_time = ctx->creation_time;
    }
    return 0;
}
