// libFuzzer target: config.json, seccomp profiles and traces, Landlock and capability policy files.
// The input is tried as a whole config.json, as a JSON merge patch on a valid one (so the fuzzer
// reaches the deep fields), as a Docker-format profile and as the TOML policies; every outcome must
// be a value or one error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "spec/caps_policy.h"
#include "spec/landlock_policy.h"
#include "spec/oci_config.h"
#include "spec/seccomp_json.h"
#include "spec/seccomp_trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nlohmann::json;
  std::string_view s(reinterpret_cast<const char*>(data), size);
  (void)nucleus::spec::from_oci_config(s, "/bundle", "fuzz");
  (void)nucleus::spec::resolve_profile(s, "profile", {{"CAP_SYS_ADMIN"}, "amd64", "6.18.0"});
  (void)nucleus::spec::parse_landlock_policy(s, "--landlock-policy");
  (void)nucleus::spec::parse_caps_policy(s, "--caps-policy");
  (void)nucleus::spec::parse_trace_log(s, "trace.json");
  json patch = json::parse(s, nullptr, false);
  if (patch.is_discarded()) return 0;
  json config = {{"ociVersion", "1.2.0"},
                 {"process", {{"args", {"sh"}}, {"cwd", "/"}}},
                 {"root", {{"path", "rootfs"}}},
                 {"linux", {{"namespaces", {{{"type", "mount"}}}}}}};
  config.merge_patch(patch);
  (void)nucleus::spec::from_oci_config(config.dump(), "/bundle", "fuzz");
  return 0;
}
