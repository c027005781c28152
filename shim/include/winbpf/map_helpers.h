/* SPDX-License-Identifier: MIT */
/*
 * Map access of Windows-style programs on maps winbpf adapted (shim/glue/map_adaptations.cpp).
 *
 * A BPF_MAP_TYPE_PERCPU_ARRAY whose value is larger than Linux allows for per-CPU values (32 KiB; Windows programs
 * use 64 KiB scratch buffers) is made a BPF_MAP_TYPE_ARRAY by winbpf-glue when the object is built, which the loader
 * sizes to max_entries x possible-CPUs values: entry k of CPU c is element k * CPUs + c. bpf_map_lookup_elem and bpf_map_update_elem (array elements
 * cannot be deleted) then use the current CPU's element, so the program keeps Windows' per-CPU meaning. Which maps
 * may be spread is decided per map when the program is compiled, never by a branch the verifier explores for every
 * map: a map declared with __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY) checks at run time whether winbpf spread it
 * (the kernel's struct bpf_map: map_type; the verifier explores that branch for such maps only), and a legacy
 * struct bpf_map_def that winbpf-glue found to be a PERCPU_ARRAY with a value over 32 KiB is declared volatile by
 * SEC("maps") (winbpf/sec.h), which selects the spread access here; every other map, legacy ones included, and map
 * pointers of type void * (e.g. inner maps, which user space creates), use the helpers unchanged.
 *
 * Keys are read as Windows reads them: an 8-byte array key selects element (uint32_t)key (its low 32 bits), which is
 * what the kernel reads from a key of 4 bytes (winbpf-glue gives 8-byte array keys 4 bytes).
 */
#pragma once

#include "winbpf/common.h"

struct _ebpf_map_definition_in_file; /* a legacy map definition (below) */

/* What WINBPF_MAP_REF gives for a map pointer without a BTF map definition (void *, a legacy definition). */
struct winbpf_untyped_map {
    int (*type)[0];
};

/* The map definition behind a map argument, or a winbpf_untyped_map pointer when its type says nothing. */
#define WINBPF_MAP_REF(map)                                                                                            \
    _Generic((map), void *: (struct winbpf_untyped_map *)0, const void *: (struct winbpf_untyped_map *)0,           \
             struct _ebpf_map_definition_in_file *: (struct winbpf_untyped_map *)0,                                  \
             volatile struct _ebpf_map_definition_in_file *: (struct winbpf_untyped_map *)0, default: (map))

/* How a map argument may be a spread PERCPU_ARRAY (compile time): WINBPF_SPREAD_DECLARED when it was declared with
 * __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY) (winbpf spreads it when its value is over 32 KiB: checked at run time),
 * WINBPF_SPREAD_ALWAYS for a legacy struct bpf_map_def winbpf-glue marked volatile (always spread), else
 * WINBPF_SPREAD_NEVER (other legacy definitions included). */
#define WINBPF_SPREAD_NEVER 0
#define WINBPF_SPREAD_DECLARED 1
#define WINBPF_SPREAD_ALWAYS 2
#define WINBPF_DECLARED_PERCPU_ARRAY(map)                                                                              \
    _Generic((map), volatile struct _ebpf_map_definition_in_file *                                                     \
             : WINBPF_SPREAD_ALWAYS, struct _ebpf_map_definition_in_file *                                             \
             : WINBPF_SPREAD_NEVER, default                                                                            \
             : _Generic(WINBPF_MAP_REF(map)->type, int(*)[BPF_MAP_TYPE_PERCPU_ARRAY]                                   \
                        : WINBPF_SPREAD_DECLARED, default                                                              \
                        : WINBPF_SPREAD_NEVER))

/*
 * The element of a PERCPU_ARRAY winbpf turned into an ARRAY (see above) that key selects on this CPU: writes it
 * to *index and returns 1; returns 0 when map is still a PERCPU_ARRAY (the key is used unchanged) and -1 when key is
 * out of range (no element). The CPU count is the shim scratch map's size (the loader sets it to the possible CPUs).
 */
static __always_inline int winbpf_spread_percpu_index(void *map, const void *key, __u32 *index, int spread)
{
    const struct bpf_map *m = map;
    if (spread == WINBPF_SPREAD_DECLARED && m->map_type != BPF_MAP_TYPE_ARRAY)
        return 0;
    __u32 cpus = ((const struct bpf_map *)&winbpf_scratch)->max_entries;
    __u32 k = *(const __u32 *)key;
    if (cpus == 0 || k >= m->max_entries / cpus)
        return -1;
    *index = k * cpus + bpf_get_smp_processor_id();
    return 1;
}

static __always_inline void *winbpf_map_lookup_elem(void *map, const void *key, int declared_percpu_array)
{
    __u32 index;
    if (declared_percpu_array) {
        int spread = winbpf_spread_percpu_index(map, key, &index, declared_percpu_array);
        if (spread < 0)
            return NULL;
        if (spread > 0)
            return (bpf_map_lookup_elem)(map, &index);
    }
    return (bpf_map_lookup_elem)(map, key);
}

static __always_inline long winbpf_map_update_elem(void *map, const void *key, const void *value, __u64 flags,
                                                   int declared_percpu_array)
{
    __u32 index;
    if (declared_percpu_array) {
        int spread = winbpf_spread_percpu_index(map, key, &index, declared_percpu_array);
        if (spread < 0)
            return -E2BIG;
        if (spread > 0)
            return (bpf_map_update_elem)(map, &index, value, flags);
    }
    return (bpf_map_update_elem)(map, key, value, flags);
}

#define bpf_map_lookup_elem(map, key) winbpf_map_lookup_elem((map), (key), WINBPF_DECLARED_PERCPU_ARRAY(map))
#define bpf_map_update_elem(map, key, value, flags)                                                                    \
    winbpf_map_update_elem((map), (key), (value), (flags), WINBPF_DECLARED_PERCPU_ARRAY(map))

/*
 * Legacy map definitions, as eBPF for Windows' samples still write them:
 *
 *   SEC("maps") struct bpf_map_def counters = {.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8,
 *                                              .max_entries = 16};
 *
 * libbpf 1.x refuses the "maps" section; Makefile.bpf places these definitions in ".maps" and `winbpf-glue
 * --legacy-maps` rewrites their BTF into BTF map definitions (type, key_size, value_size, max_entries, map_flags; for
 * ARRAY_OF_MAPS and HASH_OF_MAPS the inner map template: the map whose id equals inner_id when inner_id is set, else
 * the inner_map_idx-th legacy map of the object in definition order). pinning, id and inner_id are Windows' fields;
 * pinning is not applied (pin with `winbpf add program ... pinned=`); it takes Windows' PIN_* or libbpf's LIBBPF_PIN_*
 * names, and a value other than PIN_NONE (0) and LIBBPF_PIN_BY_NAME (1) makes the loader refuse the object, as eBPF
 * for Windows does. Map types use Linux's numbering (vmlinux.h).
 * The layout is winbpf's: the fields of eBPF for Windows' ebpf_map_definition_in_file_t, padded to 48 bytes.
 */
typedef enum _ebpf_pin_type {
    PIN_NONE,
    PIN_OBJECT_NS,
    PIN_GLOBAL_NS,
    PIN_CUSTOM_NS,
} ebpf_pin_type_t;

typedef struct _ebpf_map_definition_in_file {
    __u32 type;
    __u32 key_size;
    __u32 value_size;
    __u32 max_entries;
    __u32 inner_map_idx;
    __u32 pinning; /* ebpf_pin_type_t or enum libbpf_pin_type (LIBBPF_PIN_BY_NAME, as eBPF for Windows names it) */
    __u32 id;
    __u32 inner_id;
    __u32 map_flags;
    __u32 winbpf_reserved[3];
} ebpf_map_definition_in_file_t;
#define bpf_map_def _ebpf_map_definition_in_file
