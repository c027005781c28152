// SPDX-License-Identifier: MIT
// Attaching a loaded object's hook entry programs and support programs (RAII links).
#include "winbpf/attachment.hpp"

#include "internal.hpp"
#include "winbpf/error.hpp"

#include <bpf/libbpf.h>

namespace winbpf
{

Link::Link(bpf_link *link, bpf_program *program) : link_(link), program_(program) {}

Link::Link(Link &&other) noexcept : link_(other.link_), program_(other.program_)
{
    other.link_ = nullptr;
}

Link &Link::operator=(Link &&other) noexcept
{
    if (this != &other) {
        bpf_link__destroy(link_);
        link_ = other.link_;
        program_ = other.program_;
        other.link_ = nullptr;
    }
    return *this;
}

Link::~Link()
{
    bpf_link__destroy(link_);
}

namespace
{
Link attach(bpf_program *program)
{
    detail::LogCapture log;
    bpf_link *link = bpf_program__attach(program);
    if (!link) {
        int err = errno;
        throw Error("attaching program '" + std::string(bpf_program__name(program)) + "' (section " +
                        bpf_program__section_name(program) + "): " + detail::errno_text(err) + "\n" + log.text(),
                    err);
    }
    return Link(link, program);
}
} // namespace

Attachment::Attachment(const Object &object)
{
    for (const HookProgram &hook : object.hooks())
        for (bpf_program *entry : hook.entries)
            if (bpf_program__autoload(entry)) {
                if (bpf_program__fd(entry) < 0)
                    throw Error(object.name() + ": program '" + bpf_program__name(entry) +
                                    "' is not loaded (call load() first)",
                                EINVAL);
                links_.push_back(attach(entry));
            }
    for (bpf_program *support : object.support_programs())
        if (bpf_program__autoload(support))
            links_.push_back(attach(support));
}

} // namespace winbpf
