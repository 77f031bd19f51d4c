#include "spec/landlock_policy.h"

#include <toml++/toml.h>
#include <map>
#include <set>

#include "util/fs.h"

namespace nucleus::spec {
namespace {

namespace ll = security::landlock;

std::string at(const toml::node& n) {
  return fmt::format("line {}", n.source().begin.line);
}

Result<> known_keys(const toml::table& t, const std::set<std::string>& keys,
                    const std::string& where) {
  for (auto&& [k, v] : t)
    if (!keys.count(std::string(k.str())))
      return fail_invalid("{}: {}: unknown key '{}'", where, at(v), k.str());
  return {};
}

// An array of strings, each looked up in names; their masks or'ed.
Result<uint64_t> flags(const toml::node* n, const std::map<std::string, uint64_t>& names,
                       const char* key, const std::string& where) {
  if (n == nullptr) return uint64_t{0};
  const toml::array* a = n->as_array();
  if (a == nullptr) return fail_invalid("{}: {}: {} wants an array of strings", where, at(*n), key);
  uint64_t out = 0;
  for (const auto& e : *a) {
    auto s = e.value<std::string>();
    if (!s) return fail_invalid("{}: {}: {} wants an array of strings", where, at(e), key);
    auto it = names.find(*s);
    if (it == names.end()) return fail_invalid("{}: {}: unknown {} '{}'", where, at(e), key, *s);
    out |= it->second;
  }
  return out;
}

const std::map<std::string, uint64_t>& fs_rights() {
  static const std::map<std::string, uint64_t> k = {{"read", ll::kRead},
                                                    {"write", ll::kReadWrite & ~ll::kRead},
                                                    {"execute", ll::kExecute},
                                                    {"read_file", ll::kReadFile},
                                                    {"read_dir", ll::kReadDir},
                                                    {"write_file", ll::kWriteFile},
                                                    {"remove_dir", ll::kRemoveDir},
                                                    {"remove_file", ll::kRemoveFile},
                                                    {"make_char", ll::kMakeChar},
                                                    {"make_dir", ll::kMakeDir},
                                                    {"make_reg", ll::kMakeReg},
                                                    {"make_sock", ll::kMakeSock},
                                                    {"make_fifo", ll::kMakeFifo},
                                                    {"make_block", ll::kMakeBlock},
                                                    {"make_sym", ll::kMakeSym},
                                                    {"refer", ll::kRefer},
                                                    {"truncate", ll::kTruncate},
                                                    {"ioctl_dev", ll::kIoctlDev}};
  return k;
}

// The [[key]] tables (none when key is absent), each with only the keys named.
Result<std::vector<const toml::table*>> tables(const toml::table& top, const char* key,
                                               const std::set<std::string>& keys,
                                               const std::string& where) {
  std::vector<const toml::table*> out;
  const toml::node* n = top.get(key);
  if (n == nullptr) return out;
  const toml::array* a = n->as_array();
  if (a == nullptr || !a->is_array_of_tables())
    return fail_invalid("{}: {}: {} wants [[{}]] tables", where, at(*n), key, key);
  for (const auto& e : *a) {
    TRY(known_keys(*e.as_table(), keys, where));
    out.push_back(e.as_table());
  }
  return out;
}

Result<> read_paths(const toml::table& top, const std::string& where, LandlockPolicy& out) {
  for (const toml::table* tp : TRY(tables(top, "paths", {"path", "access"}, where))) {
    const toml::table& t = *tp;
    const toml::node& e = t;
    auto path = t["path"].value<std::string>();
    if (!path) return fail_invalid("{}: {}: [[paths]] needs path = \"/...\"", where, at(e));
    auto clean = fs::normalize_abs(*path);
    if (!clean) return fail_invalid("{}: {}: {}", where, at(e), clean.error().message);
    uint64_t access = TRY(flags(t.get("access"), fs_rights(), "access", where));
    if (access == 0)
      return fail_invalid("{}: {}: [[paths]] {} grants nothing", where, at(e), *clean);
    out.paths.push_back({*clean, access});
  }
  return {};
}

Result<> read_ports(const toml::table& top, const std::string& where, LandlockPolicy& out) {
  if (top.get("ports") != nullptr) out.tcp = true;
  static const std::map<std::string, uint64_t> kNet = {{"bind", ll::kNetBindTcp},
                                                       {"connect", ll::kNetConnectTcp}};
  for (const toml::table* tp : TRY(tables(top, "ports", {"port", "access"}, where))) {
    const toml::table& t = *tp;
    const toml::node& e = t;
    auto port = t["port"].value<int64_t>();
    if (!port || *port < 0 || *port > 65535)
      return fail_invalid("{}: {}: [[ports]] needs port = 0..65535", where, at(e));
    uint64_t access = TRY(flags(t.get("access"), kNet, "access", where));
    if (access == 0)
      return fail_invalid("{}: {}: [[ports]] {} grants nothing", where, at(e), *port);
    out.ports.push_back({static_cast<uint16_t>(*port), access});
  }
  return {};
}

}  // namespace

Result<LandlockPolicy> parse_landlock_policy(std::string_view text, const std::string& where) {
  toml::table top;
  try {
    top = toml::parse(text);
  } catch (const toml::parse_error& e) {
    return fail_invalid("{}: line {}: {}", where, e.source().begin.line, e.description());
  }
  TRY(known_keys(top, {"abi", "defaults", "scopes", "tcp", "paths", "ports"}, where));
  LandlockPolicy out;
  if (const toml::node* n = top.get("abi")) {
    auto abi = n->value<int64_t>();
    if (!abi || *abi < 1 || *abi > 99)
      return fail_invalid("{}: {}: abi wants a number from 1", where, at(*n));
    out.min_abi = static_cast<int>(*abi);
  }
  if (const toml::node* n = top.get("defaults")) {
    auto d = n->value<bool>();
    if (!d) return fail_invalid("{}: {}: defaults wants true or false", where, at(*n));
    out.defaults = *d;
  }
  static const std::map<std::string, uint64_t> kScopes = {{"abstract-unix", ll::kScopeAbstractUnix},
                                                          {"signal", ll::kScopeSignal}};
  out.scopes = TRY(flags(top.get("scopes"), kScopes, "scope", where));
  if (const toml::node* n = top.get("tcp")) {
    if (n->value<std::string>() != "deny")
      return fail_invalid("{}: {}: tcp wants \"deny\"", where, at(*n));
    out.tcp = true;
  }
  TRY(read_paths(top, where, out));
  TRY(read_ports(top, where, out));
  if (!out.defaults && out.paths.empty())
    return fail_invalid("{}: no [[paths]] and not defaults = true: nothing could run", where);
  return out;
}

}  // namespace nucleus::spec
