// SPDX-License-Identifier: MIT
// Windows-style process program (ntosebpfext hook): denies the creation of processes whose image path equals the
// path configured in deny_config (UTF-16LE bytes), permits every other process.
#include "bpf_helpers.h"
#include "ebpf_ntos_hooks.h"

#include "process_deny.h"

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, struct deny_config);
    __uint(max_entries, 1);
} deny_config SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, struct deny_stats);
    __uint(max_entries, 1);
} deny_stats SEC(".maps");

typedef struct
{
    uint8_t path[DENY_PATH_MAX];
} image_path_buffer_t;

struct
{
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, uint32_t);
    __type(value, image_path_buffer_t);
    __uint(max_entries, 1);
} image_path_scratch SEC(".maps");

SEC("process")
int
DenyTestImage(process_md_t* ctx)
{
    uint32_t zero = 0;
    if (ctx->operation != PROCESS_OPERATION_CREATE)
        return STATUS_SUCCESS;
    struct deny_config* config = bpf_map_lookup_elem(&deny_config, &zero);
    struct deny_stats* stats = bpf_map_lookup_elem(&deny_stats, &zero);
    image_path_buffer_t* image = bpf_map_lookup_elem(&image_path_scratch, &zero);
    if (!config || !stats || !image || config->path_size == 0)
        return STATUS_SUCCESS;

    int length = bpf_process_get_image_path(ctx, image->path, sizeof(image->path));
    if (length > 0 && (uint32_t)length == config->path_size &&
        bpf_memcmp_s(image->path, length, config->path, config->path_size) == 0) {
        __sync_fetch_and_add(&stats->denied, 1);
        return STATUS_ACCESS_DENIED;
    }
    __sync_fetch_and_add(&stats->permitted, 1);
    return STATUS_SUCCESS;
}
