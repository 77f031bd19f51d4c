// What a child-side step reports on failure: an errno and a static description. No allocation.
#pragma once

namespace nucleus {

struct ChildError {
  int err = 0;
  const char* what = nullptr;
  explicit operator bool() const { return err != 0; }
};

}  // namespace nucleus
