#include "spec/rlimit_names.h"

#include <sys/resource.h>

#include <utility>

namespace nucleus::spec {
namespace {

constexpr std::pair<std::string_view, int> kNames[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

}  // namespace

std::optional<int> rlimit_from_name(std::string_view name) {
  for (const auto& [n, r] : kNames)
    if (n == name) return r;
  return std::nullopt;
}

std::string_view rlimit_name(int resource) {
  for (const auto& [n, r] : kNames)
    if (r == resource) return n;
  return {};
}

}  // namespace nucleus::spec
