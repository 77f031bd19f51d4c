// What a child-side step reports on failure: an errno and a static description. No allocation.
#pragma once

namespace nucleus {

struct ChildError {
  int err = 0;
  const char* what = nullptr;
  int op = -1;  // index of the failing plan::MountOp, when one failed
  explicit operator bool() const { return err != 0; }
};

}  // namespace nucleus
