// SPDX-License-Identifier: MIT
// Windows-style netevent_monitor program in the older spelling (event_data_start, event_data_end: the whole event):
// copies every event buffer it sees into a ring buffer (netevent_record; header_size and payload_size stay 0).
#include "bpf_helpers.h"
#include "ebpf_netevent_hooks.h"

#include "netevent_record_maps.h"

SEC("netevent_monitor")
int
NeteventLegacy(netevent_event_md_t* ctx)
{
    uint32_t zero = 0;
    struct netevent_record* record = bpf_map_lookup_elem(&record_scratch, &zero);
    if (!record)
        return 0;
    uint64_t size = ctx->event_data_end - ctx->event_data_start;
    if (size > NETEVENT_RECORD_BYTES_MAX)
        size = NETEVENT_RECORD_BYTES_MAX;
    barrier_var(size);
    record->size = (uint32_t)size;
    record->header_size = 0;
    record->payload_size = 0;
    record->reserved = 0;
    if (size)
        memcpy(record->bytes, ctx->event_data_start, size);
    bpf_ringbuf_output(&netevent_records, record, sizeof(*record), 0);
    return 0;
}
