// Error and Result: every fallible call returns a Result that carries errno and a message;
// callers add context on the way up (after crun's error chains).
#pragma once

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <tl/expected.hpp>
#include <type_traits>
#include <utility>

namespace nucleus {

struct Error {
  int code = 0;  // errno, or 0 when the failure is not a system call's
  std::string message;
  int exit_code = 125;  // what `nucleus` exits with when this error ends the command

  // "mount /usr: Operation not permitted"
  template <class... Args>
  static Error from_errno(int err, fmt::format_string<Args...> f, Args&&... args) {
    return Error{err, fmt::format(f, std::forward<Args>(args)...), 125};
  }
  template <class... Args>
  static Error invalid(fmt::format_string<Args...> f, Args&&... args) {
    return Error{0, fmt::format(f, std::forward<Args>(args)...), 125};
  }

  // Prefixes context: wrap("create cgroup") -> "create cgroup: mkdir ...: EACCES".
  Error wrap(std::string_view context) const& {
    return Error{code, fmt::format("{}: {}", context, message), exit_code};
  }

  // The complete line shown to the user.
  std::string what() const {
    return code == 0 ? message : fmt::format("{}: {}", message, std::strerror(code));
  }
};

template <class T = void>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(Error e) {
  return tl::unexpected<Error>(std::move(e));
}

template <class... Args>
tl::unexpected<Error> fail_errno(fmt::format_string<Args...> f, Args&&... args) {
  return fail(Error::from_errno(errno, f, std::forward<Args>(args)...));
}

template <class... Args>
tl::unexpected<Error> fail_invalid(fmt::format_string<Args...> f, Args&&... args) {
  return fail(Error::invalid(f, std::forward<Args>(args)...));
}

namespace detail {
// The value of a successful Result, moved out (nothing for Result<void>).
template <class R>
auto take(R&& r) {
  using T = typename std::decay_t<R>::value_type;
  if constexpr (std::is_void_v<T>) {
    return;
  } else {
    return T(std::move(*r));
  }
}
}  // namespace detail

}  // namespace nucleus

// Propagates the error of a Result expression; otherwise yields its value (GNU statement expr).
#define TRY(expr)                                                   \
  ({                                                                \
    auto&& try_result_ = (expr);                                    \
    if (!try_result_) return ::tl::unexpected(try_result_.error()); \
    ::nucleus::detail::take(try_result_);                           \
  })

// As TRY, adding context to the error message.
#define TRY_CTX(expr, ctx)                                                    \
  ({                                                                          \
    auto&& try_result_ = (expr);                                              \
    if (!try_result_) return ::tl::unexpected(try_result_.error().wrap(ctx)); \
    ::nucleus::detail::take(try_result_);                                     \
  })
