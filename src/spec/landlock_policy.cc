#include "spec/landlock_policy.h"

#include <map>
#include <set>

#include "util/fs.h"
#include "util/toml_subset.h"

namespace nucleus::spec {
namespace {

namespace ll = security::landlock;
using toml::Value;

using toml::find;
using toml::known_keys;

// An array of strings, each looked up in names; their masks or'ed.
Result<uint64_t> flags(const Value* v, const std::map<std::string, uint64_t>& names,
                       const char* key, const std::string& where) {
  uint64_t out = 0;
  for (const Value* e : TRY(toml::strings(v, key, where))) {
    auto it = names.find(e->string);
    if (it == names.end())
      return fail_invalid("{}: line {}: unknown {} '{}'", where, e->line, key, e->string);
    out |= it->second;
  }
  return out;
}

const std::map<std::string, uint64_t>& fs_rights() {
  static const std::map<std::string, uint64_t> k = [] {
    std::map<std::string, uint64_t> m = {{"read", ll::kRead},
                                         {"write", ll::kReadWrite & ~ll::kRead}};
    for (const auto& [name, bit] : ll::kFsRightNames) m.emplace(name, bit);
    return m;
  }();
  return k;
}

// The [[key]] tables (none when absent), each with only the keys named.
Result<std::vector<const toml::Table*>> tables(const toml::Document& doc, const char* key,
                                               const std::set<std::string>& keys,
                                               const std::string& where) {
  std::vector<const toml::Table*> out;
  auto it = doc.arrays.find(key);
  if (it == doc.arrays.end()) return out;
  for (const auto& t : it->second) {
    TRY(known_keys(t, keys, where));
    out.push_back(&t);
  }
  return out;
}

Result<> read_paths(const toml::Document& doc, const std::string& where, LandlockPolicy& out) {
  for (const toml::Table* t : TRY(tables(doc, "paths", {"path", "access"}, where))) {
    const Value* path = find(*t, "path");
    if (path == nullptr || path->kind != Value::Kind::kString)
      return fail_invalid("{}: line {}: [[paths]] needs path = \"/...\"", where, t->line);
    auto clean = fs::normalize_abs(path->string);
    if (!clean) return fail_invalid("{}: line {}: {}", where, t->line, clean.error().message);
    uint64_t access = TRY(flags(find(*t, "access"), fs_rights(), "access", where));
    if (access == 0)
      return fail_invalid("{}: line {}: [[paths]] {} grants nothing", where, t->line, *clean);
    out.paths.push_back({*clean, access});
  }
  return {};
}

Result<> read_ports(const toml::Document& doc, const std::string& where, LandlockPolicy& out) {
  if (doc.arrays.count("ports")) out.tcp = true;
  static const std::map<std::string, uint64_t> kNet = {{"bind", ll::kNetBindTcp},
                                                       {"connect", ll::kNetConnectTcp}};
  for (const toml::Table* t : TRY(tables(doc, "ports", {"port", "access"}, where))) {
    const Value* port = find(*t, "port");
    if (port == nullptr || port->kind != Value::Kind::kInt || port->integer < 0 ||
        port->integer > 65535)
      return fail_invalid("{}: line {}: [[ports]] needs port = 0..65535", where, t->line);
    uint64_t access = TRY(flags(find(*t, "access"), kNet, "access", where));
    if (access == 0)
      return fail_invalid("{}: line {}: [[ports]] {} grants nothing", where, t->line,
                          port->integer);
    out.ports.push_back({static_cast<uint16_t>(port->integer), access});
  }
  return {};
}

}  // namespace

Result<LandlockPolicy> parse_landlock_policy(std::string_view text, const std::string& where) {
  auto doc = toml::parse(text);
  if (!doc) return fail_invalid("{}: {}", where, doc.error().message);
  for (const auto& [name, list] : doc->arrays)
    if (name != "paths" && name != "ports")
      return fail_invalid("{}: line {}: unknown table [[{}]]", where, list.front().line, name);
  const toml::Table& top = doc->top;
  TRY(known_keys(top, {"abi", "defaults", "scopes", "tcp"}, where));
  LandlockPolicy out;
  if (const Value* v = find(top, "abi")) {
    if (v->kind != Value::Kind::kInt || v->integer < 1 || v->integer > 99)
      return fail_invalid("{}: line {}: abi wants a number from 1", where, v->line);
    out.min_abi = static_cast<int>(v->integer);
  }
  if (const Value* v = find(top, "defaults")) {
    if (v->kind != Value::Kind::kBool)
      return fail_invalid("{}: line {}: defaults wants true or false", where, v->line);
    out.defaults = v->boolean;
  }
  static const std::map<std::string, uint64_t> kScopes = {{"abstract-unix", ll::kScopeAbstractUnix},
                                                          {"signal", ll::kScopeSignal}};
  out.scopes = TRY(flags(find(top, "scopes"), kScopes, "scope", where));
  if (const Value* v = find(top, "tcp")) {
    if (v->kind != Value::Kind::kString || v->string != "deny")
      return fail_invalid("{}: line {}: tcp wants \"deny\"", where, v->line);
    out.tcp = true;
  }
  TRY(read_paths(*doc, where, out));
  TRY(read_ports(*doc, where, out));
  if (!out.defaults && out.paths.empty())
    return fail_invalid("{}: no [[paths]] and not defaults = true: nothing could run", where);
  return out;
}

}  // namespace nucleus::spec
