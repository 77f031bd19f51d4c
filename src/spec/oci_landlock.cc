// Landlock for OCI containers, from annotations: the runtime spec has no field for it, and
// annotations pass through every engine (podman --annotation, docker --annotation, ctr
// --annotation, a pod's annotations with containerd's pod_annotations / CRI-O's
// allowed_annotations).
//
//   org.nucleus.landlock        "default,rw:/var,rx:/opt/tool"   items separated by commas or
//                               blanks:
//                                 default     nucleus's rules for this root and its mounts
//                                 r:PATH      read files and list directories below PATH
//                                 rx:PATH     and execute
//                                 rw:PATH     read, write, create, remove, rename (no execute)
//                                 rwx:PATH    all of it
//                               every access not granted is denied.
//   org.nucleus.landlock.scope  "abstract-unix signal": no abstract unix sockets or signals to
//                               processes outside the container's Landlock domain.
#include "spec/oci_config.h"
#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::spec {

namespace {

namespace ll = security::landlock;

constexpr const char* kLandlockKey = "org.nucleus.landlock";
constexpr const char* kLandlockScopeKey = "org.nucleus.landlock.scope";

// The items of an annotation, separated by commas or blanks (podman's --annotation splits its
// value at commas, so there they are given with spaces).
std::vector<std::string_view> items(std::string_view value) {
  std::vector<std::string_view> out;
  for (auto part : parse::split(value, ','))
    for (auto item : parse::words(part)) out.push_back(item);
  return out;
}

}  // namespace

Result<OciLandlock> oci_landlock(const std::map<std::string, std::string>& annotations) {
  OciLandlock out;
  if (auto it = annotations.find(kLandlockKey); it != annotations.end()) {
    std::string w = fmt::format("annotations.{}", kLandlockKey);
    out.filesystem = true;
    for (auto item : items(it->second)) {
      if (item == "default") {
        out.defaults = true;
        continue;
      }
      size_t colon = item.find(':');
      if (colon == std::string_view::npos)
        return fail_invalid("{}: '{}' is not default or ACCESS:PATH", w, item);
      auto access = item.substr(0, colon);
      uint64_t mask = access == "r"     ? ll::kRead
                      : access == "rx"  ? ll::kReadExec
                      : access == "rw"  ? ll::kReadWrite
                      : access == "rwx" ? ll::kReadWrite | ll::kExecute
                                        : 0;
      if (mask == 0) return fail_invalid("{}: access '{}' is not r, rx, rw or rwx", w, access);
      auto path = fs::normalize_abs(item.substr(colon + 1));
      if (!path) return fail_invalid("{}: {}", w, path.error().message);
      out.rules.push_back({*path, mask});
    }
    if (!out.defaults && out.rules.empty()) return fail_invalid("{}: no rule given", w);
  }
  if (auto it = annotations.find(kLandlockScopeKey); it != annotations.end()) {
    std::string w = fmt::format("annotations.{}", kLandlockScopeKey);
    for (auto item : items(it->second)) {
      if (item == "abstract-unix") {
        out.scopes |= ll::kScopeAbstractUnix;
      } else if (item == "signal") {
        out.scopes |= ll::kScopeSignal;
      } else {
        return fail_invalid("{}: '{}' is not abstract-unix or signal", w, item);
      }
    }
  }
  return out;
}

}  // namespace nucleus::spec
