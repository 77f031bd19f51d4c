// config.json: the top level, process, root, mounts and hooks. linux.* is in oci_linux.cc.
#include "spec/oci_config.h"

#include <algorithm>

#include "security/capability_names.h"
#include "spec/json_read.h"
#include "spec/rlimit_names.h"
#include "util/fs.h"

namespace nucleus::spec {
namespace {

using namespace json_read;  // NOLINT(google-build-using-namespace): the readers of this file

Result<std::vector<int>> capability_set(const json& caps, const char* key,
                                        const std::string& where) {
  std::vector<int> out;
  for (const auto& name : TRY(strings(caps, key, where))) {
    auto c = security::capability_from_name(name);
    // Names newer than this build (or than the kernel) are left out, as runc does; a name that
    // is no capability at all is a mistake.
    if (!c) {
      if (name.rfind("CAP_", 0) != 0)
        return fail_invalid("{}: unknown capability '{}'", at(where, key), name);
      continue;
    }
    if (std::find(out.begin(), out.end(), *c) == out.end()) out.push_back(*c);
  }
  return out;
}

Result<> read_user(const json& process, const std::string& where, Process& p, Oci& oci) {
  const json* user = TRY(member(process, "user", where));
  if (user == nullptr) return {};
  std::string u = at(where, "user");
  p.user.uid = TRY(opt_int<uint32_t>(*user, "uid", u)).value_or(0);
  p.user.gid = TRY(opt_int<uint32_t>(*user, "gid", u)).value_or(0);
  oci.umask = TRY(opt_int<uint32_t>(*user, "umask", u, 0, 0777));
  const json* gids = TRY(member(*user, "additionalGids", u));
  if (gids != nullptr) {
    if (!gids->is_array()) return fail_invalid("{}.additionalGids: want an array", u);
    for (const auto& g : *gids) {
      if (!g.is_number_unsigned() || g.get<uint64_t>() > UINT32_MAX)
        return fail_invalid("{}.additionalGids: want group IDs", u);
      oci.additional_gids.push_back(g.get<gid_t>());
    }
  }
  return {};
}

Result<std::vector<Rlimit>> read_rlimits(const json& process, const std::string& where) {
  std::vector<Rlimit> out;
  for (const auto& [r, w] : TRY(objects(process, "rlimits", where))) {
    auto type = TRY(opt_string(*r, "type", w));
    if (!type) return fail_invalid("{}.type: required", w);
    auto res = rlimit_from_name(*type);
    if (!res) return fail_invalid("{}.type: unknown rlimit '{}'", w, *type);
    auto soft = TRY(opt_int<uint64_t>(*r, "soft", w));
    auto hard = TRY(opt_int<uint64_t>(*r, "hard", w));
    if (!soft || !hard) return fail_invalid("{}: soft and hard are required", w);
    if (*soft > *hard) return fail_invalid("{}: soft limit {} above hard {}", w, *soft, *hard);
    if (std::any_of(out.begin(), out.end(), [&](const Rlimit& x) { return x.resource == *res; }))
      return fail_invalid("{}: {} given twice", w, *type);
    out.push_back({*res, *soft, *hard});
  }
  return out;
}

Result<OciMount> read_mount(const json& m, const std::string& where) {
  OciMount out;
  auto dst = TRY(opt_string(m, "destination", where));
  if (!dst || dst->empty()) return fail_invalid("{}.destination: required", where);
  if ((*dst)[0] != '/') return fail_invalid("{}.destination: {} is not absolute", where, *dst);
  auto clean = fs::normalize_abs(*dst);
  if (!clean) return fail_invalid("{}.destination: {}", where, clean.error().message);
  out.destination = *clean;
  out.type = TRY(string_or(m, "type", where));
  out.source = TRY(string_or(m, "source", where));
  out.options = TRY(strings(m, "options", where));
  out.uid_mappings = TRY(read_id_maps(m, "uidMappings", where));
  out.gid_mappings = TRY(read_id_maps(m, "gidMappings", where));
  if (out.uid_mappings.empty() != out.gid_mappings.empty())
    return fail_invalid("{}: uidMappings and gidMappings go together", where);
  return out;
}

Result<std::vector<Hook>> read_hooks(const json& hooks, const char* key, const std::string& where) {
  std::vector<Hook> out;
  for (const auto& [h, w] : TRY(objects(hooks, key, where))) {
    Hook hook;
    hook.path = TRY(string_or(*h, "path", w));
    if (hook.path.empty() || hook.path[0] != '/')
      return fail_invalid("{}.path: want an absolute path", w);
    hook.args = TRY(strings(*h, "args", w));
    hook.env = TRY(strings(*h, "env", w));
    hook.timeout = TRY(opt_int<int>(*h, "timeout", w, 1, 86400));
    out.push_back(std::move(hook));
  }
  return out;
}

Result<Hooks> read_all_hooks(const json& top) {
  Hooks h;
  const json* hooks = TRY(member(top, "hooks", ""));
  if (hooks == nullptr) return h;
  h.prestart = TRY(read_hooks(*hooks, "prestart", "hooks"));
  h.create_runtime = TRY(read_hooks(*hooks, "createRuntime", "hooks"));
  h.create_container = TRY(read_hooks(*hooks, "createContainer", "hooks"));
  h.start_container = TRY(read_hooks(*hooks, "startContainer", "hooks"));
  h.poststart = TRY(read_hooks(*hooks, "poststart", "hooks"));
  h.poststop = TRY(read_hooks(*hooks, "poststop", "hooks"));
  return h;
}

Result<> read_root(const json& top, const std::string& bundle, Spec& s) {
  const json* root = TRY(member(top, "root", ""));
  if (root == nullptr) return fail_invalid("root: required");
  auto path = TRY(opt_string(*root, "path", "root"));
  if (!path || path->empty()) return fail_invalid("root.path: required");
  std::string abs = (*path)[0] == '/' ? *path : bundle + "/" + *path;
  auto clean = fs::normalize_abs(abs);
  if (!clean) return fail_invalid("root.path: {}", clean.error().message);
  s.oci->root = *clean;
  s.oci->root_readonly = TRY(opt_bool(*root, "readonly", "root")).value_or(false);
  s.rootfs = *clean;
  s.rootfs_readonly = s.oci->root_readonly;
  return {};
}

}  // namespace

bool valid_oci_id(std::string_view id) {
  if (id.empty() || id.size() > 1024 || id == "." || id == "..") return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-' ||
           c == '.';
  });
}

Result<Process> oci_process(const json& process, const std::string& where, Oci& oci,
                            std::vector<Rlimit>& rlimits) {
  Process p;
  p.args = TRY(strings(process, "args", where));
  if (p.args.empty()) return fail_invalid("{}.args: want a non-empty array of strings", where);
  p.env = TRY(strings(process, "env", where));
  for (const auto& e : p.env)
    if (e.find('=') == std::string::npos || e[0] == '=')
      return fail_invalid("{}.env: '{}' is not KEY=VALUE", where, e);
  p.cwd = TRY(string_or(process, "cwd", where, "/"));
  if (p.cwd.empty() || p.cwd[0] != '/')
    return fail_invalid("{}.cwd: want an absolute path, not '{}'", where, p.cwd);
  p.terminal = TRY(opt_bool(process, "terminal", where)).value_or(false);
  p.open_stdin = true;  // the engine's descriptors are the container's, as given
  p.no_new_privileges = TRY(opt_bool(process, "noNewPrivileges", where)).value_or(false);
  TRY(read_user(process, where, p, oci));
  if (const json* cs = TRY(member(process, "consoleSize", where))) {
    oci.console_rows = TRY(opt_int<uint16_t>(*cs, "height", at(where, "consoleSize"))).value_or(0);
    oci.console_cols = TRY(opt_int<uint16_t>(*cs, "width", at(where, "consoleSize"))).value_or(0);
  }
  if (const json* caps = TRY(member(process, "capabilities", where))) {
    std::string w = at(where, "capabilities");
    oci.capabilities.bounding = TRY(capability_set(*caps, "bounding", w));
    oci.capabilities.effective = TRY(capability_set(*caps, "effective", w));
    oci.capabilities.inheritable = TRY(capability_set(*caps, "inheritable", w));
    oci.capabilities.permitted = TRY(capability_set(*caps, "permitted", w));
    oci.capabilities.ambient = TRY(capability_set(*caps, "ambient", w));
  }
  oci.oom_score_adj = TRY(opt_int<int>(process, "oomScoreAdj", where, -1000, 1000));
  oci.apparmor_profile = TRY(string_or(process, "apparmorProfile", where));
  oci.selinux_label = TRY(string_or(process, "selinuxLabel", where));
  rlimits = TRY(read_rlimits(process, where));
  return p;
}

Result<Spec> from_oci_config(std::string_view text, const std::string& bundle,
                             const std::string& id) {
  auto top = json::parse(text, nullptr, false);
  auto r = [&]() -> Result<Spec> {
    if (top.is_discarded()) return fail_invalid("not valid JSON");
    if (!top.is_object()) return fail_invalid("want a JSON object");
    auto version = TRY(opt_string(top, "ociVersion", ""));
    if (!version) return fail_invalid("ociVersion: required");
    if (version->rfind("1.", 0) != 0)
      return fail_invalid("ociVersion {}: only 1.x is supported", *version);
    Spec s;
    s.id = id;
    s.oci.emplace();
    s.oci->bundle = bundle;
    const json* process = TRY(member(top, "process", ""));
    if (process == nullptr) return fail_invalid("process: required");
    s.process = TRY(oci_process(*process, "process", *s.oci, s.rlimits));
    TRY(read_root(top, bundle, s));
    auto hostname = TRY(opt_string(top, "hostname", ""));
    s.oci->has_hostname = hostname.has_value();
    s.hostname = hostname.value_or("");
    s.oci->domainname = TRY(string_or(top, "domainname", ""));
    for (const auto& [m, w] : TRY(objects(top, "mounts", "")))
      s.oci->mounts.push_back(TRY(read_mount(*m, w)));
    s.oci->hooks = TRY(read_all_hooks(top));
    s.oci->annotations = TRY(string_map(top, "annotations", ""));
    s.oci->landlock = TRY(oci_landlock(s.oci->annotations));
    const json* lx = TRY(member(top, "linux", ""));
    TRY(oci_linux(lx ? *lx : json::object(), s));
    // Policies come from config.json, not nucleus's defaults: the engine decides.
    s.security.landlock = false;
    s.security.seccomp = s.oci->seccomp.has_value();
    s.explicit_resources = true;
    return s;
  }();
  if (!r) return fail_invalid("config.json: {}", r.error().what());
  return r;
}

}  // namespace nucleus::spec
