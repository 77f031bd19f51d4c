// Typed reads from untrusted JSON documents (config.json, process.json, resources), each error
// naming the field by its path ("process.user.uid: want an unsigned integer").
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace nucleus::spec::json_read {

using nlohmann::json;

// The member `key` of object `j`, or null when absent; an error when j is not an object.
inline Result<const json*> member(const json& j, const char* key, const std::string& where) {
  if (!j.is_object()) return fail_invalid("{}: want an object", where);
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

inline std::string at(const std::string& where, const char* key) {
  return where.empty() ? key : where + "." + key;
}

inline Result<std::optional<std::string>> opt_string(const json& j, const char* key,
                                                     const std::string& where) {
  const json* v = TRY(member(j, key, where));
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return fail_invalid("{}: want a string", at(where, key));
  return std::optional<std::string>(v->get<std::string>());
}

inline Result<std::string> string_or(const json& j, const char* key, const std::string& where,
                                     std::string dflt = "") {
  auto v = TRY(opt_string(j, key, where));
  return v ? *v : dflt;
}

inline Result<std::optional<bool>> opt_bool(const json& j, const char* key,
                                            const std::string& where) {
  const json* v = TRY(member(j, key, where));
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_boolean()) return fail_invalid("{}: want true or false", at(where, key));
  return std::optional<bool>(v->get<bool>());
}

// An integer within [lo, hi] (a JSON number that is whole, of either sign).
template <class T>
Result<std::optional<T>> opt_int(const json& j, const char* key, const std::string& where,
                                 T lo = std::numeric_limits<T>::min(),
                                 T hi = std::numeric_limits<T>::max()) {
  const json* v = TRY(member(j, key, where));
  if (v == nullptr) return std::optional<T>();
  __int128 x = 0;
  if (v->is_number_unsigned()) {
    x = v->get<uint64_t>();
  } else if (v->is_number_integer()) {
    x = v->get<int64_t>();
  } else {
    return fail_invalid("{}: want an integer", at(where, key));
  }
  if (x < 0 && lo >= 0) return fail_invalid("{}: must not be negative", at(where, key));
  if (x < lo || x > hi) return fail_invalid("{}: out of range", at(where, key));
  return std::optional<T>(static_cast<T>(x));
}

inline Result<std::vector<std::string>> strings(const json& j, const char* key,
                                                const std::string& where) {
  const json* v = TRY(member(j, key, where));
  std::vector<std::string> out;
  if (v == nullptr) return out;
  std::string name = at(where, key);
  if (!v->is_array()) return fail_invalid("{}: want an array of strings", name);
  for (const auto& e : *v) {
    if (!e.is_string()) return fail_invalid("{}: want an array of strings", name);
    out.push_back(e.get<std::string>());
  }
  return out;
}

// An array of objects (absent: empty); each element is given with its path ("mounts[2]").
inline Result<std::vector<std::pair<const json*, std::string>>> objects(const json& j,
                                                                        const char* key,
                                                                        const std::string& where) {
  const json* v = TRY(member(j, key, where));
  std::vector<std::pair<const json*, std::string>> out;
  if (v == nullptr) return out;
  std::string name = at(where, key);
  if (!v->is_array()) return fail_invalid("{}: want an array", name);
  for (size_t i = 0; i < v->size(); i++) {
    if (!(*v)[i].is_object()) return fail_invalid("{}[{}]: want an object", name, i);
    out.emplace_back(&(*v)[i], fmt::format("{}[{}]", name, i));
  }
  return out;
}

// An object of string values (annotations, sysctl, unified).
inline Result<std::map<std::string, std::string>> string_map(const json& j, const char* key,
                                                             const std::string& where) {
  const json* v = TRY(member(j, key, where));
  std::map<std::string, std::string> out;
  if (v == nullptr) return out;
  std::string name = at(where, key);
  if (!v->is_object()) return fail_invalid("{}: want an object of strings", name);
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it.value().is_string()) return fail_invalid("{}.{}: want a string", name, it.key());
    out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

}  // namespace nucleus::spec::json_read
