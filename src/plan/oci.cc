// An OCI bundle's root: its rootfs, config.json's mounts in order (any filesystem, binds with
// their flags and propagation, cgroup), the devices (the runtime's defaults and
// linux.devices), sysctls, masked and read-only paths. Every target resolves inside the root.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <map>

#include "plan/build.h"
#include "util/fs.h"

namespace nucleus::plan {
namespace {

// The options of a config.json mount, sorted into what the new mount API needs.
struct MountOptions {
  unsigned attrs = 0;
  unsigned long propagation = 0;
  bool bind = false, recursive = false;
  bool idmap = false, idmap_recursive = false;  // "idmap", "ridmap"
  std::string data;                             // filesystem options, comma-separated
};

MountOptions parse_options(const std::vector<std::string>& options) {
  static const std::map<std::string, std::pair<unsigned, bool>> kAttrs = {
      {"ro", {MOUNT_ATTR_RDONLY, true}},
      {"rw", {MOUNT_ATTR_RDONLY, false}},
      {"nosuid", {MOUNT_ATTR_NOSUID, true}},
      {"suid", {MOUNT_ATTR_NOSUID, false}},
      {"nodev", {MOUNT_ATTR_NODEV, true}},
      {"dev", {MOUNT_ATTR_NODEV, false}},
      {"noexec", {MOUNT_ATTR_NOEXEC, true}},
      {"exec", {MOUNT_ATTR_NOEXEC, false}},
      {"noatime", {MOUNT_ATTR_NOATIME, true}},
      {"relatime", {MOUNT_ATTR_RELATIME, true}},
      {"strictatime", {MOUNT_ATTR_STRICTATIME, true}},
      {"nodiratime", {MOUNT_ATTR_NODIRATIME, true}},
      {"diratime", {MOUNT_ATTR_NODIRATIME, false}},
      {"nosymfollow", {MOUNT_ATTR_NOSYMFOLLOW, true}},
  };
  static const std::map<std::string, unsigned long> kPropagation = {
      {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
      {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
      {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC}};
  MountOptions out;
  for (const auto& o : options) {
    if (auto a = kAttrs.find(o); a != kAttrs.end()) {
      // The atime modes are one field: the last one given wins.
      if (a->second.first & (MOUNT_ATTR_NOATIME | MOUNT_ATTR_RELATIME | MOUNT_ATTR_STRICTATIME))
        out.attrs &= ~(MOUNT_ATTR_NOATIME | MOUNT_ATTR_RELATIME | MOUNT_ATTR_STRICTATIME);
      out.attrs = a->second.second ? out.attrs | a->second.first : out.attrs & ~a->second.first;
    } else if (auto p = kPropagation.find(o); p != kPropagation.end()) {
      out.propagation = p->second;
    } else if (o == "bind" || o == "rbind") {
      out.bind = true;
      out.recursive = out.recursive || o == "rbind";
    } else if (o == "idmap" || o == "ridmap") {
      out.idmap = true;
      out.idmap_recursive = o == "ridmap";
    } else if (o == "defaults" || o == "async" || o == "loud" || o == "noiversion" ||
               o == "nomand" || o == "remount" || o.rfind("x-", 0) == 0 || o == "tmpcopyup") {
      // Nothing to do with the new mount API (or runtime-specific extensions).
    } else {
      out.data += (out.data.empty() ? "" : ",") + o;
    }
  }
  return out;
}

// The cgroup filesystem at dst: with a cgroup namespace, fresh mounts (which show the
// container's cgroup as their root); without one, the container's own cgroup directories bound
// there, as runc does, so that the host's tree stays out of sight.
Result<> add_cgroup_mount(const spec::Spec& s, const OciHost& h, const std::string& dst,
                          const MountOptions& o, std::vector<MountOp>& ops) {
  unsigned attrs = o.attrs | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
  bool own_ns = std::any_of(s.oci->namespaces.begin(), s.oci->namespaces.end(),
                            [](const spec::Namespace& n) { return n.type == "cgroup"; });
  if (own_ns) {
    MountOp op{OpKind::kCgroup, dst, "", h.v1_mounts, attrs};
    ops.push_back(std::move(op));
    return {};
  }
  if (h.v1_mounts.empty()) {  // pure v2: the container's cgroup2 directory
    MountOp op{OpKind::kBind, dst, h.v2_root + s.cgroup_path, "", attrs};
    op.recursive = false;
    ops.push_back(std::move(op));
    return {};
  }
  MountOp tmp{OpKind::kMount, dst, "cgroup", "mode=755,size=64k", attrs & ~MOUNT_ATTR_RDONLY};
  tmp.fstype = "tmpfs";
  ops.push_back(std::move(tmp));
  for (const auto& [name, mount] : h.v1_dirs) {
    MountOp op{OpKind::kBind, dst + "/" + name, mount + s.cgroup_path, "", attrs};
    op.recursive = false;
    ops.push_back(std::move(op));
  }
  for (const auto& [name, target] : h.v1_links)
    ops.push_back({OpKind::kSymlink, dst + "/" + name, "", target});
  if (o.attrs & MOUNT_ATTR_RDONLY) {
    MountOp ro{OpKind::kReadonly, dst};
    ops.push_back(std::move(ro));
  }
  return {};
}

// An idmapped bind mount: the mount's own mappings, or with "idmap" alone the container's.
Result<> add_idmap(const spec::Spec& s, const spec::OciMount& m, const MountOptions& o,
                   MountOp& op) {
  if (!o.idmap && m.uid_mappings.empty()) return {};
  bool own = !m.uid_mappings.empty();
  op.idmap_uid = own ? m.uid_mappings : s.oci->uid_mappings;
  op.idmap_gid = own ? m.gid_mappings : s.oci->gid_mappings;
  op.idmap_recursive = o.idmap_recursive;
  if (op.idmap_uid.empty() || op.idmap_gid.empty())
    return fail_invalid(
        "config.json: mount {}: idmap needs uidMappings and gidMappings (the mount's or linux's)",
        m.destination);
  return {};
}

Result<> add_mounts(const spec::Spec& s, const OciHost& h, std::vector<MountOp>& ops) {
  for (const auto& m : s.oci->mounts) {
    std::string dst = below_root(m.destination);
    if (dst.empty()) return fail_invalid("config.json: a mount on / is not supported");
    MountOptions o = parse_options(m.options);
    if (m.type == "bind" || o.bind) {
      if (m.source.empty()) return fail_invalid("config.json: mount {}: no source", m.destination);
      MountOp op{OpKind::kBind, dst, m.source[0] == '/' ? m.source : s.oci->bundle + "/" + m.source,
                 "", o.attrs};
      op.recursive = o.recursive;
      op.propagation = o.propagation;
      if (::access(op.source.c_str(), F_OK) != 0)
        return fail_errno("config.json: mount {}: source {}", m.destination, op.source);
      TRY(add_idmap(s, m, o, op));
      ops.push_back(std::move(op));
      continue;
    }
    if (o.idmap || !m.uid_mappings.empty())
      return fail_invalid("config.json: mount {}: only bind mounts can be idmapped", m.destination);
    if (m.type == "cgroup") {
      TRY(add_cgroup_mount(s, h, dst, o, ops));
      continue;
    }
    if (m.type.empty()) return fail_invalid("config.json: mount {}: no type", m.destination);
    MountOp op{OpKind::kMount, dst, m.source, o.data, o.attrs};
    op.fstype = m.type;
    op.propagation = o.propagation;
    ops.push_back(std::move(op));
  }
  return {};
}

// The runtime's default devices (runtime-spec: null, zero, full, random, urandom, tty) and
// linux.devices; in a user namespace, where mknod is refused, the host's nodes are bound.
Result<> add_devices(const spec::Spec& s, std::vector<MountOp>& ops) {
  struct Node {
    std::string path;
    spec::Device dev;
  };
  std::vector<spec::Device> devices;
  for (auto [name, minor] : std::initializer_list<std::pair<const char*, int>>{
           {"null", 3}, {"zero", 5}, {"full", 7}, {"random", 8}, {"urandom", 9}}) {
    spec::Device d{std::string("/dev/") + name, 'c', 1, minor, 0666u, 0u, 0u};
    devices.push_back(d);
  }
  devices.push_back(spec::Device{"/dev/tty", 'c', 5, 0, 0666u, 0u, 0u});
  for (const auto& d : s.oci->devices) {
    std::erase_if(devices, [&](const spec::Device& x) { return x.path == d.path; });
    devices.push_back(d);
  }
  for (const auto& d : devices) {
    std::string path = below_root(d.path);
    if (s.user_namespace) {
      if (d.type == 'p') continue;  // a fifo cannot be bound from the host
      MountOp op{OpKind::kBind, path, d.path, "", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC};
      op.recursive = false;
      if (::access(d.path.c_str(), F_OK) != 0)
        return fail_errno("linux.devices: {} (bound from the host in a user namespace)", d.path);
      ops.push_back(std::move(op));
      continue;
    }
    MountOp op{OpKind::kMknod, path};
    mode_t type = d.type == 'b' ? S_IFBLK : d.type == 'p' ? S_IFIFO : S_IFCHR;
    op.mode = type | d.file_mode.value_or(0666);
    op.rdev = makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
    op.uid = d.uid.value_or(UINT32_MAX);
    op.gid = d.gid.value_or(UINT32_MAX);
    ops.push_back(std::move(op));
  }
  // The links runc makes; /dev/ptmx goes to the container's own devpts instance.
  for (auto [link, target] :
       std::initializer_list<std::pair<const char*, const char*>>{{"dev/fd", "/proc/self/fd"},
                                                                  {"dev/stdin", "/proc/self/fd/0"},
                                                                  {"dev/stdout", "/proc/self/fd/1"},
                                                                  {"dev/stderr", "/proc/self/fd/2"},
                                                                  {"dev/ptmx", "pts/ptmx"}})
    ops.push_back({OpKind::kSymlink, link, "", target});
  return {};
}

unsigned long propagation_of(const std::string& name) {
  static const std::map<std::string, unsigned long> kFlags = {
      {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
      {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
      {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC}};
  auto it = kFlags.find(name);
  return it == kFlags.end() ? 0 : it->second;
}

}  // namespace

Result<> add_oci_root_ops(const spec::Spec& s, const OciHost& h, Plan& p) {
  const spec::Oci& oci = *s.oci;
  auto kind = TRY(fs::kind_of(oci.root));
  if (kind != fs::Kind::kDirectory)
    return fail_invalid("config.json: root.path {} is a {}, not a directory", oci.root,
                        fs::kind_name(kind));
  p.oci = true;
  p.root_source = oci.root;
  p.root_readonly = oci.root_readonly;
  p.root_attrs = 0;  // an image's setuid programs and devices are the engine's business
  p.stage_dir = h.stage_dir;
  p.root_propagation = propagation_of(oci.rootfs_propagation);
  TRY(add_mounts(s, h, p.mounts));
  TRY(add_devices(s, p.mounts));
  for (const auto& [key, value] : oci.sysctl) {
    std::string path = "proc/sys/" + key;
    std::replace(path.begin() + 9, path.end(), '.', '/');
    p.mounts.push_back({OpKind::kSysctl, path, "", value});
  }
  // As runc: a missing working directory is made (before the root may turn read-only).
  if (s.process.cwd != "/") p.mounts.push_back({OpKind::kMkdirAll, below_root(s.process.cwd)});
  for (const auto& m : oci.masked_paths) p.mounts.push_back({OpKind::kMask, below_root(m)});
  for (const auto& r : oci.readonly_paths) p.mounts.push_back({OpKind::kReadonly, below_root(r)});
  if (p.root_readonly) p.mounts.push_back({OpKind::kRootReadonly, ""});
  return {};
}

}  // namespace nucleus::plan
