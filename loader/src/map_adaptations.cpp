// SPDX-License-Identifier: MIT
// Map definitions eBPF for Windows accepts and the Linux kernel refuses as written, as the loader reports them: winbpf
// changes them when it builds the object (shim/glue/map_adaptations.cpp) so that the program keeps Windows' meaning
// (docs/map_adaptations.md); the loader sizes the per-CPU ones to this machine. One table of rules; maps are not
// hook-specific, so no hook is named.
#include "internal.hpp"
#include "winbpf/error.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace winbpf::detail
{
namespace
{

struct MapFacts {
    bpf_map *map;
    std::string name;
    const btf *types; ///< The object's BTF (map definitions), or nullptr.
    const std::string &object_name;
    __u32 possible_cpus;
};

/// One adaptation: whether it applies to a map as declared, and the change (returns the sentence reported).
struct MapRule {
    bool (*applies)(const MapFacts &facts);
    std::string (*adapt)(const MapFacts &facts);
};

/// Throws Error naming the object and map; err is an errno value, positive or negative (libbpf's).
[[noreturn]] void fail(const MapFacts &facts, const std::string &what, int err)
{
    const int code = err < 0 ? -err : err;
    throw Error(facts.object_name + ": map '" + facts.name + "': cannot " + what + ": " + errno_text(code), code);
}

void check(const MapFacts &facts, int err, const std::string &what)
{
    if (err != 0)
        fail(facts, what, err);
}

/// Name of the BTF struct that defines map f in the object's ".maps" section, or empty.
std::string definition_name(const MapFacts &f)
{
    if (!f.types)
        return {};
    for (__u32 id = 1; id < btf__type_cnt(f.types); ++id) {
        const btf_type *section = btf__type_by_id(f.types, id);
        if (!btf_is_datasec(section) || std::string_view(btf__name_by_offset(f.types, section->name_off)) != ".maps")
            continue;
        const btf_var_secinfo *info = btf_var_secinfos(section);
        for (__u16 i = 0; i < btf_vlen(section); ++i) {
            const btf_type *var = btf__type_by_id(f.types, info[i].type);
            if (f.name != btf__name_by_offset(f.types, var->name_off))
                continue;
            const btf_type *def = btf__type_by_id(f.types, var->type);
            return def ? btf__name_by_offset(f.types, def->name_off) : "";
        }
    }
    return {};
}

/// The BTF id of the variable that defines map f in the object's ".maps" section, or 0.
__u32 definition_variable(const MapFacts &f)
{
    if (!f.types)
        return 0;
    for (__u32 id = 1; id < btf__type_cnt(f.types); ++id) {
        const btf_type *section = btf__type_by_id(f.types, id);
        if (!btf_is_datasec(section) || std::string_view(btf__name_by_offset(f.types, section->name_off)) != ".maps")
            continue;
        const btf_var_secinfo *info = btf_var_secinfos(section);
        for (__u16 i = 0; i < btf_vlen(section); ++i)
            if (f.name == btf__name_by_offset(f.types, btf__type_by_id(f.types, info[i].type)->name_off))
                return info[i].type;
    }
    return 0;
}

/// The text after prefix of the first BTF decl tag on map f's variable that starts with prefix (winbpf-glue's tags,
/// winbpf/abi.h), or nullopt without one.
std::optional<std::string> tag_value(const MapFacts &f, std::string_view prefix)
{
    const __u32 variable = definition_variable(f);
    if (!f.types || variable == 0)
        return std::nullopt;
    for (__u32 id = 1; id < btf__type_cnt(f.types); ++id) {
        const btf_type *tag = btf__type_by_id(f.types, id);
        if (!btf_is_decl_tag(tag) || tag->type != variable)
            continue;
        const std::string_view text = btf__name_by_offset(f.types, tag->name_off);
        if (text.starts_with(prefix))
            return std::string(text.substr(prefix.size()));
    }
    return std::nullopt;
}

/// Windows' pinning of a legacy map: the value of its WINBPF_LEGACY_PINNING_TAG decl tag (winbpf-glue), 0 without.
unsigned long legacy_pinning(const MapFacts &f)
{
    const std::optional<std::string> value = tag_value(f, WINBPF_LEGACY_PINNING_TAG);
    return value ? std::strtoul(value->c_str(), nullptr, 10) : 0;
}

// Legacy SEC("maps") struct bpf_map_def maps (libbpf 1.x refuses them): winbpf-glue gave them BTF map definitions at
// compile time (shim/glue/legacy_maps.cpp); the loader reports it. A pinning eBPF for Windows refuses (other than
// PIN_NONE and LIBBPF_PIN_BY_NAME) is refused here too.
bool legacy_apply(const MapFacts &f)
{
    return definition_name(f) == WINBPF_LEGACY_MAP_DEF;
}
std::string legacy_adapt(const MapFacts &f)
{
    const unsigned long pinning = legacy_pinning(f);
    if (pinning > 1)
        throw Error(f.object_name + ": map '" + f.name + "': legacy SEC(\"maps\") pinning " + std::to_string(pinning) +
                        " is not supported: eBPF for Windows accepts PIN_NONE (0) and LIBBPF_PIN_BY_NAME (1) and "
                        "refuses the object (EINVAL); nothing was loaded",
                    EINVAL);
    // The number the object declares, which may lie outside enum bpf_map_type (a damaged object).
    const unsigned type = bpf_map__type(f.map);
    const bool in_map = type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
    return "map '" + f.name +
           "': legacy SEC(\"maps\") struct bpf_map_def turned into a BTF map definition by winbpf-glue (type, key and "
           "value sizes, max_entries" +
           (in_map ? std::string(", and the inner map template named by inner_id or inner_map_idx") : "") +
           (pinning == 1 ? "; pinning LIBBPF_PIN_BY_NAME is not applied: pin with winbpf add program pinned=)"
                         : "; pinning is not applied)");
}

// The other rules are applied when the object is built (winbpf-glue --legacy-maps, shim/glue/map_adaptations.cpp),
// so that the object on disk holds maps Linux accepts (plain bpftool loads it); the glue tags each changed map, and
// here the change is reported and, for the per-CPU ones, sized to this machine's possible CPUs (a run-time fact).

// A PERF_EVENT_ARRAY declared with type and size only (Windows): Linux wants a 4-byte CPU index and perf event fd.
bool perf_sizes_apply(const MapFacts &f)
{
    return tag_value(f, WINBPF_ADAPTED_PERF_SIZES_TAG).has_value();
}
std::string perf_sizes_adapt(const MapFacts &f)
{
    return "map '" + f.name +
           "': PERF_EVENT_ARRAY declared without key and value sizes gets Linux's 4-byte CPU index and 4-byte perf "
           "event fd";
}

// Windows sizes a PERF_EVENT_ARRAY by its buffer in bytes; on Linux it has one slot per CPU
// (bpf_perf_event_output with EBPF_MAP_FLAG_CURRENT_CPU writes to the current CPU's). The object holds max_entries 0,
// which libbpf sizes to the possible CPUs when it creates the map; set here already, so that the size shows before
// load.
bool perf_per_cpu_apply(const MapFacts &f)
{
    return tag_value(f, WINBPF_ADAPTED_PERF_PER_CPU_TAG).has_value();
}
std::string perf_per_cpu_adapt(const MapFacts &f)
{
    const std::string declared = *tag_value(f, WINBPF_ADAPTED_PERF_PER_CPU_TAG);
    const std::string cpus = std::to_string(f.possible_cpus);
    if (bpf_map__max_entries(f.map) == 0)
        check(f, bpf_map__set_max_entries(f.map, f.possible_cpus), "size it to " + cpus + " CPUs");
    return "map '" + f.name + "': PERF_EVENT_ARRAY max_entries " + declared +
           " read as a buffer size in bytes (Windows); one slot per CPU (" + cpus + ") on Linux";
}

// Windows indexes an array with a key of any size by its low 32 bits; Linux requires 4-byte array keys. The kernel
// reads the first 4 bytes of the key the program or user space passes: the low 32 bits of a little-endian uint64_t.
bool array_key64_apply(const MapFacts &f)
{
    return tag_value(f, WINBPF_ADAPTED_ARRAY_KEY64_TAG).has_value();
}
std::string array_key64_adapt(const MapFacts &f)
{
    return "map '" + f.name +
           "': 8-byte array key uses its low 32 bits (Linux array keys have 4 bytes; user space and bpftool pass "
           "4-byte keys, and the map has no BTF key type)";
}

// Windows allows per-CPU values of any size (64 KiB scratch buffers); Linux's limit is 32 KiB. The object holds an
// ARRAY of the declared max_entries values; here it gets one element per entry and CPU, and the shim's
// bpf_map_lookup_elem / bpf_map_update_elem (map_helpers.h) select the current CPU's element, so each CPU still has
// its own value.
bool big_per_cpu_apply(const MapFacts &f)
{
    return tag_value(f, WINBPF_ADAPTED_SPREAD_TAG).has_value();
}
std::string big_per_cpu_adapt(const MapFacts &f)
{
    const __u32 entries = bpf_map__max_entries(f.map);
    const std::uint64_t total = static_cast<std::uint64_t>(entries) * f.possible_cpus;
    const std::string cpus = std::to_string(f.possible_cpus);
    if (total > UINT32_MAX)
        fail(f, "spread " + std::to_string(entries) + " per-CPU entries over " + cpus + " CPUs", E2BIG);
    if (bpf_map__type(f.map) != BPF_MAP_TYPE_ARRAY)
        fail(f,
             "spread it: winbpf-glue made it an ARRAY, the object has type " +
                 std::to_string(static_cast<unsigned>(bpf_map__type(f.map))),
             EINVAL);
    check(f, bpf_map__set_max_entries(f.map, static_cast<__u32>(total)), "resize it");
    return "map '" + f.name + "': PERCPU_ARRAY value of " + std::to_string(bpf_map__value_size(f.map)) +
           " bytes is over Linux's 32 KiB per-CPU limit: created as an ARRAY of " + std::to_string(entries) + " x " +
           cpus + " CPUs values (entry k of CPU c is element k*" + cpus +
           "+c); the program still gets its own CPU's value";
}

// In the order the glue applies them.
const std::array kRules{
    MapRule{legacy_apply, legacy_adapt},
    MapRule{perf_sizes_apply, perf_sizes_adapt},
    MapRule{perf_per_cpu_apply, perf_per_cpu_adapt},
    MapRule{array_key64_apply, array_key64_adapt},
    MapRule{big_per_cpu_apply, big_per_cpu_adapt},
};

} // namespace

std::vector<std::string> adapt_maps(bpf_object *object, const std::string &object_name, __u32 possible_cpus)
{
    std::vector<std::string> done;
    bpf_map *map;
    bpf_object__for_each_map(map, object)
    {
        const MapFacts facts{map, bpf_map__name(map), bpf_object__btf(object), object_name, possible_cpus};
        for (const MapRule &rule : kRules)
            if (rule.applies(facts))
                done.push_back(rule.adapt(facts));
    }
    return done;
}

} // namespace winbpf::detail
