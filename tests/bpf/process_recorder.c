// SPDX-License-Identifier: MIT
// Windows-style process program (ntosebpfext hook) of the process-hook tests: every event of a watched process
// becomes one process_record (all process_md_t fields, the command line and the three helper strings with their
// return codes) in recorder_events.
#include "bpf_helpers.h"
#include "ebpf_ntos_hooks.h"

#include "process_record.h"

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, struct recorder_config);
    __uint(max_entries, 1);
} recorder_config SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, uint32_t);
    __type(value, struct process_record);
    __uint(max_entries, 1);
} record_scratch SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4 * 1024 * 1024);
} recorder_events SEC(".maps");

static __always_inline int
is_watched(process_md_t* ctx)
{
    uint32_t zero = 0;
    struct recorder_config* config = bpf_map_lookup_elem(&recorder_config, &zero);
    return config && config->watch_parent != 0 && ctx->parent_process_id == config->watch_parent;
}

SEC("process")
int
ProcessRecorder(process_md_t* ctx)
{
    uint32_t zero = 0;
    if (!is_watched(ctx))
        return 0;
    struct process_record* record = bpf_map_lookup_elem(&record_scratch, &zero);
    if (!record)
        return 0;
    memset(record, 0, sizeof(*record));

    record->command_size = ctx->command_end - ctx->command_start;
    record->process_id = ctx->process_id;
    record->parent_process_id = ctx->parent_process_id;
    record->creating_process_id = ctx->creating_process_id;
    record->creating_thread_id = ctx->creating_thread_id;
    record->creation_time = ctx->creation_time;
    record->exit_time = ctx->exit_time;
    record->process_exit_code = ctx->process_exit_code;
    record->operation = ctx->operation;
    record->token_sid_size = ctx->token_sid_size;
    memcpy(record->token_sid, ctx->token_sid, sizeof(record->token_sid));

    uint64_t copy = record->command_size;
    if (copy > sizeof(record->command_line))
        copy = sizeof(record->command_line);
    record->command_result = memcpy_s(record->command_line, sizeof(record->command_line), ctx->command_start, copy);
    record->command_copied = record->command_result == 0 ? copy : 0;
    record->command_truncated = winbpf_process_command_line_truncated(ctx);

    record->image_path_result = bpf_process_get_image_path(ctx, record->image_path, sizeof(record->image_path));
    record->account_name_result =
        bpf_process_get_account_name(ctx, record->account_name, sizeof(record->account_name));
    record->account_domain_result =
        bpf_process_get_account_domain(ctx, record->account_domain, sizeof(record->account_domain));

    bpf_ringbuf_output(&recorder_events, record, sizeof(*record), 0);
    return 0;
}
