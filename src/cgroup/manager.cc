#include "cgroup/manager.h"

#include "cgroup/v1/manager.h"
#include "cgroup/v2/manager.h"

namespace nucleus::cgroup {

Result<std::unique_ptr<Manager>> make(const Layout& layout, const std::string& path) {
  switch (layout.mode) {
    case Mode::kV2:
      return std::make_unique<v2::Manager>(layout.v2_root, path, layout.fake);
    case Mode::kV1:
    case Mode::kHybrid:
      // Hybrid hosts keep their controllers in v1; the cgroup2 mount there has none to offer.
      return std::make_unique<v1::Manager>(layout.v1, path, layout.fake);
    case Mode::kNone:
      break;
  }
  return fail_invalid("no cgroup hierarchy found under /sys/fs/cgroup");
}

}  // namespace nucleus::cgroup
