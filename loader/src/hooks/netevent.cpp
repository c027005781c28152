// SPDX-License-Identifier: MIT
// Loader module of the neteventebpfext `netevent_monitor` hook (docs/hooks/netevent_monitor.md; glue:
// winbpf/netevent_glue.h).
//   entries  <handler>__winbpf_netevent_monitor_drop (primary, tp_btf/kfree_skb), _flow (tp_btf/inet_sock_set_state),
//            _sim (raw_tp: netevent_sim runs it with BPF_PROG_TEST_RUN; never attached)
//   attach   by the capture type (AttachOptions::capture): drop attaches the drop entry (the default, as on Windows),
//            flow the flow entry, all both, none neither; every program keeps its own capture type
#include "hooks/hook_module.hpp"
#include "internal.hpp"
#include "winbpf/error.hpp"

#include <bpf/libbpf.h>

namespace winbpf::detail
{

namespace
{

class NeteventHook final : public HookModule
{
  public:
    std::string_view name() const override { return "netevent_monitor"; }

    std::vector<std::string_view> attach_options() const override { return {"capture"}; }

    std::pair<std::string_view, std::string_view> windows_type_guids() const override
    {
        return {"fc4adc85-49c3-4f0a-8393-facce89cde91", "68011b08-ab6b-4b46-85e4-67bae1afe741"};
    }

    std::vector<LinuxHook> linux_hooks() const override
    {
        return {{"drop", "tp_btf/kfree_skb", "PKTMON_DROP (capture drop or all)"},
                {"flow", "tp_btf/inet_sock_set_state", "PKTMON_FLOW (capture flow or all)"},
                {"sim", "raw_tp", "events injected by netevent_sim (BPF_PROG_TEST_RUN; never attached)"}};
    }

    bpf_link *attach(bpf_program *program, const AttachOptions &options) const override
    {
        return wanted(bpf_program__name(program), options) ? attach_by_section(program) : nullptr;
    }

    UniqueFd attach_loaded(const LoadedProgram &program, const AttachOptions &options) const override
    {
        return wanted(program.name, options) ? link_by_section(program) : UniqueFd();
    }

  private:
    // Whether the capture type attaches the entry program named name.
    static bool wanted(const std::string &name, const AttachOptions &options)
    {
        const CaptureType capture = options.capture.value_or(CaptureType::drop);
        const std::string event = parse_entry_name(name).event;
        return (event == "drop" && (capture == CaptureType::drop || capture == CaptureType::all)) ||
               (event == "flow" && (capture == CaptureType::flow || capture == CaptureType::all));
    }
};

} // namespace

} // namespace winbpf::detail

namespace winbpf
{

CaptureType parse_capture_type(std::string_view name)
{
    static_assert(capture_type_names.size() == 4);
    constexpr CaptureType types[] = {CaptureType::all, CaptureType::flow, CaptureType::drop, CaptureType::none};
    for (std::size_t i = 0; i < capture_type_names.size(); ++i)
        if (name == capture_type_names[i])
            return types[i];
    throw Error("capture parameter is invalid: '" + std::string(name) + "' (expected all, flow, drop or none)", EINVAL);
}

} // namespace winbpf

namespace winbpf::detail
{

const HookModule &netevent_monitor_hook_module()
{
    static const NeteventHook module;
    return module;
}

} // namespace winbpf::detail
