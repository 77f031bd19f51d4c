// Where the state store lives: /run/nucleus for root, $XDG_RUNTIME_DIR/nucleus (or
// /tmp/nucleus-UID) otherwise; `nucleus --root DIR` overrides it for the whole invocation.
#pragma once

#include <string>

namespace nucleus::container {

std::string state_root();
void set_state_root(std::string dir);

}  // namespace nucleus::container
