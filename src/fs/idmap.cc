#include "fs/idmap.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <map>

#include "fs/child_fs.h"
#include "process/userns.h"

namespace nucleus::fs {
namespace {

Result<UniqueFd> idmapped_clone(const plan::MountOp& op, int userns) {
  std::string what =
      fmt::format("config.json: mount /{}: idmapped mount of {}", op.path, op.source);
  UniqueFd m(::open_tree(AT_FDCWD, op.source.c_str(),
                         OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (op.recursive ? AT_RECURSIVE : 0)));
  if (!m) return fail_errno("{}", what);
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(userns);
  unsigned flags = AT_EMPTY_PATH | (op.idmap_recursive ? AT_RECURSIVE : 0);
  if (::syscall(SYS_mount_setattr, m.get(), "", flags, &attr, sizeof attr) != 0) {
    if (errno == EINVAL)
      return fail_invalid("{}: this filesystem (or kernel) cannot idmap it", what);
    return fail_errno("{}", what);
  }
  if (ChildError e = child::set_attrs(m.get(), op.attrs, op.recursive, op.propagation))
    return fail(Error::from_errno(e.err, "{}: {}", what, e.what));
  return m;
}

}  // namespace

Result<std::vector<UniqueFd>> open_idmapped_sources(plan::Plan& p) {
  std::vector<UniqueFd> out;
  // One user namespace per distinct mapping.
  std::map<std::string, UniqueFd> userns;
  for (auto& op : p.mounts) {
    if (op.kind != plan::OpKind::kBind || op.idmap_uid.empty()) continue;
    std::string key =
        process::id_map_lines(op.idmap_uid) + "/" + process::id_map_lines(op.idmap_gid);
    auto it = userns.find(key);
    if (it == userns.end()) {
      UniqueFd ns = TRY_CTX(process::user_namespace_with(op.idmap_uid, op.idmap_gid),
                            fmt::format("config.json: mount /{}", op.path));
      it = userns.emplace(key, std::move(ns)).first;
    }
    UniqueFd m = TRY(idmapped_clone(op, it->second.get()));
    op.src_fd = m.get();
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace nucleus::fs
