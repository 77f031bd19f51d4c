#include "spec/spec_json.h"

#include <nlohmann/json.hpp>

namespace nucleus::spec {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(User, uid, gid)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(IdMap, container_id, host_id, size)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Capabilities, bounding, effective, inheritable,
                                                permitted, ambient)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Process, args, env, cwd, user, terminal, open_stdin,
                                                cap_keep, cap_sets, caps, no_new_privileges)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Volume, source, destination, readonly)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Tmpfs, destination, size)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Secret, source, name)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(IoLimit, device, major, minor, rbps, wbps, riops,
                                                wiops)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Rlimit, resource, soft, hard)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Security, seccomp, landlock, allow_degraded,
                                                seccomp_profile, landlock_policy, seccomp_trace_log,
                                                abstract_unix)
NLOHMANN_JSON_SERIALIZE_ENUM(NetworkMode, {{NetworkMode::kNone, "none"},
                                           {NetworkMode::kHost, "host"},
                                           {NetworkMode::kBridge, "bridge"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HostEntry, name, ip)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EgressRule, cidr, ports)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Egress, enforced, allow, domains)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Publish, host_ip, host_port, container_port, proto)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Network, mode, egress, publish, name, user_mode,
                                                dns, hosts)

namespace {

template <class T>
void put(nlohmann::json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

template <class T>
void get(const nlohmann::json& j, const char* key, std::optional<T>& v) {
  if (j.contains(key) && !j.at(key).is_null()) v = j.at(key).get<T>();
}

nlohmann::json resources_json(const Resources& r) {
  nlohmann::json j = {{"cpu_period", r.cpu_period}, {"io", r.io}, {"accounting", r.accounting}};
  put(j, "memory", r.memory);
  put(j, "memory_swap", r.memory_swap);
  put(j, "cpu_quota", r.cpu_quota);
  put(j, "cpu_weight", r.cpu_weight);
  put(j, "pids", r.pids);
  return j;
}

Resources resources_from(const nlohmann::json& j) {
  Resources r;
  get(j, "memory", r.memory);
  get(j, "memory_swap", r.memory_swap);
  get(j, "cpu_quota", r.cpu_quota);
  get(j, "cpu_weight", r.cpu_weight);
  get(j, "pids", r.pids);
  r.cpu_period = j.value("cpu_period", r.cpu_period);
  r.io = j.value("io", r.io);
  r.accounting = j.value("accounting", false);
  return r;
}

}  // namespace

std::string to_json(const Spec& s) {
  nlohmann::json j = {{"id", s.id},
                      {"name", s.name},
                      {"hostname", s.hostname},
                      {"process", s.process},
                      {"rootfs", s.rootfs},
                      {"rootfs_readonly", s.rootfs_readonly},
                      {"volumes", s.volumes},
                      {"tmpfs", s.tmpfs},
                      {"secrets", s.secrets},
                      {"user_namespace", s.user_namespace},
                      {"resources", resources_json(s.resources)},
                      {"explicit_resources", s.explicit_resources},
                      {"rlimits", s.rlimits},
                      {"security", s.security},
                      {"network", s.network},
                      {"timeout_seconds", s.timeout_seconds},
                      {"cgroup_path", s.cgroup_path},
                      {"production", s.production},
                      {"init", s.init},
                      {"id_map", s.id_map},
                      {"verify_rootfs", s.verify_rootfs},
                      {"runtime", s.runtime == Runtime::kGvisor ? "gvisor" : "native"},
                      {"gvisor_platform", s.gvisor_platform}};
  if (s.context) {
    j["context"] = {{"source", s.context->source},
                    {"mode", s.context->mode == ContextMode::kBind ? "bind" : "copy"}};
  }
  return j.dump(2) + "\n";
}

Result<Spec> spec_from_json(std::string_view text) {
  try {
    auto j = nlohmann::json::parse(text);
    Spec s;
    s.id = j.at("id").get<std::string>();
    s.name = j.value("name", "");
    s.hostname = j.value("hostname", "");
    s.process = j.at("process").get<Process>();
    if (s.process.args.empty()) return fail_invalid("spec without a command");
    s.rootfs = j.value("rootfs", "");
    s.rootfs_readonly = j.value("rootfs_readonly", true);
    s.volumes = j.value("volumes", s.volumes);
    s.tmpfs = j.value("tmpfs", s.tmpfs);
    s.secrets = j.value("secrets", s.secrets);
    if (j.contains("context")) {
      const auto& c = j.at("context");
      s.context =
          Context{c.at("source").get<std::string>(),
                  c.value("mode", "copy") == "bind" ? ContextMode::kBind : ContextMode::kCopy};
    }
    s.user_namespace = j.value("user_namespace", false);
    s.resources = resources_from(j.at("resources"));
    s.explicit_resources = j.value("explicit_resources", false);
    s.rlimits = j.value("rlimits", s.rlimits);
    s.security = j.value("security", s.security);
    s.network = j.value("network", s.network);
    s.timeout_seconds = j.value("timeout_seconds", uint64_t{0});
    s.cgroup_path = j.value("cgroup_path", "");
    s.production = j.value("production", false);
    s.init = j.value("init", false);
    s.id_map = j.value("id_map", s.id_map);
    s.verify_rootfs = j.value("verify_rootfs", false);
    std::string runtime = j.value("runtime", "native");
    if (runtime != "native" && runtime != "gvisor")
      return fail_invalid("corrupted spec: runtime '{}'", runtime);
    s.runtime = runtime == "gvisor" ? Runtime::kGvisor : Runtime::kNative;
    s.gvisor_platform = j.value("gvisor_platform", "");
    return s;
  } catch (const std::exception& e) {
    return fail_invalid("corrupted spec: {}", e.what());
  }
}

}  // namespace nucleus::spec
