// SPDX-License-Identifier: MIT
#pragma once

#include <stdexcept>
#include <string>

namespace winbpf
{

/// Failure of a winbpf or libbpf operation. what() names the object, program or map involved and the cause;
/// error() is the positive errno (0 when none applies).
class Error : public std::runtime_error
{
  public:
    explicit Error(const std::string &message, int error = 0);
    int error() const noexcept { return error_; }

  private:
    int error_;
};

} // namespace winbpf
