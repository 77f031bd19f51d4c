// The loopback interface of a fresh network namespace starts down; the child brings it up.
#pragma once

#include "util/child_error.h"

namespace nucleus::net {

ChildError child_loopback_up() noexcept;

}  // namespace nucleus::net
