// nftables rulesets, written as libnftables JSON and applied by the nucleus-nft helper that is
// installed beside the nucleus binary (root-owned, writable only by root).
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace nucleus::net::nft {

// Applies the commands ({"add": ...}, {"delete": ...}) as one atomic batch, in our network
// namespace or in that of process `netns_pid`.
Result<> apply(const nlohmann::json& commands, pid_t netns_pid = 0);

// Expression builders of the JSON schema: `left OP right` and a header field.
nlohmann::json match(nlohmann::json left, nlohmann::json right, const char* op = "==");
nlohmann::json payload(const std::string& protocol, const char* field);

// Commands that make sure `family name` exists, then remove it with everything in it.
nlohmann::json delete_table(const std::string& family, const std::string& name);

}  // namespace nucleus::net::nft
