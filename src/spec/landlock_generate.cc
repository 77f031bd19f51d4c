#include "spec/landlock_generate.h"

#include <optional>

#include <fmt/format.h>

#include "security/landlock.h"
#include "util/fs.h"

namespace nucleus::spec {
namespace {

// A TOML basic string, in the escapes util/toml_subset reads; nullopt for a control character
// it has none for.
std::optional<std::string> quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n' || c == '\t' || c == '\r') {
      out += c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return std::nullopt;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// What an ancestor's rule already grants at `path`.
uint64_t inherited(const std::map<std::string, uint64_t>& rules, std::string path) {
  uint64_t got = 0;
  while (path != "/") {
    path = fs::split_last(path).first;
    if (auto it = rules.find(path); it != rules.end()) got |= it->second;
  }
  return got;
}

}  // namespace

std::string generate_landlock_policy(const TraceLog& log) {
  uint64_t all = 0;
  std::string rules;
  for (const auto& [path, rights] : log.paths) {
    if ((rights & ~inherited(log.paths, path)) == 0) continue;
    auto name = quoted(path);
    if (!name) {
      rules += "\n# left out: a path with a control character no TOML string here can hold\n";
      continue;
    }
    all |= rights;
    std::vector<std::string> names;
    for (const auto& n : security::landlock::fs_right_names(rights)) names.push_back(*quoted(n));
    rules += fmt::format("\n[[paths]]\npath = {}\naccess = [{}]\n", *name, fmt::join(names, ", "));
  }
  std::string command = fmt::format("{}", fmt::join(log.command, " "));
  for (char& c : command)
    if (c == '\n' || c == '\r') c = ' ';
  return fmt::format("# nucleus landlock generate, from a traced run of: {}\nabi = {}\n{}", command,
                     security::landlock::fs_rights_abi(all), rules);
}

}  // namespace nucleus::spec
