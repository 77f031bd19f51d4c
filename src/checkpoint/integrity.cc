#include "checkpoint/integrity.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>
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

// The files of a checkpoint, each cut into chunks that are hashed in parallel: CRIU's page images
// are most of it, and one core's SHA-256 is the slowest part of a big checkpoint and restore.
constexpr uint64_t kChunk = 4ull << 20;

struct File {
  std::string name;
  UniqueFd fd;
  uint64_t size = 0;
  std::vector<sha256::Digest> chunks;  // SHA-256 of each kChunk bytes
};

// Every file but the signature, by name; each must be a regular file.
Result<std::vector<File>> open_files(const std::string& dir) {
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
  std::vector<File> files;
  for (auto& n : names) {
    File f;
    f.fd.reset(::openat(d.get(), n.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat st {};
    if (!f.fd || ::fstat(f.fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
      return fail_invalid("checkpoint {}: {} is not a regular file", dir, n);
    f.name = std::move(n);
    f.size = static_cast<uint64_t>(st.st_size);
    f.chunks.resize(std::max<uint64_t>(1, (f.size + kChunk - 1) / kChunk));
    files.push_back(std::move(f));
  }
  return files;
}

// Hashes chunk k of f; false when the file is shorter than it was.
bool hash_chunk(File& f, size_t k) {
  static thread_local std::vector<char> buf(1 << 20);
  sha256::Hasher h;
  uint64_t at = k * kChunk, end = std::min(f.size, at + kChunk);
  while (at < end) {
    ssize_t got = ::pread(f.fd.get(), buf.data(), std::min<uint64_t>(buf.size(), end - at),
                          static_cast<off_t>(at));
    if (got <= 0) return false;
    h.update(std::string_view(buf.data(), static_cast<size_t>(got)));
    at += static_cast<uint64_t>(got);
  }
  f.chunks[k] = h.finish();
  return true;
}

// The HMAC, over each file by name: name, NUL, size (8 bytes), the SHA-256 of each 4 MiB chunk.
Result<sha256::Digest> mac(const std::string& dir, const std::string& k) {
  auto files = TRY(open_files(dir));
  std::vector<std::pair<size_t, size_t>> work;
  for (size_t i = 0; i < files.size(); i++)
    for (size_t c = 0; c < files[i].chunks.size(); c++) work.emplace_back(i, c);
  std::atomic<size_t> next{0};
  std::atomic<bool> short_read{false};
  auto worker = [&] {
    for (size_t w; (w = next.fetch_add(1)) < work.size();)
      if (!hash_chunk(files[work[w].first], work[w].second)) short_read = true;
  };
  size_t n = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < std::min(n, work.size()); i++) helpers.emplace_back(worker);
  worker();
  for (auto& t : helpers) t.join();
  if (short_read) return fail_invalid("checkpoint {}: a file changed while it was read", dir);
  sha256::Hmac h(k);
  for (const auto& f : files) {
    h.update(std::string_view(f.name.c_str(), f.name.size() + 1));
    h.update(std::string_view(reinterpret_cast<const char*>(&f.size), sizeof f.size));
    for (const auto& d : f.chunks)
      h.update(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
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
