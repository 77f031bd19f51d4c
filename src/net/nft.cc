#include "net/nft.h"

#include <unistd.h>

#include "process/spawn.h"
#include "util/log.h"

namespace nucleus::net::nft {
namespace {

Result<std::string> helper_path() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return fail_errno("readlink /proc/self/exe");
  std::string exe(buf, static_cast<size_t>(n));
  std::string path = exe.substr(0, exe.rfind('/') + 1) + "nucleus-nft";
  if (::access(path.c_str(), X_OK) != 0)
    return fail_invalid("{} is missing: install it beside nucleus (scripts/setup.sh does)", path);
  TRY(process::check_trusted_executable(path));
  return path;
}

}  // namespace

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
