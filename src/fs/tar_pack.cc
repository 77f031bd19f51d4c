// The writing side of fs/tar.h: one filesystem's tree, for a checkpoint of a container's root.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "fs/tar.h"
#include "util/unique_fd.h"

namespace nucleus::fs::tar {
namespace {

Result<> write_all(int out, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(out, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return fail_errno("write the archive");
    p += w;
    n -= static_cast<size_t>(w);
  }
  return {};
}

void octal(uint8_t* at, size_t len, uint64_t v) {
  for (size_t i = len - 1; i-- > 0; v >>= 3) at[i] = static_cast<uint8_t>('0' + (v & 7));
  at[len - 1] = '\0';
}

Result<> pad(int out, uint64_t size) {
  static const uint8_t zeros[kBlock] = {};
  size_t rest = static_cast<size_t>(size % kBlock);
  return rest == 0 ? Result<>{} : write_all(out, zeros, kBlock - rest);
}

Result<> header(int out, char type, const std::string& name, const std::string& link, mode_t mode,
                uint64_t size, int64_t mtime) {
  // Names and link targets of 100 bytes or more go first, as GNU 'L' and 'K' records.
  for (auto [text, kind] : {std::pair{&name, 'L'}, std::pair{&link, 'K'}}) {
    if (text->size() < 100) continue;
    TRY(header(out, kind, "././@LongLink", "", 0, text->size() + 1, 0));
    TRY(write_all(out, text->c_str(), text->size() + 1));
    TRY(pad(out, text->size() + 1));
  }
  alignas(8) uint8_t b[kBlock] = {};
  std::memcpy(b, name.data(), std::min<size_t>(name.size(), 99));
  octal(b + 100, 8, mode & 07777);
  octal(b + 108, 8, 0);
  octal(b + 116, 8, 0);
  octal(b + 124, 12, size);
  octal(b + 136, 12, static_cast<uint64_t>(mtime < 0 ? 0 : mtime));
  b[156] = static_cast<uint8_t>(type);
  std::memcpy(b + 157, link.data(), std::min<size_t>(link.size(), 99));
  std::memcpy(b + 257,
              "ustar\0"
              "00",
              8);
  std::memset(b + 148, ' ', 8);
  uint64_t sum = 0;
  for (uint8_t c : b) sum += c;
  octal(b + 148, 7, sum);
  b[155] = ' ';
  return write_all(out, b, kBlock);
}

Result<> pack_file(int dir, const std::string& leaf, const std::string& rel, const struct stat& st,
                   int out) {
  UniqueFd f(::openat(dir, leaf.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!f) return fail_errno("open {}", rel);
  TRY(header(out, '0', rel, "", st.st_mode, static_cast<uint64_t>(st.st_size), st.st_mtime));
  char buf[65536];
  uint64_t left = static_cast<uint64_t>(st.st_size);
  while (left > 0) {
    ssize_t got = ::read(f.get(), buf, std::min<uint64_t>(left, sizeof buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return fail_invalid("{} changed while it was packed", rel);
    TRY(write_all(out, buf, static_cast<size_t>(got)));
    left -= static_cast<uint64_t>(got);
  }
  return pad(out, static_cast<uint64_t>(st.st_size));
}

Result<> pack_dir(int dir, const std::string& prefix, dev_t dev, int out) {
  UniqueFd copy(::fcntl(dir, F_DUPFD_CLOEXEC, 0));
  DIR* list = copy ? ::fdopendir(copy.get()) : nullptr;
  if (!list) return fail_errno("read directory {}", prefix.empty() ? "/" : prefix);
  copy.release();
  std::vector<std::string> names;
  while (dirent* e = ::readdir(list)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
      names.emplace_back(e->d_name);
  }
  ::closedir(list);
  for (const auto& n : names) {
    std::string rel = prefix + n;
    struct stat st {};
    if (::fstatat(dir, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return fail_errno("{}", rel);
    bool mount_point = st.st_dev != dev;
    if (S_ISDIR(st.st_mode)) {
      TRY(header(out, '5', rel + "/", "", st.st_mode, 0, st.st_mtime));
      if (mount_point) continue;
      UniqueFd sub(::openat(dir, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub) return fail_errno("open {}", rel);
      TRY(pack_dir(sub.get(), rel + "/", dev, out));
    } else if (mount_point) {
      TRY(header(out, '0', rel, "", st.st_mode, 0, st.st_mtime));
    } else if (S_ISREG(st.st_mode)) {
      TRY(pack_file(dir, n, rel, st, out));
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t len = ::readlinkat(dir, n.c_str(), target.data(), target.size());
      if (len < 0) return fail_errno("readlink {}", rel);
      target.resize(static_cast<size_t>(len));
      TRY(header(out, '2', rel, target, 0777, 0, st.st_mtime));
    }
  }
  return {};
}

}  // namespace

Result<> pack_to_file(int root, const std::string& path) {
  UniqueFd out(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out) return fail_errno("create {}", path);
  TRY(pack_filesystem(root, out.get()));
  if (::fsync(out.get()) != 0) return fail_errno("fsync {}", path);
  return {};
}

Result<> pack_filesystem(int root, int out) {
  struct stat st {};
  if (::fstat(root, &st) != 0) return fail_errno("stat the root");
  TRY(pack_dir(root, "", st.st_dev, out));
  static const uint8_t end[2 * kBlock] = {};
  return write_all(out, end, sizeof end);
}

}  // namespace nucleus::fs::tar
