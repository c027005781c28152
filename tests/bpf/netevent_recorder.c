// SPDX-License-Identifier: MIT
// Windows-style netevent_monitor program of the netevent-hook tests, newer spelling (data_meta, data, data_end):
// copies every event buffer it sees into a ring buffer (netevent_record).
#include "bpf_helpers.h"
#include "ebpf_netevent_hooks.h"

#include "netevent_record_maps.h"

SEC("netevent_monitor")
int
NeteventRecorder(netevent_event_md_t* ctx)
{
    uint32_t zero = 0;
    struct netevent_record* record = bpf_map_lookup_elem(&record_scratch, &zero);
    if (!record)
        return 0;
    uint64_t size = ctx->data_end - ctx->data_meta;
    if (size > NETEVENT_RECORD_BYTES_MAX)
        size = NETEVENT_RECORD_BYTES_MAX;
    barrier_var(size);
    record->size = (uint32_t)size;
    record->header_size = (uint32_t)(ctx->data - ctx->data_meta);
    record->payload_size = (uint32_t)(ctx->data_end - ctx->data);
    record->reserved = 0;
    if (size)
        memcpy(record->bytes, ctx->data_meta, size);
    bpf_ringbuf_output(&netevent_records, record, sizeof(*record), 0);
    return 0;
}
