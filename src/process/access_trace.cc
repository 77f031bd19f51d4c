#include "process/access_trace.h"

#include <elf.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstring>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "security/landlock.h"
#include "util/fs.h"
#include "util/unique_fd.h"

namespace nucleus::process {
namespace {

namespace ll = security::landlock;

constexpr size_t kPathMax = 4096;
constexpr uint64_t kAtRemoveDir = 0x200, kAtEmptyPath = 0x1000, kRenameExchange = 1u << 1;

// A NUL-terminated string at addr in pid's memory, read a page at a time (the string may end
// just before an unmapped page).
std::optional<std::string> read_string(pid_t pid, uint64_t addr) {
  if (addr == 0) return std::nullopt;
  std::string out;
  while (out.size() < kPathMax) {
    size_t chunk = 4096 - (addr % 4096);
    char buf[4096];
    iovec local{buf, chunk}, remote{reinterpret_cast<void*>(addr), chunk};
    ssize_t n = ::process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n <= 0) return std::nullopt;
    size_t len = strnlen(buf, static_cast<size_t>(n));
    out.append(buf, len);
    if (len < static_cast<size_t>(n)) return out;
    addr += static_cast<uint64_t>(n);
  }
  return std::nullopt;  // longer than any path
}

// "/a/b/../c/./d" -> "/a/c/d" (lexically: what the workload named, not where its links lead).
std::string lexical(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = std::min(path.find('/', i), path.size());
    std::string part = path.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

// What a descriptor of the caller (or AT_FDCWD: its working directory) names, inside its root;
// nullopt for what is not a path (a pipe, a socket).
std::optional<std::string> dir_of(pid_t pid, int64_t fd) {
  auto link = fs::read_link(fd == AT_FDCWD ? fmt::format("/proc/{}/cwd", pid)
                                           : fmt::format("/proc/{}/fd/{}", pid, fd));
  if (!link || link->empty() || (*link)[0] != '/' || link->ends_with(" (deleted)"))
    return std::nullopt;
  return *link;
}

// The absolute path a call names by (dirfd, string); an empty string with AT_EMPTY_PATH is the
// descriptor's own file.
std::optional<std::string> resolve(pid_t pid, int64_t dirfd, uint64_t addr, bool empty_ok) {
  auto name = read_string(pid, addr);
  if (!name) return std::nullopt;
  if (name->empty()) return empty_ok ? dir_of(pid, dirfd) : std::nullopt;
  if ((*name)[0] == '/') return lexical(*name);
  auto base = dir_of(pid, static_cast<int32_t>(dirfd));
  if (!base) return std::nullopt;
  return lexical(*base + "/" + *name);
}

// Opens `path` inside pid's root, symlinks resolved there (RESOLVE_IN_ROOT).
UniqueFd open_in(pid_t pid, const std::string& path, uint64_t flags) {
  UniqueFd root(::open(fmt::format("/proc/{}/root", pid).c_str(), O_PATH | O_CLOEXEC));
  if (!root) return {};
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = path == "/" ? "." : path.substr(1);
  return UniqueFd(
      static_cast<int>(::syscall(SYS_openat2, root.get(), rel.c_str(), &how, sizeof how)));
}

// The file at `path` inside pid's root, or the entry itself (nofollow: a symlink being renamed).
std::optional<struct stat> stat_in(pid_t pid, const std::string& path, bool nofollow = false) {
  UniqueFd fd = open_in(pid, path, O_PATH | (nofollow ? O_NOFOLLOW : 0));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0) return std::nullopt;
  return st;
}

// The first bytes of a regular file inside pid's root. Found with O_PATH and checked before it
// is opened for reading (through its O_PATH descriptor, so the same file): nucleus never opens
// a device or FIFO the workload may have put there.
std::string head_in(pid_t pid, const std::string& path, size_t max) {
  UniqueFd found = open_in(pid, path, O_PATH);
  struct stat st {};
  if (!found || ::fstat(found.get(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
  UniqueFd fd(::open(fmt::format("/proc/self/fd/{}", found.get()).c_str(),
                     O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd) return {};
  std::string out(max, '\0');
  ssize_t n = ::pread(fd.get(), out.data(), max, 0);
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

// The program that runs `head` (a file's first bytes): a script's #! line, an ELF's
// PT_INTERP; "" for none.
std::string interpreter_of(const std::string& head) {
  if (head.starts_with("#!")) {
    size_t b = head.find_first_not_of(" \t", 2);
    if (b == std::string::npos) return {};
    size_t e = head.find_first_of(" \t\n", b);
    return head.substr(b, e == std::string::npos ? std::string::npos : e - b);
  }
  if (head.size() < sizeof(Elf64_Ehdr) || std::memcmp(head.data(), ELFMAG, SELFMAG) != 0 ||
      head[EI_CLASS] != ELFCLASS64)
    return {};
  Elf64_Ehdr eh;
  std::memcpy(&eh, head.data(), sizeof eh);
  for (unsigned i = 0; i < eh.e_phnum; i++) {
    size_t at = eh.e_phoff + i * size_t{eh.e_phentsize};
    if (at + sizeof(Elf64_Phdr) > head.size()) break;
    Elf64_Phdr ph;
    std::memcpy(&ph, head.data() + at, sizeof ph);
    if (ph.p_type != PT_INTERP || ph.p_offset + ph.p_filesz > head.size()) continue;
    return std::string(head.data() + ph.p_offset, strnlen(head.data() + ph.p_offset, ph.p_filesz));
  }
  return {};
}

std::string parent_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The right to make a node of this type (mknod's mode, a file being moved or linked).
uint64_t make_right(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return ll::kMakeDir;
    case S_IFCHR:
      return ll::kMakeChar;
    case S_IFBLK:
      return ll::kMakeBlock;
    case S_IFIFO:
      return ll::kMakeFifo;
    case S_IFSOCK:
      return ll::kMakeSock;
    case S_IFLNK:
      return ll::kMakeSym;
    default:
      return ll::kMakeReg;
  }
}

// /proc/self/status, /proc/123/maps -> /proc: another process's is another file.
std::string stand_in(const std::string& path) {
  if (!path.starts_with("/proc/")) return path;
  std::string first = path.substr(6, path.find('/', 6) - 6);
  bool per_process = first == "self" || first == "thread-self" ||
                     (!first.empty() && std::all_of(first.begin(), first.end(), ::isdigit));
  return per_process ? "/proc" : path;
}

}  // namespace

void AccessTrace::grant(const std::string& path, uint64_t rights) {
  if (rights == 0) return;
  // What the run made is not there when the next one starts: its rights are those of the
  // directory above everything it made.
  std::string target = stand_in(path);
  for (std::string at = target; at != "/"; at = parent_of(at))
    if (made_.contains(at)) target = parent_of(at);
  paths_[target] |= rights;
}

void AccessTrace::make(pid_t pid, const std::string& path, uint64_t right) {
  if (path == "/") return;
  if (!stat_in(pid, path, /*nofollow=*/true)) made_.insert(path);
  grant_parent(path, right);
}

void AccessTrace::grant_parent(const std::string& path, uint64_t rights) {
  if (path != "/") grant(parent_of(path), rights);
}

void AccessTrace::grant_exec(pid_t pid, const std::string& path, int depth) {
  auto st = stat_in(pid, path);
  if (!st || !S_ISREG(st->st_mode)) return;
  grant(path, ll::kExecute | ll::kReadFile);  // the kernel opens a program to read and run it
  std::string interp = interpreter_of(head_in(pid, path, 4096));
  if (!interp.empty() && interp[0] == '/' && depth < 3) grant_exec(pid, lexical(interp), depth + 1);
}

void AccessTrace::note_program(pid_t pid) {
  auto exe = fs::read_link(fmt::format("/proc/{}/exe", pid));
  if (!exe || exe->empty() || (*exe)[0] != '/') return;
  auto [it, fresh] = programs_.try_emplace(pid, *exe);
  if (!fresh && it->second == *exe) return;
  it->second = *exe;
  grant_exec(pid, *exe);
  // A script run by its #! line: the interpreter is the program, the script its first argument.
  auto cmdline = fs::read_file(fmt::format("/proc/{}/cmdline", pid));
  if (!cmdline) return;
  size_t first = cmdline->find('\0');
  if (first == std::string::npos || first + 1 >= cmdline->size()) return;
  std::string arg = cmdline->substr(first + 1, cmdline->find('\0', first + 1) - first - 1);
  if (arg.empty() || arg[0] == '-') return;
  auto base = arg[0] == '/' ? std::optional<std::string>("") : dir_of(pid, AT_FDCWD);
  if (!base) return;
  std::string script = lexical(*base + "/" + arg);
  if (head_in(pid, script, 2) == "#!") grant_exec(pid, script);
}

void AccessTrace::note_open(pid_t pid, const std::string& path, uint64_t flags) {
  if (flags & O_PATH) return;  // Landlock checks no O_PATH open
  uint64_t acc = flags & O_ACCMODE;
  uint64_t rights = (acc == O_WRONLY ? 0 : ll::kReadFile) | (acc == O_RDONLY ? 0 : ll::kWriteFile);
  if ((flags & O_TRUNC) && acc != O_RDONLY) rights |= ll::kTruncate;
  auto st = stat_in(pid, path);
  if (!st) {
    if (flags & O_CREAT) {
      make(pid, path, ll::kMakeReg);
      grant(path, rights);  // made by this call: its directory's (see grant)
    }
    return;
  }
  if (S_ISDIR(st->st_mode)) return grant(path, acc == O_RDONLY ? ll::kReadDir : 0);
  if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) rights |= ll::kIoctlDev;
  grant(path, rights);
}

void AccessTrace::note_move(pid_t pid, const std::string& from, const std::string& to,
                            bool keep_source) {
  auto st = stat_in(pid, from, /*nofollow=*/true);
  if (!st) return;
  uint64_t make = make_right(st->st_mode);
  uint64_t remove = S_ISDIR(st->st_mode) ? ll::kRemoveDir : ll::kRemoveFile;
  bool across = parent_of(from) != parent_of(to);
  uint64_t refer = across ? ll::kRefer : 0;
  if (!keep_source) grant_parent(from, remove | refer);
  if (keep_source && across) grant_parent(from, refer);
  this->make(pid, to, make | refer);
}

void AccessTrace::note(int listener, const seccomp_notif& req) {
  if (req.data.arch != AUDIT_ARCH_X86_64) return;
  pid_t pid = static_cast<pid_t>(req.pid);
  const auto* a = req.data.args;
  auto at = [&](int dirfd_arg, int path_arg, bool empty_ok = false) {
    return resolve(pid, static_cast<int64_t>(static_cast<int32_t>(a[dirfd_arg])), a[path_arg],
                   empty_ok);
  };
  auto plain = [&](int path_arg) { return resolve(pid, AT_FDCWD, a[path_arg], false); };
  auto fd_path = [&](int fd_arg) { return dir_of(pid, static_cast<int32_t>(a[fd_arg])); };
  auto valid = [&] { return ::ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) == 0; };

  // execve itself passes without a notification (nucleus's own exec of the command does too):
  // the program a process runs is looked up when it starts, at its first call and at the calls
  // every new program makes first.
  bool starts =
      req.data.nr == SYS_brk || req.data.nr == SYS_arch_prctl || req.data.nr == SYS_set_tid_address;
  if (starts || !programs_.contains(pid)) note_program(pid);
  std::optional<std::string> p, q;
  switch (req.data.nr) {
    case SYS_open:
      if ((p = plain(0)) && valid()) note_open(pid, *p, a[1]);
      break;
    case SYS_creat:
      if ((p = plain(0)) && valid()) note_open(pid, *p, O_CREAT | O_WRONLY | O_TRUNC);
      break;
    case SYS_openat:
      if ((p = at(0, 1)) && valid()) note_open(pid, *p, a[2]);
      break;
    case SYS_openat2: {
      open_how how{};
      iovec local{&how, sizeof how.flags}, remote{reinterpret_cast<void*>(a[2]), sizeof how.flags};
      if ((p = at(0, 1)) && ::process_vm_readv(pid, &local, 1, &remote, 1, 0) > 0 && valid())
        note_open(pid, *p, how.flags);
      break;
    }
    case SYS_execveat:
      if ((p = at(0, 1, a[4] & kAtEmptyPath)) && valid()) grant_exec(pid, *p);
      break;
    case SYS_mkdir:
      if ((p = plain(0)) && valid()) make(pid, *p, ll::kMakeDir);
      break;
    case SYS_mkdirat:
      if ((p = at(0, 1)) && valid()) make(pid, *p, ll::kMakeDir);
      break;
    case SYS_mknod:
      if ((p = plain(0)) && valid()) make(pid, *p, make_right(static_cast<mode_t>(a[1])));
      break;
    case SYS_mknodat:
      if ((p = at(0, 1)) && valid()) make(pid, *p, make_right(static_cast<mode_t>(a[2])));
      break;
    case SYS_rmdir:
      if ((p = plain(0)) && valid()) grant_parent(*p, ll::kRemoveDir);
      break;
    case SYS_unlink:
      if ((p = plain(0)) && valid()) grant_parent(*p, ll::kRemoveFile);
      break;
    case SYS_unlinkat:
      if ((p = at(0, 1)) && valid())
        grant_parent(*p, (a[2] & kAtRemoveDir) ? ll::kRemoveDir : ll::kRemoveFile);
      break;
    case SYS_symlink:
      if ((p = plain(1)) && valid()) make(pid, *p, ll::kMakeSym);
      break;
    case SYS_symlinkat:
      if ((p = at(1, 2)) && valid()) make(pid, *p, ll::kMakeSym);
      break;
    case SYS_rename:
      if ((p = plain(0)) && (q = plain(1)) && valid()) note_move(pid, *p, *q, false);
      break;
    case SYS_renameat:
    case SYS_renameat2:
      if ((p = at(0, 1)) && (q = at(2, 3)) && valid()) {
        note_move(pid, *p, *q, false);
        if (req.data.nr == SYS_renameat2 && (a[4] & kRenameExchange)) note_move(pid, *q, *p, false);
      }
      break;
    case SYS_link:
      if ((p = plain(0)) && (q = plain(1)) && valid()) note_move(pid, *p, *q, true);
      break;
    case SYS_linkat:
      if ((p = at(0, 1, a[4] & kAtEmptyPath)) && (q = at(2, 3)) && valid())
        note_move(pid, *p, *q, true);
      break;
    case SYS_truncate:
      if ((p = plain(0)) && valid()) grant(*p, ll::kTruncate);
      break;
    case SYS_ftruncate:
      if ((p = fd_path(0)) && valid()) grant(*p, ll::kTruncate);
      break;
    case SYS_getdents:
    case SYS_getdents64:
      if ((p = fd_path(0)) && valid()) grant(*p, ll::kReadDir);
      break;
    case SYS_bind: {  // a named unix socket is a node made in its directory
      sockaddr_un un{};
      size_t len = std::min<size_t>(a[2], sizeof un);
      iovec local{&un, len}, remote{reinterpret_cast<void*>(a[1]), len};
      if (len <= offsetof(sockaddr_un, sun_path) ||
          ::process_vm_readv(pid, &local, 1, &remote, 1, 0) != static_cast<ssize_t>(len) ||
          un.sun_family != AF_UNIX || un.sun_path[0] == '\0')
        break;
      std::string name(un.sun_path, strnlen(un.sun_path, sizeof un.sun_path));
      auto base = name[0] == '/' ? std::optional<std::string>("") : dir_of(pid, AT_FDCWD);
      if (base && valid()) make(pid, lexical(*base + "/" + name), ll::kMakeSock);
      break;
    }
    default:
      break;
  }
}

}  // namespace nucleus::process
