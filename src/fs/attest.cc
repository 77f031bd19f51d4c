#include "fs/attest.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "util/fs.h"
#include "util/sha256.h"

namespace nucleus::fs {
namespace {

using nlohmann::json;

Result<std::string> file_hash(int dirfd, const std::string& name, const std::string& path) {
  UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return fail_errno("rootfs {}", path);
  sha256::Hasher h;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read rootfs {}", path);
    if (n == 0) break;
    h.update(std::string_view(buf, static_cast<size_t>(n)));
  }
  return sha256::hex(h.finish());
}

// Appends the entries below dirfd (whose path relative to the root is `rel`, "" for the root).
Result<> walk(int dirfd, const std::string& rel, std::vector<json>& out) {
  DIR* d = ::fdopendir(::fcntl(dirfd, F_DUPFD_CLOEXEC, 0));
  if (d == nullptr) return fail_errno("list rootfs /{}", rel);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == ".." || (rel.empty() && n == kRootfsManifest)) continue;
    names.push_back(std::move(n));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    std::string path = rel.empty() ? name : rel + "/" + name;
    if (name.find('\n') != std::string::npos)
      return fail_invalid("rootfs /{}: a newline in a file name", path);
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return fail_errno("stat rootfs /{}", path);
    json e = {{"path", path}, {"mode", st.st_mode & 07777}};
    if (S_ISDIR(st.st_mode)) {
      e["type"] = "dir";
      out.push_back(std::move(e));
      UniqueFd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub) return fail_errno("open rootfs /{}", path);
      TRY(walk(sub.get(), path, out));
      continue;
    }
    if (S_ISREG(st.st_mode)) {
      e["type"] = "file";
      e["sha256"] = TRY(file_hash(dirfd, name, path));
    } else if (S_ISLNK(st.st_mode)) {
      char target[PATH_MAX];
      ssize_t n = ::readlinkat(dirfd, name.c_str(), target, sizeof target);
      if (n < 0) return fail_errno("readlink rootfs /{}", path);
      e["type"] = "symlink";
      e["target"] = std::string(target, static_cast<size_t>(n));
      e.erase("mode");
    } else {
      return fail_invalid("rootfs /{} is a device, FIFO or socket; a root to attest has none",
                          path);
    }
    out.push_back(std::move(e));
  }
  return {};
}

std::map<std::string, std::string> by_path(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t nl = text.find('\n', i);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(i, nl - i);
    json j = json::parse(line, nullptr, false);
    std::string path = j.is_object() && j.value("path", json()).is_string()
                           ? j["path"].get<std::string>()
                           : "\n" + std::to_string(out.size());  // unreadable: never matches
    out[path] = line;
    i = nl + 1;
  }
  return out;
}

}  // namespace

Result<std::string> rootfs_manifest(const std::string& dir) {
  UniqueFd root = TRY(open_dir(dir));
  std::vector<json> entries;
  TRY(walk(root.get(), "", entries));
  std::string out;
  for (const auto& e : entries) out += e.dump() + "\n";
  return out;
}

Result<size_t> attest_rootfs(const std::string& dir) {
  std::string text = TRY(rootfs_manifest(dir));
  TRY(write_atomic(dir, kRootfsManifest, text, /*durable=*/true));
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

Result<> verify_rootfs(const std::string& dir) {
  auto given = read_regular_file(dir + "/" + kRootfsManifest, 1ull << 30);
  if (!given)
    return fail_invalid("rootfs attestation: {} (make it with `nucleus rootfs attest {}`)",
                        given.error().message, dir);
  std::string now = TRY(rootfs_manifest(dir));
  if (now == *given) return {};
  auto want = by_path(*given), have = by_path(now);
  for (const auto& [path, line] : want) {
    auto it = have.find(path);
    if (it == have.end())
      return fail_invalid("rootfs attestation: /{} is missing from {}", path, dir);
    if (it->second != line) return fail_invalid("rootfs attestation: /{} changed in {}", path, dir);
  }
  for (const auto& [path, line] : have)
    if (!want.count(path))
      return fail_invalid("rootfs attestation: /{} is not in the manifest of {}", path, dir);
  return fail_invalid("rootfs attestation: the manifest of {} is out of order", dir);
}

}  // namespace nucleus::fs
