// nftables rulesets, written as libnftables JSON and applied by the nucleus-nft helper that is
// installed beside the nucleus binary (root-owned, writable only by root).
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace nucleus::net::nft {

// The helper's path, once it is checked to be trusted.
Result<std::string> helper_path();

// Applies the commands ({"add": ...}, {"delete": ...}) as one atomic batch, in our network
// namespace or in that of process `netns_pid`.
Result<> apply(const nlohmann::json& commands, pid_t netns_pid = 0);

// Commands that (re)create one table: its chains, hooked with policy accept, and their rules.
class Batch {
 public:
  Batch(std::string family, std::string table);
  // A base chain on `hook` ("filter" or "nat").
  Batch& chain(const std::string& name, const char* type, const char* hook, int prio);
  // A chain that only jumps reach.
  Batch& chain(const std::string& name);
  Batch& set(nlohmann::json set);  // family and table filled in
  Batch& rule(const std::string& chain, nlohmann::json expr);
  const nlohmann::json& commands() const { return cmds_; }

 private:
  std::string family_, table_;
  nlohmann::json cmds_;
};

// Expression builders of the JSON schema: `left OP right` and a header field.
nlohmann::json match(nlohmann::json left, nlohmann::json right, const char* op = "==");
nlohmann::json payload(const std::string& protocol, const char* field);
nlohmann::json meta(const char* key);
nlohmann::json reject_tcp();  // with a TCP reset
// With ICMP "administratively prohibited": icmpx in an inet table, icmp in an ip one.
nlohmann::json reject_other(const std::string& family);
nlohmann::json accept();
nlohmann::json drop();
nlohmann::json jump(const std::string& chain);

// Commands that make sure `family name` exists, then remove it with everything in it.
nlohmann::json delete_table(const std::string& family, const std::string& name);

}  // namespace nucleus::net::nft
