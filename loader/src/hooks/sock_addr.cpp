// SPDX-License-Identifier: MIT
// Loader module of the eBPF-for-Windows sock_addr hooks (docs/hooks/sock_addr.md; glue:
// shim/include/winbpf/sock_addr_glue.h).
//   entries  per Windows attach type (the handler's section), primary first:
//            connect4: connect4, connect4_sendmsg, connect4_mapped, connect4_sendmsg_mapped; connect6: connect6,
//            connect6_sendmsg; connect_authorization4/6 likewise; recv_accept4, recv_accept6; bind4, bind4_mapped,
//            bind6
//   support  winbpf__sock_addr_owner (cgroup/sock_create: the owner of each socket, for recv_accept and listen) and
//            winbpf__sock_addr_redirect (sockops: redirect contexts by connection tuple, for connect objects) with
//            winbpf__sock_addr_redirect_udp (cgroup_skb/egress: the same for UDP datagrams), which the glue has only
//            when a handler calls bpf_sock_addr_set_redirect_context; the others are not loaded
//   attach   every program to one cgroup-v2 directory: AttachOptions::cgroup, or the root of the cgroup-v2 hierarchy
//            (bpf_link: several programs attach side by side and all run); listen's LSM or tracepoint program by
//            its section, scoped to that cgroup through the winbpf_listen cgroup array; AttachOptions::compartment_id
//            into winbpf_sa_conf
//   chains   winbpf_sa_chain (socket storage of the per-call chain state, sock_addr_glue.h) is one map for every
//            loaded object: before load, an existing map of that name is reused; after load, winbpf_sa_conf's self
//            is the id of that map (the object's identity in chains), and its solo bits (winbpf/abi.h) say on which
//            Linux hooks the object's entry is the only winbpf entry of any loaded object (it then keeps no chain
//            state); the objects already loaded on this object's hooks learn they are no longer alone before it
//            attaches. winbpf_sa_conf's fields are written one at a time through the map's memory (MappedConfig)
#include "hooks/hook_module.hpp"
#include "internal.hpp"
#include "winbpf/abi.h"
#include "winbpf/error.hpp"
#include "winbpf/system.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

namespace winbpf::detail
{

namespace
{

constexpr const char *kRedirectProgram = "winbpf__sock_addr_redirect";
constexpr const char *kRedirectUdpProgram = "winbpf__sock_addr_redirect_udp";
constexpr const char *kChainMap = "winbpf_sa_chain";
constexpr const char *kConfigMap = WINBPF_MAP_SOCK_ADDR_CONFIG;

// The WINBPF_SOCK_ADDR_HOOK_* bit (winbpf/abi.h) of a connect or connect_authorization entry event, else 0.
std::uint32_t chain_hook_bit(std::string_view event)
{
    std::string name(event);
    if (name.starts_with("connect_authorization"))
        name = "connect" + name.substr(std::string_view("connect_authorization").size());
    for (auto [entry, bit] : {std::pair("connect4", WINBPF_SOCK_ADDR_HOOK_CONNECT4),
                              std::pair("connect4_sendmsg", WINBPF_SOCK_ADDR_HOOK_SENDMSG4),
                              std::pair("connect4_mapped", WINBPF_SOCK_ADDR_HOOK_CONNECT6_MAPPED),
                              std::pair("connect4_sendmsg_mapped", WINBPF_SOCK_ADDR_HOOK_SENDMSG6_MAPPED),
                              std::pair("connect6", WINBPF_SOCK_ADDR_HOOK_CONNECT6),
                              std::pair("connect6_sendmsg", WINBPF_SOCK_ADDR_HOOK_SENDMSG6)})
        if (name == entry)
            return static_cast<std::uint32_t>(bit);
    return 0;
}

// Whether the map of info is a winbpf_sa_conf of this winbpf's glue: an ARRAY of struct winbpf_sock_addr_config
// (winbpf/abi.h) that can be mapped into memory.
bool is_config_map(const bpf_map_info &info)
{
    return info.type == BPF_MAP_TYPE_ARRAY && std::string_view(info.name) == kConfigMap &&
           info.value_size == sizeof(winbpf_sock_addr_config) && info.max_entries >= 1 &&
           (info.map_flags & BPF_F_MMAPABLE) != 0;
}

// The value of a loaded object's winbpf_sa_conf, mapped into this process's memory: each field is read and written by
// itself, atomically (winbpf/abi.h), so that loaders writing different fields of one object's value at once (its own
// compartment_id at attach, another object's load clearing its solo bits) lose neither write.
class MappedConfig
{
  public:
    // Maps the winbpf_sa_conf map at fd; what names it in errors. Throws winbpf::Error when it is not one of this
    // winbpf's (an object built with other headers) or cannot be mapped.
    MappedConfig(int fd, const std::string &what)
    {
        bpf_map_info info{};
        __u32 size = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &size) != 0) {
            int err = errno;
            throw Error(what + ": reading its definition: " + errno_text(err), err);
        }
        if (!is_config_map(info))
            throw Error(what + ": not this winbpf's (an ARRAY of " + std::to_string(sizeof(winbpf_sock_addr_config)) +
                            "-byte values with BPF_F_MMAPABLE; it has " + std::to_string(info.value_size) +
                            "-byte values, flags " + std::to_string(info.map_flags) +
                            "): rebuild the object with this winbpf's headers",
                        EINVAL);
        void *memory = ::mmap(nullptr, sizeof(winbpf_sock_addr_config), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (memory == MAP_FAILED) {
            int err = errno;
            throw Error(what + ": mapping it into memory: " + errno_text(err), err);
        }
        value_ = static_cast<winbpf_sock_addr_config *>(memory);
    }
    ~MappedConfig() { ::munmap(value_, sizeof(winbpf_sock_addr_config)); }
    MappedConfig(const MappedConfig &) = delete;
    MappedConfig &operator=(const MappedConfig &) = delete;

    // One field of the value (&winbpf_sock_addr_config::solo, ...), for atomic loads, stores and ANDs.
    std::atomic_ref<__u32> field(__u32 winbpf_sock_addr_config::*member)
    {
        return std::atomic_ref<__u32>(value_->*member);
    }

  private:
    winbpf_sock_addr_config *value_ = nullptr;
};

class SockAddrHook final : public HookModule
{
  public:
    std::string_view name() const override { return "sock_addr"; }

    std::vector<std::string_view> attach_options() const override { return {"cgroup", "compartment_id"}; }

    std::pair<std::string_view, std::string_view> windows_type_guids() const override
    {
        // EBPF_PROGRAM_TYPE_CGROUP_SOCK_ADDR and EBPF_ATTACH_TYPE_CGROUP_INET4_CONNECT (each attach type has its own).
        return {"92ec8e39-aeec-11ec-9a30-18602489beee", "a82e37b1-aee7-11ec-9a30-18602489beee"};
    }

    std::vector<LinuxHook> linux_hooks() const override
    {
        return {{"connect4", "cgroup/connect4", "connect4: connect() to IPv4 (TCP, UDP)"},
                {"connect4_sendmsg", "cgroup/sendmsg4",
                 "connect4: an unconnected UDP socket's first datagram to an "
                 "IPv4 endpoint (its verdict applies to later ones)"},
                {"connect4_mapped", "cgroup/connect6", "connect4: connect() to IPv4-mapped IPv6"},
                {"connect4_sendmsg_mapped", "cgroup/sendmsg6", "connect4: first datagram to IPv4-mapped IPv6"},
                {"connect6", "cgroup/connect6", "connect6: connect() to IPv6"},
                {"connect6_sendmsg", "cgroup/sendmsg6", "connect6: first datagram to an IPv6 endpoint"},
                {"connect_authorization4", "cgroup/connect4",
                 "connect_authorization4: as connect4, after the connect programs attached before it; read-only"},
                {"connect_authorization4_sendmsg", "cgroup/sendmsg4", "connect_authorization4: UDP datagrams"},
                {"connect_authorization4_mapped", "cgroup/connect6", "connect_authorization4: IPv4-mapped IPv6"},
                {"connect_authorization4_sendmsg_mapped", "cgroup/sendmsg6",
                 "connect_authorization4: UDP datagrams to IPv4-mapped IPv6"},
                {"connect_authorization6", "cgroup/connect6", "connect_authorization6: connect() to IPv6; read-only"},
                {"connect_authorization6_sendmsg", "cgroup/sendmsg6", "connect_authorization6: UDP datagrams"},
                {"recv_accept4", "cgroup_skb/ingress",
                 "recv_accept4: the SYN of an inbound TCP connection to a listener, the first datagram of an inbound "
                 "UDP flow (IPv4 packets); REJECT drops it"},
                {"recv_accept6", "cgroup_skb/ingress", "recv_accept6: the same for IPv6 packets"},
                {"bind4", "cgroup/bind4", "bind4: bind() to IPv4; REJECT: EPERM; read-only"},
                {"bind4_mapped", "cgroup/bind6", "bind4: bind() to IPv4-mapped IPv6"},
                {"bind6", "cgroup/bind6", "bind6: bind() to IPv6"},
                {"listen4", "lsm/socket_listen",
                 "listen4: listen() on IPv4 (and IPv4-mapped); REJECT: EPERM (where BPF LSM programs load)"},
                {"listen4_observe", "tp/syscalls/sys_enter_listen",
                 "listen4 without BPF LSM: the handler runs, a REJECT is counted in winbpf_listen_unenforced and not "
                 "enforced"},
                {"listen6", "lsm/socket_listen", "listen6: listen() on IPv6"},
                {"listen6_observe", "tp/syscalls/sys_enter_listen", "listen6 without BPF LSM (not enforced)"},
                {std::string("support: ") + kSocketOwnerProgram, "cgroup/sock_create",
                 "the process that created each socket (recv_accept's helpers report it)"},
                {std::string("support: ") + kRedirectProgram, "sockops",
                 "redirect contexts by connection tuple (TCP_CONNECT), for winbpf::redirect_context"},
                {std::string("support: ") + kRedirectUdpProgram, "cgroup_skb/egress",
                 "redirect contexts of UDP sockets by datagram tuple, for winbpf::redirect_context(fd, peer)"}};
    }

    std::vector<std::string_view> helpers() const override
    {
        return {"bpf_sock_addr_set_redirect_context", "bpf_sock_addr_get_network_context", "bpf_get_socket_cookie"};
    }

    void before_load(bpf_object *object, const std::string &object_name,
                     std::span<const HookProgram> handlers) const override
    {
        bool recv_accept = false, connect = false;
        for (const HookProgram &handler : handlers)
            for (bpf_program *entry : handler.entries) {
                const std::string event = parse_entry_name(bpf_program__name(entry)).event;
                // The owner program records each socket's owner and namespace, for recv_accept and listen.
                recv_accept = recv_accept || event.starts_with("recv_accept") || event.starts_with("listen");
                connect = connect || event.starts_with("connect4") || event.starts_with("connect6");
                if (event.starts_with("listen")) {
                    // Enforced through BPF LSM where its programs load, else observed at the syscall tracepoint.
                    const bool lsm = listen_enforcement().mode == EnforcementMode::lsm;
                    set_autoload(entry, object_name, event.ends_with("_observe") ? !lsm : lsm);
                }
            }
        for (auto [name, on] : {std::pair(kSocketOwnerProgram, recv_accept), std::pair(kRedirectProgram, connect),
                                std::pair(kRedirectUdpProgram, connect)})
            if (bpf_program *program = bpf_object__find_program_by_name(object, name))
                set_autoload(program, object_name, on);
        if (bpf_map *chain = bpf_object__find_map_by_name(object, kChainMap))
            share_chain_map(chain, object_name);
    }

    void after_load(bpf_object *object, const std::string &object_name) const override
    {
        bpf_map *map = bpf_object__find_map_by_name(object, kConfigMap);
        if (!map)
            return;
        const std::string what = object_name + ": map " + kConfigMap;
        MappedConfig config(bpf_map__fd(map), what);
        const __u32 own = map_id(bpf_map__fd(map), what);
        config.field(&winbpf_sock_addr_config::self).store(own);
        write_solo(object, config, own, object_name);
    }

    std::vector<bpf_program *> support_programs(bpf_object *object) const override
    {
        std::vector<bpf_program *> programs;
        for (const char *name : {kSocketOwnerProgram, kRedirectProgram, kRedirectUdpProgram})
            if (bpf_program *program = bpf_object__find_program_by_name(object, name))
                if (bpf_program__autoload(program))
                    programs.push_back(program);
        return programs;
    }

    bpf_link *attach(bpf_program *program, const AttachOptions &options) const override
    {
        const std::string path = cgroup_path(options);
        if (prepare(bpf_program__fd(program), bpf_program__name(program), bpf_program__section_name(program), options,
                    path))
            return attach_by_section(program);
        return attach_to_cgroup(program, path);
    }

    UniqueFd attach_loaded(const LoadedProgram &program, const AttachOptions &options) const override
    {
        const std::string path = cgroup_path(options);
        if (prepare(program.fd, program.name, program.section, options, path))
            return link_by_section(program);
        return link_to_cgroup(program, path);
    }

    std::string attach_type(std::string_view event) const override
    {
        // Entry events are the attach type, or it with the Linux variant's suffix (connect4_sendmsg_mapped).
        for (std::string_view suffix : {"_sendmsg_mapped", "_sendmsg", "_mapped", "_observe"})
            if (event.ends_with(suffix))
                return std::string(event.substr(0, event.size() - suffix.size()));
        return std::string(event);
    }

    std::string attach_type_note(std::string_view attach_type) const override
    {
        if (!attach_type.starts_with("listen"))
            return {};
        const Enforcement &chosen = listen_enforcement();
        if (chosen.mode == EnforcementMode::lsm)
            return "Deny enforcement: lsm (a REJECT makes listen() fail with EPERM)";
        return "Deny enforcement: none (listen() is not refused: the handler runs and each REJECT is counted in map "
               "winbpf_listen_unenforced; BPF LSM programs do not load here: " +
               chosen.detail + ")";
    }

  private:
    // Before attaching program (fd, function name, section) to the cgroup path: its compartment into winbpf_sa_conf,
    // and for listen (a global hook, scoped to the cgroup by the program: winbpf_listen holds the cgroup) the cgroup.
    // True when the program attaches by its section (listen), false when to the cgroup.
    static bool prepare(int fd, const std::string &name, std::string_view section, const AttachOptions &options,
                        const std::string &path)
    {
        if (UniqueFd map = program_map(fd, name, BPF_MAP_TYPE_ARRAY, kConfigMap)) {
            const std::uint32_t compartment_id = compartment(options.compartment_id);
            MappedConfig(map.get(), "program '" + name + "': map " + kConfigMap)
                .field(&winbpf_sock_addr_config::compartment_id)
                .store(compartment_id);
        }
        if (!section.starts_with("lsm/") && !section.starts_with("tp/"))
            return false;
        scope_listen(fd, name, open_cgroup2(path).get(), path);
        return true;
    }

    static void set_autoload(bpf_program *program, const std::string &object_name, bool on)
    {
        if (bpf_program__set_autoload(program, on) != 0) {
            int err = errno;
            throw Error(object_name + ": cannot " + (on ? "enable" : "disable") + " program '" +
                            bpf_program__name(program) + "': " + errno_text(err),
                        err);
        }
    }

    // How listen REJECTs are enforced: BPF LSM where its programs load (probed once), else not at all.
    static const Enforcement &listen_enforcement()
    {
        static const Enforcement probed = probe_enforcement();
        return probed;
    }

    // The compartment_id attach option: a number, or a network namespace path (its compartment id); 0 when empty.
    static std::uint32_t compartment(const std::string &option)
    {
        if (option.empty())
            return 0;
        if (option.starts_with("/"))
            return compartment_id(option);
        std::uint32_t value = 0;
        auto [end, ec] = std::from_chars(option.data(), option.data() + option.size(), value);
        if (ec != std::errc() || end != option.data() + option.size() || value == 0)
            throw Error("compartment_id=" + option +
                            " is invalid (expected a compartment number from 1 to 4294967295, 1 being the initial "
                            "network namespace, or a network namespace path such as /run/netns/NAME)",
                        EINVAL);
        return value;
    }

    // The solo and hooks fields of winbpf_sa_conf of the loaded object (config, the map of id own), before it is
    // attached: the Linux hooks of its connect and connect_authorization entries, and those where its one entry is the
    // only winbpf entry of any loaded object (its entries there keep no chain state). The other objects' entries on
    // its hooks lose that first. Each object publishes its hooks before it looks at the others' and looks again after
    // setting its own solo hooks, so of two objects loaded at once the later to look sees the other; solo bits are
    // only ever cleared (AND) once set, by either. Without the privilege to walk map ids: none solo.
    static void write_solo(bpf_object *object, MappedConfig &config, __u32 own, const std::string &object_name)
    {
        std::uint32_t hooks = 0, shared = 0; // shared: hooks with two entries of this object
        bpf_program *program = nullptr;
        while ((program = bpf_object__next_program(object, program)) != nullptr) {
            const EntryName entry = parse_entry_name(bpf_program__name(program));
            if (entry.hook != "sock_addr" || !bpf_program__autoload(program))
                continue;
            const std::uint32_t bit = chain_hook_bit(entry.event);
            shared |= hooks & bit;
            hooks |= bit;
        }
        config.field(&winbpf_sock_addr_config::solo).store(0);
        config.field(&winbpf_sock_addr_config::hooks).store(hooks);
        if (hooks == 0)
            return;
        const std::optional<std::uint32_t> others =
            other_config_maps(own, [&](int fd, const winbpf_sock_addr_config &value, __u32 id) {
                if ((value.hooks & hooks) != 0 && (value.solo & hooks) != 0)
                    MappedConfig(fd, object_name + ": map " + kConfigMap + " of another object (id " +
                                         std::to_string(id) + ")")
                        .field(&winbpf_sock_addr_config::solo)
                        .fetch_and(~hooks);
            });
        if (!others)
            return;
        const std::uint32_t solo = hooks & ~shared & ~*others;
        if (solo == 0)
            return;
        config.field(&winbpf_sock_addr_config::solo).store(solo);
        if (const std::optional<std::uint32_t> again = other_config_maps(own, {}); !again || (*again & solo) != 0)
            config.field(&winbpf_sock_addr_config::solo).fetch_and(again ? ~*again : 0u);
    }

    // Calls visit (if set) with the fd, value and id of every loaded winbpf_sa_conf map but own and returns the union
    // of their hooks; nullopt without the privilege to walk map ids.
    static std::optional<std::uint32_t>
    other_config_maps(__u32 own, const std::function<void(int, const winbpf_sock_addr_config &, __u32)> &visit)
    {
        std::uint32_t hooks = 0;
        __u32 id = 0;
        while (true) {
            if (bpf_map_get_next_id(id, &id) != 0) {
                if (errno == ENOENT)
                    return hooks;
                return std::nullopt;
            }
            if (id == own)
                continue;
            UniqueFd fd(bpf_map_get_fd_by_id(id));
            if (!fd)
                continue; // gone meanwhile
            bpf_map_info info{};
            __u32 size = sizeof(info);
            winbpf_sock_addr_config value{};
            const __u32 zero = 0;
            if (bpf_obj_get_info_by_fd(fd.get(), &info, &size) != 0 || !is_config_map(info) ||
                bpf_map_lookup_elem(fd.get(), &zero, &value) != 0)
                continue;
            hooks |= value.hooks;
            if (visit)
                visit(fd.get(), value, id);
        }
    }

    static __u32 map_id(int fd, const std::string &what)
    {
        bpf_map_info info{};
        __u32 size = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &size) != 0) {
            int err = errno;
            throw Error(what + ": reading its id: " + errno_text(err), err);
        }
        return info.id;
    }

    // Makes chain, the object's winbpf_sa_chain, the one already loaded by another object (the first found by id),
    // so that the programs of every object on a hook share the per-call chain state. None found: the object creates
    // it. Without the privilege to walk map ids (CAP_SYS_ADMIN), the object keeps its own (chains then span only its
    // programs).
    static void share_chain_map(bpf_map *chain, const std::string &object_name)
    {
        __u32 id = 0;
        while (bpf_map_get_next_id(id, &id) == 0) {
            UniqueFd fd(bpf_map_get_fd_by_id(id));
            if (!fd)
                continue;
            bpf_map_info info{};
            __u32 size = sizeof(info);
            if (bpf_obj_get_info_by_fd(fd.get(), &info, &size) != 0 || info.type != BPF_MAP_TYPE_SK_STORAGE ||
                std::string_view(info.name) != kChainMap || info.value_size != bpf_map__value_size(chain) ||
                info.key_size != bpf_map__key_size(chain))
                continue;
            if (bpf_map__reuse_fd(chain, fd.get()) != 0) {
                int err = errno;
                throw Error(object_name + ": sharing map " + kChainMap + " (id " + std::to_string(id) +
                                ") with the sock_addr programs already loaded: " + errno_text(err),
                            err);
            }
            return;
        }
    }

    // The map named name of type among the maps of a loaded program, or an empty fd.
    static UniqueFd program_map(int program_fd, const std::string &program, bpf_map_type type, std::string_view name)
    {
        bpf_prog_info info{};
        __u32 ids[64];
        info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
        info.map_ids = reinterpret_cast<std::uintptr_t>(ids);
        __u32 size = sizeof(info);
        if (bpf_obj_get_info_by_fd(program_fd, &info, &size) != 0) {
            int err = errno;
            throw Error("program '" + program + "': reading its maps: " + errno_text(err), err);
        }
        for (__u32 i = 0; i < std::min<__u32>(info.nr_map_ids, sizeof(ids) / sizeof(ids[0])); ++i) {
            UniqueFd map(bpf_map_get_fd_by_id(ids[i]));
            bpf_map_info map_info{};
            __u32 map_size = sizeof(map_info);
            if (map && bpf_obj_get_info_by_fd(map.get(), &map_info, &map_size) == 0 && map_info.type == type &&
                std::string_view(map_info.name) == name)
                return map;
        }
        return UniqueFd();
    }

    // Writes the cgroup into the winbpf_listen cgroup array among the maps of the loaded listen program.
    static void scope_listen(int program_fd, const std::string &program, int cgroup_fd, const std::string &path)
    {
        UniqueFd map = program_map(program_fd, program, BPF_MAP_TYPE_CGROUP_ARRAY, "winbpf_listen");
        if (!map)
            throw Error("program '" + program + "' uses no winbpf_listen map", ENOENT);
        const __u32 zero = 0;
        const __u32 fd = static_cast<__u32>(cgroup_fd);
        if (bpf_map_update_elem(map.get(), &zero, &fd, BPF_ANY) != 0) {
            int err = errno;
            throw Error("program '" + program + "': writing cgroup '" + path +
                            "' into map winbpf_listen: " + errno_text(err),
                        err);
        }
    }
};

} // namespace

const HookModule &sock_addr_hook_module()
{
    static const SockAddrHook module;
    return module;
}

} // namespace winbpf::detail
