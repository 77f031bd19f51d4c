// A container's event log (<state>/<id>/events.jsonl, which `nucleus events` prints): the egress
// guard's denials, and the monitor's own events (health status, seccomp kills), one JSON object
// per line, each appended in one write.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "container/state.h"

namespace nucleus::container {

// {"time": now, "container": id, "type": type}, for the caller to add its fields to.
nlohmann::json event(const std::string& id, const char* type);
// Appends it (never through a symlink); a failure loses the line, never the container.
void append_event(const Store& store, const std::string& id, const nlohmann::json& e);

}  // namespace nucleus::container
