// Claims recorded in a JSON list file under <networks>/ (ports.json, host-tables.json): read and
// written under networks/.lock by their owners.
#pragma once

#include <cerrno>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/fs.h"
#include "util/result.h"

namespace nucleus::net {

template <class T>
Result<std::vector<T>> read_claims(const std::string& dir, const char* file) {
  auto text = fs::read_file(dir + "/" + file);
  if (!text && text.error().code == ENOENT) return std::vector<T>{};
  if (!text) return fail(text.error());
  try {
    return nlohmann::json::parse(*text).get<std::vector<T>>();
  } catch (const nlohmann::json::exception&) {
    return fail_invalid("{}/{} is corrupted", dir, file);
  }
}

// Writes the claims, or removes the file when there are none left.
template <class T>
Result<> write_claims(const std::string& dir, const char* file, const std::vector<T>& claims) {
  if (claims.empty()) {
    if (::unlink((dir + "/" + file).c_str()) == 0 || errno == ENOENT) return {};
    return fail_errno("remove {}/{}", dir, file);
  }
  return fs::write_atomic(dir, file, nlohmann::json(claims).dump() + "\n", false);
}

}  // namespace nucleus::net
