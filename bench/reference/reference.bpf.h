/* SPDX-License-Identifier: GPL-2.0 */
/* What the reference tools' BPF programs share: a ring buffer write with winbpf's wake-up policy. */
#pragma once

/* Bytes written on one CPU between two checks of the ring's fill (winbpf checks every min(ring / 64, 4 KiB)). */
#define REFERENCE_CHECK_EVERY 4096

/* Records that did not fit in the ring buffer (read by the tool's userspace as skel->bss->lost). */
__u64 lost = 0;

/* Writes size bytes of data as one record of ring (of ring_size bytes) the way winbpf's shim writes a Windows program's
 * records (shim/include/winbpf/general_helpers.h): without a wake-up, except a forced one when the ring is a quarter
 * full, checked once every REFERENCE_CHECK_EVERY bytes written on this CPU (*unchecked: this CPU's count). Returns 1
 * when written, 0 when the record did not fit (counted in lost). */
static __always_inline int reference_output(void *ring, __u64 ring_size, void *data, __u64 size, __u64 *unchecked)
{
    __u64 flags = BPF_RB_NO_WAKEUP;
    *unchecked += size;
    if (*unchecked >= REFERENCE_CHECK_EVERY) {
        *unchecked = 0;
        if (bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) + size >= ring_size / 4)
            flags = BPF_RB_FORCE_WAKEUP;
    }
    if (bpf_ringbuf_output(ring, data, size, flags)) {
        __sync_fetch_and_add(&lost, 1);
        return 0;
    }
    return 1;
}
