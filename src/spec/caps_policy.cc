#include "spec/caps_policy.h"

#include <algorithm>
#include <array>
#include <utility>

#include "security/capability_names.h"
#include "util/toml_subset.h"

namespace nucleus::spec {
namespace {

// The capabilities a key names, each once, in ascending order.
Result<std::vector<int>> capabilities(const toml::Table& top, const char* key,
                                      const std::string& where) {
  std::vector<int> out;
  for (const toml::Value* e : TRY(toml::strings(toml::find(top, key), key, where))) {
    auto cap = security::capability_from_name(e->string);
    if (!cap)
      return fail_invalid("{}: line {}: unknown capability '{}'", where, e->line, e->string);
    out.push_back(*cap);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Every capability of `inner` is in all of `outer`; otherwise an error saying why it must be.
Result<> within(const toml::Table& top, const std::vector<int>& inner, const char* inner_name,
                std::initializer_list<std::pair<const std::vector<int>*, const char*>> outer,
                const char* why, const std::string& where) {
  for (int c : inner)
    for (auto [set, name] : outer)
      if (!std::binary_search(set->begin(), set->end(), c))
        return fail_invalid("{}: line {}: {} has CAP_{}, which {} has not ({})", where,
                            toml::find(top, inner_name)->line, inner_name,
                            security::capability_name(c), name, why);
  return {};
}

}  // namespace

Result<CapsPolicy> parse_caps_policy(std::string_view text, const std::string& where) {
  auto doc = toml::parse(text);
  if (!doc) return fail_invalid("{}: {}", where, doc.error().message);
  if (!doc->arrays.empty())
    return fail_invalid("{}: line {}: unknown table [[{}]]", where,
                        doc->arrays.begin()->second.front().line, doc->arrays.begin()->first);
  const toml::Table& top = doc->top;
  TRY(toml::known_keys(
      top, {"keep", "bounding", "permitted", "effective", "inheritable", "ambient"}, where));
  if (top.keys.empty()) return fail_invalid("{}: the file names no capability set", where);
  CapsPolicy out;
  if (const toml::Value* keep = toml::find(top, "keep")) {
    if (top.keys.size() > 1)
      return fail_invalid("{}: line {}: keep stands for every set; name the sets or keep alone",
                          where, keep->line);
    out.keep = TRY(capabilities(top, "keep", where));
    return out;
  }
  Capabilities& c = out.caps;
  out.sets = true;
  c.bounding = TRY(capabilities(top, "bounding", where));
  c.permitted = TRY(capabilities(top, "permitted", where));
  c.effective = TRY(capabilities(top, "effective", where));
  c.inheritable = TRY(capabilities(top, "inheritable", where));
  c.ambient = TRY(capabilities(top, "ambient", where));
  TRY(within(top, c.effective, "effective", {{&c.permitted, "permitted"}},
             "an effective capability must be permitted", where));
  TRY(within(top, c.permitted, "permitted", {{&c.bounding, "bounding"}},
             "the bounding set limits what can be held", where));
  TRY(within(top, c.inheritable, "inheritable", {{&c.bounding, "bounding"}},
             "the kernel refuses an inheritable capability outside the bounding set", where));
  TRY(within(top, c.ambient, "ambient",
             {{&c.permitted, "permitted"}, {&c.inheritable, "inheritable"}},
             "an ambient capability must be permitted and inheritable", where));
  return out;
}

}  // namespace nucleus::spec
