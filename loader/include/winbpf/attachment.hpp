// SPDX-License-Identifier: MIT
#pragma once

#include "winbpf/object.hpp"

#include <memory>
#include <vector>

struct bpf_link;

namespace winbpf
{

/// One attached program (RAII over bpf_link: destroyed = detached unless pinned).
class Link
{
  public:
    /// Takes ownership of link (from bpf_program__attach) of program (not owned: belongs to its Object).
    Link(bpf_link *link, bpf_program *program);
    Link(Link &&) noexcept;
    Link &operator=(Link &&) noexcept;
    ~Link();
    /// The libbpf link (null after a move).
    bpf_link *raw() const noexcept { return link_; }
    /// The attached program.
    bpf_program *program() const noexcept { return program_; }

  private:
    bpf_link *link_;
    bpf_program *program_;
};

/// Every entry program of a loaded object's hooks plus its support programs, attached; detached on destruction.
class Attachment
{
  public:
    /// Attaches; throws Error naming the program that failed (nothing stays attached then).
    /// The object must be loaded and outlive the Attachment.
    explicit Attachment(const Object &object);
    /// One link per attached program: hook entries with autoload on (in hooks() order), then support programs.
    const std::vector<Link> &links() const noexcept { return links_; }
    std::vector<Link> &links() noexcept { return links_; }

  private:
    std::vector<Link> links_;
};

} // namespace winbpf
