#include "fs/tar.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "util/log.h"
#include "util/unique_fd.h"

namespace nucleus::fs::tar {
namespace {

constexpr size_t kMaxMeta = 1 << 20;  // a long name or pax header larger than this is refused

std::string_view field(std::span<const uint8_t, kBlock> b, size_t off, size_t len) {
  auto* p = reinterpret_cast<const char*>(b.data() + off);
  return std::string_view(p, strnlen(p, len));
}

// Octal, space- or NUL-terminated; or base-256 (GNU) when the high bit of the first byte is set.
Result<uint64_t> number(std::span<const uint8_t, kBlock> b, size_t off, size_t len,
                        const char* what) {
  const uint8_t* p = b.data() + off;
  uint64_t v = 0;
  if (p[0] & 0x80) {
    if ((p[0] & 0x40) != 0) return fail_invalid("tar: negative {}", what);
    for (size_t i = 0; i < len; i++) {
      if (v >> 56) return fail_invalid("tar: {} too large", what);
      v = v << 8 | (i == 0 ? (p[0] & 0x7f) : p[i]);
    }
    return v;
  }
  size_t i = 0;
  while (i < len && p[i] == ' ') i++;
  for (; i < len && p[i] >= '0' && p[i] <= '7'; i++) {
    if (v >> 60) return fail_invalid("tar: {} too large", what);
    v = v << 3 | (p[i] - '0');
  }
  if (i < len && p[i] != ' ' && p[i] != '\0') return fail_invalid("tar: bad {}", what);
  return v;
}

// Reads up to n bytes (fewer only at the end of the stream).
Result<size_t> read_full(int fd, void* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, static_cast<char*>(buf) + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail_errno("read the archive");
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

size_t padded(uint64_t size) {
  return static_cast<size_t>((size + kBlock - 1) / kBlock * kBlock);
}

// Reads an entry's data (padded to the block size) to `out`, or drops it (out < 0).
Result<> copy_data(int in, uint64_t size, int out, const std::string& shown) {
  char buf[65536];
  uint64_t left = padded(size), data = size;
  while (left > 0) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(left, sizeof buf));
    size_t got = TRY(read_full(in, buf, want));
    if (got != want) return fail_invalid("{}: the archive ends inside an entry", shown);
    size_t keep = static_cast<size_t>(std::min<uint64_t>(got, data));
    for (size_t off = 0; out >= 0 && off < keep;) {
      ssize_t w = ::write(out, buf + off, keep - off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return fail_errno("write {}", shown);
      off += static_cast<size_t>(w);
    }
    data -= keep;
    left -= got;
  }
  return {};
}

// The directory holding `rel` beneath dest, made as needed, one component at a time without
// following a symlink; and the last component.
Result<std::pair<UniqueFd, std::string>> parent_of(int dest, const std::string& rel,
                                                   const std::string& shown) {
  UniqueFd dir(::fcntl(dest, F_DUPFD_CLOEXEC, 0));
  if (!dir) return fail_errno("dup");
  size_t start = 0;
  for (size_t slash; (slash = rel.find('/', start)) != std::string::npos; start = slash + 1) {
    std::string part = rel.substr(start, slash - start);
    if (::mkdirat(dir.get(), part.c_str(), 0755) != 0 && errno != EEXIST)
      return fail_errno("mkdir {}", shown);
    UniqueFd next(::openat(dir.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next && (errno == ELOOP || errno == ENOTDIR))
      return fail_invalid("{}: refusing to follow a symlink or a file in its path", shown);
    if (!next) return fail_errno("{}", shown);
    dir = std::move(next);
  }
  return std::make_pair(std::move(dir), rel.substr(start));
}

Result<> write_file(int in, int dest, const std::string& rel, const Header& h,
                    const std::string& shown) {
  auto [dir, leaf] = TRY(parent_of(dest, rel, shown));
  mode_t mode = h.mode & 0777;
  UniqueFd out(::openat(dir.get(), leaf.c_str(),
                        O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!out && errno == ELOOP) return fail_invalid("{}: refusing to write through a symlink", shown);
  if (!out) return fail_errno("create {}", shown);
  TRY(copy_data(in, h.size, out.get(), shown));
  ::fchmod(out.get(), mode);  // the umask does not apply to a copy
  timespec times[2] = {{0, UTIME_OMIT}, {h.mtime, 0}};
  ::futimens(out.get(), times);
  return {};
}

Result<> make_entry(int dest, const std::string& rel, const Header& h, const std::string& shown) {
  auto [dir, leaf] = TRY(parent_of(dest, rel, shown));
  if (h.type == '5') {
    if (::mkdirat(dir.get(), leaf.c_str(), h.mode & 0777) == 0) return {};
    struct stat st {};
    if (errno == EEXIST && ::fstatat(dir.get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(st.st_mode))
      return {};  // merged into an existing directory, as natively
    return fail_errno("mkdir {}", shown);
  }
  if (::symlinkat(h.link.c_str(), dir.get(), leaf.c_str()) != 0)
    return fail_errno("symlink {}", shown);
  return {};
}

}  // namespace

Result<std::optional<Header>> parse_header(std::span<const uint8_t, kBlock> b) {
  if (std::all_of(b.begin(), b.end(), [](uint8_t c) { return c == 0; })) return std::nullopt;
  uint64_t sum = 0;
  for (size_t i = 0; i < kBlock; i++) sum += (i >= 148 && i < 156) ? ' ' : b[i];
  if (TRY(number(b, 148, 8, "checksum")) != sum) return fail_invalid("tar: bad header checksum");
  Header h;
  h.type = static_cast<char>(b[156]);
  h.name = field(b, 0, 100);
  h.link = field(b, 157, 100);
  h.mode = static_cast<mode_t>(TRY(number(b, 100, 8, "mode")) & 07777);
  h.size = TRY(number(b, 124, 12, "size"));
  h.mtime = static_cast<int64_t>(TRY(number(b, 136, 12, "mtime")) & 0x7fffffffffffull);
  // POSIX ustar keeps a path prefix (GNU's "ustar  " uses those bytes for other things).
  if (field(b, 257, 6) == "ustar" && b[262] == '\0') {
    auto prefix = field(b, 345, 155);
    if (!prefix.empty()) h.name = std::string(prefix) + "/" + h.name;
  }
  return h;
}

Result<std::string> clean_path(std::string_view p) {
  if (p.find('\0') != std::string_view::npos) return fail_invalid("tar: a NUL byte in a path");
  if (!p.empty() && p[0] == '/') return fail_invalid("tar: absolute path {}", p);
  std::string out;
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    if (slash == std::string_view::npos) slash = p.size();
    auto part = p.substr(start, slash - start);
    start = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") return fail_invalid("tar: path {} leads outside", p);
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

Result<> apply_pax(std::string_view r, std::string& path, std::string& link) {
  while (!r.empty()) {
    size_t sp = r.find(' ');
    if (sp == std::string_view::npos || sp == 0 || sp > 20)
      return fail_invalid("tar: bad pax record");
    size_t len = 0;
    for (char c : r.substr(0, sp)) {
      if (c < '0' || c > '9') return fail_invalid("tar: bad pax record");
      len = len * 10 + static_cast<size_t>(c - '0');
    }
    if (len <= sp + 1 || len > r.size() || r[len - 1] != '\n')
      return fail_invalid("tar: bad pax record");
    auto kv = r.substr(sp + 1, len - sp - 2);
    r.remove_prefix(len);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) return fail_invalid("tar: bad pax record");
    auto key = kv.substr(0, eq), value = kv.substr(eq + 1);
    if (key == "path") path = value;
    if (key == "linkpath") link = value;
  }
  return {};
}

Result<> extract_file(const std::string& path, int dest) {
  UniqueFd in(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in) return fail_errno("open {}", path);
  return extract(in.get(), dest, path);
}

Result<> extract(int in, int dest, const std::string& shown) {
  std::optional<std::string> long_name, long_link;
  alignas(8) uint8_t block[kBlock];
  while (true) {
    size_t got = TRY(read_full(in, block, kBlock));
    if (got == 0) return {};  // ended without the end blocks: what came is complete
    if (got != kBlock) return fail_invalid("{}: the archive ends inside a header", shown);
    auto h = TRY(parse_header(std::span<const uint8_t, kBlock>(block, kBlock)));
    if (!h) return {};
    if (h->type == 'L' || h->type == 'K' || h->type == 'x') {
      if (h->size > kMaxMeta) return fail_invalid("{}: a tar header of {} bytes", shown, h->size);
      std::vector<char> data(padded(h->size));
      if (TRY(read_full(in, data.data(), data.size())) != data.size())
        return fail_invalid("{}: the archive ends inside an entry", shown);
      std::string_view text(data.data(), static_cast<size_t>(h->size));
      if (h->type == 'x') {
        std::string path = long_name.value_or(""), link = long_link.value_or("");
        TRY(apply_pax(text, path, link));
        if (!path.empty()) long_name = path;
        if (!link.empty()) long_link = link;
      } else {
        (h->type == 'L' ? long_name : long_link) =
            std::string(text.substr(0, strnlen(text.data(), text.size())));
      }
      continue;
    }
    if (long_name) h->name = *long_name;
    if (long_link) h->link = *long_link;
    long_name.reset(), long_link.reset();
    std::string rel = TRY(clean_path(h->name));
    std::string where = rel.empty() ? shown : shown + "/" + rel;
    bool file = h->type == '0' || h->type == '\0' || h->type == '7';
    if (file && !rel.empty()) {
      TRY(write_file(in, dest, rel, *h, where));
      continue;
    }
    if ((h->type == '5' || h->type == '2') && !rel.empty()) {
      TRY(make_entry(dest, rel, *h, where));
    } else if (h->type != '5' && h->type != 'g') {
      log::warn("{}: skipped (not a file, directory or symlink)", where);
    }
    TRY(copy_data(in, h->size, -1, where));
  }
}

}  // namespace nucleus::fs::tar
