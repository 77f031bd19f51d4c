// A Spec as JSON: saved in the container's state directory by the monitor, read back by exec
// (the same policies) and inspect.
#pragma once

#include <string>
#include <string_view>

#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::spec {

std::string to_json(const Spec& s);
Result<Spec> spec_from_json(std::string_view text);

}  // namespace nucleus::spec
