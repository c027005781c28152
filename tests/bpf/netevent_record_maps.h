/* SPDX-License-Identifier: MIT */
/* Maps of the ring-buffer recorders of the netevent-hook tests (netevent_recorder.c, netevent_legacy.c): a per-CPU
 * netevent_record to fill, and the ring buffer the tests read (netevent_records). */
#pragma once

#include "netevent_record.h"

struct
{
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, uint32_t);
    __type(value, struct netevent_record);
    __uint(max_entries, 1);
} record_scratch SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1024 * 1024);
} netevent_records SEC(".maps");
