#include "net/nft.h"

#include <unistd.h>

#include "process/spawn.h"
#include "util/fs.h"
#include "util/log.h"

namespace nucleus::net::nft {

Result<std::string> helper_path() {
  std::string exe = TRY(fs::read_link("/proc/self/exe"));
  std::string path = exe.substr(0, exe.rfind('/') + 1) + "nucleus-nft";
  if (::access(path.c_str(), X_OK) != 0)
    return fail_invalid("{} is missing: install it beside nucleus (scripts/setup.sh does)", path);
  TRY(process::check_trusted_executable(path));
  return path;
}

Result<> apply(const nlohmann::json& commands, pid_t netns_pid) {
  std::vector<std::string> argv{TRY(helper_path())};
  if (netns_pid > 0)
    argv.insert(argv.end(), {"--netns", fmt::format("/proc/{}/ns/net", netns_pid)});
  nlohmann::json batch{{"nftables", commands}};
  auto done = TRY(process::run_with_input(argv, batch.dump(), 10000));
  if (done.code != 0) {
    std::string err = done.err.empty() ? "nucleus-nft failed" : done.err;
    while (!err.empty() && err.back() == '\n') err.pop_back();
    return fail_invalid("{}", err);
  }
  log::debug("{:.2f} ms: nftables batch applied ({} commands)", log::elapsed_ms(), commands.size());
  return {};
}

Batch::Batch(std::string family, std::string table)
    : family_(std::move(family)), table_(std::move(table)) {
  cmds_ = nlohmann::json::array({{{"add", {{"table", {{"family", family_}, {"name", table_}}}}}}});
}

Batch& Batch::chain(const std::string& name, const char* type, const char* hook, int prio) {
  cmds_.push_back({{"add",
                    {{"chain",
                      {{"family", family_},
                       {"table", table_},
                       {"name", name},
                       {"type", type},
                       {"hook", hook},
                       {"prio", prio},
                       {"policy", "accept"}}}}}});
  return *this;
}

Batch& Batch::chain(const std::string& name) {
  cmds_.push_back({{"add", {{"chain", {{"family", family_}, {"table", table_}, {"name", name}}}}}});
  return *this;
}

Batch& Batch::set(nlohmann::json set) {
  set["family"] = family_;
  set["table"] = table_;
  cmds_.push_back({{"add", {{"set", std::move(set)}}}});
  return *this;
}

Batch& Batch::rule(const std::string& chain, nlohmann::json expr) {
  cmds_.push_back({{"add",
                    {{"rule",
                      {{"family", family_},
                       {"table", table_},
                       {"chain", chain},
                       {"expr", std::move(expr)}}}}}});
  return *this;
}

nlohmann::json meta(const char* key) {
  return {{"meta", {{"key", key}}}};
}

nlohmann::json accept() {
  return {{"accept", nullptr}};
}

nlohmann::json drop() {
  return {{"drop", nullptr}};
}

nlohmann::json jump(const std::string& chain) {
  return {{"jump", {{"target", chain}}}};
}

nlohmann::json reject_tcp() {
  return {{"reject", {{"type", "tcp reset"}}}};
}

nlohmann::json reject_other(const std::string& family) {
  return {
      {"reject", {{"type", family == "inet" ? "icmpx" : "icmp"}, {"expr", "admin-prohibited"}}}};
}

nlohmann::json match(nlohmann::json left, nlohmann::json right, const char* op) {
  return {{"match", {{"op", op}, {"left", std::move(left)}, {"right", std::move(right)}}}};
}

nlohmann::json payload(const std::string& protocol, const char* field) {
  return {{"payload", {{"protocol", protocol}, {"field", field}}}};
}

nlohmann::json delete_table(const std::string& family, const std::string& name) {
  nlohmann::json table{{"family", family}, {"name", name}};
  return nlohmann::json::array({{{"add", {{"table", table}}}}, {{"delete", {{"table", table}}}}});
}

}  // namespace nucleus::net::nft
