#include "checkpoint/integrity.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "util/fs.h"
#include "util/sha256.h"

namespace nucleus::checkpoint {
namespace {

constexpr size_t kKeySize = 32;

Result<std::string> key(const std::string& state_root) {
  TRY(fs::make_private_dir(state_root));
  std::string path = state_root + "/checkpoint.key";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd && errno == ENOENT) {
    std::string k(kKeySize, '\0');
    if (::getrandom(k.data(), k.size(), 0) != static_cast<ssize_t>(k.size()))
      return fail_errno("getrandom");
    UniqueFd out(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (out) {
      if (::write(out.get(), k.data(), k.size()) != static_cast<ssize_t>(k.size()) ||
          ::fsync(out.get()) != 0)
        return fail_errno("write {}", path);
      return k;
    }
    if (errno != EEXIST) return fail_errno("create {}", path);
    fd.reset(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));  // made meanwhile
  }
  if (!fd) return fail_errno("open {}", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
      (st.st_mode & 077) || st.st_size != static_cast<off_t>(kKeySize))
    return fail_invalid("{}: want a 32-byte file owned by this user, mode 0600", path);
  std::string k(kKeySize, '\0');
  if (::read(fd.get(), k.data(), k.size()) != static_cast<ssize_t>(k.size()))
    return fail_errno("read {}", path);
  return k;
}

// HMAC over each file but the signature, by name: name, NUL, size (8 bytes), content.
Result<sha256::Digest> mac(const std::string& dir, const std::string& k) {
  UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!d) return fail_errno("open checkpoint {}", dir);
  std::vector<std::string> names;
  DIR* list = ::fdopendir(::fcntl(d.get(), F_DUPFD_CLOEXEC, 0));
  if (!list) return fail_errno("list {}", dir);
  while (dirent* e = ::readdir(list)) {
    std::string n = e->d_name;
    if (n != "." && n != ".." && n != kSignatureFile) names.push_back(n);
  }
  ::closedir(list);
  std::sort(names.begin(), names.end());
  sha256::Hmac h(k);
  for (const auto& n : names) {
    UniqueFd f(::openat(d.get(), n.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat st {};
    if (!f || ::fstat(f.get(), &st) != 0 || !S_ISREG(st.st_mode))
      return fail_invalid("checkpoint {}: {} is not a regular file", dir, n);
    h.update(std::string_view(n.c_str(), n.size() + 1));
    uint64_t size = static_cast<uint64_t>(st.st_size);
    h.update(std::string_view(reinterpret_cast<const char*>(&size), sizeof size));
    char buf[1 << 16];
    ssize_t got;
    uint64_t seen = 0;
    while ((got = ::read(f.get(), buf, sizeof buf)) > 0) {
      h.update(std::string_view(buf, static_cast<size_t>(got)));
      seen += static_cast<uint64_t>(got);
    }
    if (got < 0 || seen != size) return fail_errno("read {}/{}", dir, n);
  }
  return h.finish();
}

}  // namespace

Result<> sign(const std::string& dir, const std::string& state_root) {
  auto digest = TRY(mac(dir, TRY(key(state_root))));
  return fs::write_atomic(dir, kSignatureFile, sha256::hex(digest) + "\n", true);
}

Result<> verify(const std::string& dir, const std::string& state_root) {
  auto text = fs::read_file(dir + "/" + kSignatureFile);
  if (!text)
    return fail_invalid("checkpoint {} is not signed by nucleus ({}): refusing to restore it", dir,
                        text.error().what());
  auto digest = TRY(mac(dir, TRY(key(state_root))));
  std::string want = sha256::hex(digest) + "\n";
  sha256::Digest a = sha256::hash(want), b = sha256::hash(*text);  // equal-length compare
  if (!sha256::equal(a, b))
    return fail_invalid(
        "checkpoint {} was changed after it was made (HMAC mismatch), or was made with another "
        "key: refusing to restore it",
        dir);
  return {};
}

}  // namespace nucleus::checkpoint
