// nucleus cp for gVisor sandboxes. Their files live behind runsc's gofer and in the sandbox's own
// memory (/tmp), not under a host path nucleus could open, so the copy runs through `runsc exec`:
// in, the host's tar packs the source (read with the caller's authority) and tar inside the
// sandbox unpacks it; out, a regular file is streamed out with cat (a symlink with readlink) and
// written beside the destination, then renamed into place, and a directory is packed by tar
// inside and unpacked on the host by fs::tar, which never writes outside the destination nor
// through a symlink. They need sh and tar, mktemp and mv (in) or cat and readlink (out) in the
// container.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/gvisor.h"
#include "backend/gvisor_paths.h"
#include "backend/oci_bundle.h"
#include "fs/tar.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/pipe.h"
#include "util/scope_exit.h"

namespace nucleus::backend::gvisor {
namespace {

// Into an existing directory the source keeps its name ("." copies its content); otherwise it
// becomes the destination (unpacked beside it first, then moved).
constexpr const char* kUnpack =
    "set -e; dst=$1; name=$2\n"
    "if [ \"$name\" = . ]; then mkdir -p \"$dst\"; exec tar -x -o -C \"$dst\"; fi\n"
    "if [ -d \"$dst\" ] && [ ! -L \"$dst\" ]; then exec tar -x -o -C \"$dst\"; fi\n"
    "t=$(mktemp -d \"$(dirname \"$dst\")/.nucleus-cp.XXXXXX\")\n"
    "tar -x -o -C \"$t\" || { rm -rf \"$t\"; exit 1; }\n"
    "mv -f \"$t/$name\" \"$dst\" || { rm -rf \"$t\"; exit 1; }\n"
    "rmdir \"$t\"\n";

// One tag byte, then the data: F and the file's bytes, S and the link's target, D and a tar of
// the directory's content.
constexpr const char* kEmit =
    "if [ -L \"$1\" ]; then printf S; exec readlink -- \"$1\"; fi\n"
    "if [ -f \"$1\" ]; then printf F; exec cat -- \"$1\"; fi\n"
    "if [ -d \"$1\" ]; then printf D; exec tar -c -f - -C \"$1\" .; fi\n"
    "echo \"$1: not a file, directory or symlink\" >&2\n"
    "exit 3\n";

int wait_code(process::Child& c) {
  int st = 0;
  while (::waitpid(c.pid, &st, 0) < 0 && errno == EINTR) {
  }
  c.pid = -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

// `runsc exec` of a shell script as the container's user, with the given stdin and stdout.
Result<process::Child> exec_script(const std::string& id, const spec::Spec& s, const char* script,
                                   const std::vector<std::string>& args, int in, int out) {
  spec::Process p = s.process;
  p.args = {"/bin/sh", "-c", script, "sh"};
  p.args.insert(p.args.end(), args.begin(), args.end());
  p.terminal = false;
  UniqueFd json = TRY(process::memfd_with(process_config(s, p), "nucleus-process"));
  auto argv = runsc_verb(TRY(find_runsc()));
  argv.insert(argv.end(), {"exec", "--process", "/proc/self/fd/3", id});
  return process::spawn(argv, {{in, out, -1}, false, {json.get()}});
}

// Where a copy out lands: a temp file or link beside the target, renamed over it at the end, or
// the target directory itself (made if missing, removed again if the copy fails).
class Sink {
 public:
  Sink(int dir, std::string name, std::string shown)
      : dir_(dir),
        name_(std::move(name)),
        temp_("." + name_ + ".nucleus-cp"),
        shown_(std::move(shown)) {}

  Result<> file(int in) {
    TRY(fresh_temp());
    UniqueFd out(
        ::openat(dir_, temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!out) return fail_errno("create {}", temp_path());
    made_temp_ = true;
    char buf[65536];
    for (ssize_t n; (n = ::read(in, buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail_errno("read {}", shown_);
      if (!write_all(out.get(), buf, static_cast<size_t>(n)))
        return fail_errno("write {}", temp_path());
    }
    if (::fsync(out.get()) != 0) return fail_errno("{}", temp_path());
    return {};
  }

  Result<> symlink(int in) {
    char target[4097];
    size_t len = 0;
    for (ssize_t n;
         len < sizeof target - 1 && (n = ::read(in, target + len, sizeof target - 1 - len)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail_errno("read {}", shown_);
      len += static_cast<size_t>(n);
    }
    while (len > 0 && target[len - 1] == '\n') len--;
    target[len] = '\0';
    TRY(fresh_temp());
    if (::symlinkat(target, dir_, temp_.c_str()) != 0) return fail_errno("symlink {}", temp_path());
    made_temp_ = true;
    return {};
  }

  Result<> directory(int in, const std::string& source) {
    struct stat st {};
    if (::fstatat(dir_, name_.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (!S_ISDIR(st.st_mode))
        return fail_invalid("{}: cannot copy a directory over a file", shown_);
    } else if (::mkdirat(dir_, name_.c_str(), 0755) != 0) {
      return fail_errno("mkdir {}", shown_);
    } else {
      made_dir_ = true;
    }
    UniqueFd into(::openat(dir_, name_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!into) return fail_errno("{}", shown_);
    return fs::tar::extract(in, into.get(), source);
  }

  Result<> commit() {
    if (!made_temp_) return {};
    struct stat st {};
    if (::fstatat(dir_, name_.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
      return undo(), fail_invalid("{}: exists and is a directory", shown_);
    if (::renameat(dir_, temp_.c_str(), dir_, name_.c_str()) != 0)
      return undo(), fail_errno("rename to {}", shown_);
    made_temp_ = false;
    return {};
  }

  void undo() {
    if (made_temp_) ::unlinkat(dir_, temp_.c_str(), 0);
    if (made_dir_) fs::remove_tree_at(dir_, name_);
    made_temp_ = made_dir_ = false;
  }

 private:
  // A crashed copy's temp goes first (a symlink there is removed, not followed).
  Result<> fresh_temp() {
    if (::unlinkat(dir_, temp_.c_str(), 0) != 0 && errno != ENOENT)
      return fail_errno("remove {}", temp_path());
    return {};
  }
  std::string temp_path() const { return shown_.substr(0, shown_.rfind('/') + 1) + temp_; }
  static bool write_all(int fd, const char* p, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return false;
      p += w, n -= static_cast<size_t>(w);
    }
    return true;
  }

  int dir_;
  std::string name_, temp_, shown_;
  bool made_temp_ = false, made_dir_ = false;
};

Result<> check_path(const std::string& path, const std::string& id) {
  if (path.empty() || path[0] != '/')
    return fail_invalid("{}:{}: the container path must be absolute", id.substr(0, 12), path);
  return {};
}

}  // namespace

Result<> copy_in(const std::string& id, const spec::Spec& s, const std::string& host_src,
                 const std::string& container_dst) {
  TRY(check_path(container_dst, id));
  auto [parent, name] = fs::split_last(host_src);
  struct stat st {};
  if (::lstat(host_src.c_str(), &st) != 0) return fail_errno("{}", host_src);
  const char* tar = "/usr/bin/tar";
  if (::access(tar, X_OK) != 0) tar = "/bin/tar";
  TRY(process::check_trusted_executable(tar));
  auto [r, w] = TRY(make_pipe());
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  auto pack = TRY(process::spawn({tar, "-c", "-C", parent, "--", name},
                                 {{null.get(), w.get(), -1}, false, {}}));
  ScopeExit reap_pack([&] {
    if (pack.pid > 0) process::stop(pack);
  });
  auto unpack = exec_script(id, s, kUnpack, {container_dst, name}, r.get(), null.get());
  r.reset();
  w.reset();
  if (!unpack) return fail(unpack.error());
  int packed = wait_code(pack), unpacked = wait_code(*unpack);
  if (packed != 0) return fail_invalid("{}: tar could not read it (exit {})", host_src, packed);
  if (unpacked != 0)
    return fail_invalid("{}:{}: the copy into the sandbox failed (exit {})", id.substr(0, 12),
                        container_dst, unpacked);
  return {};
}

Result<> copy_out(const std::string& id, const spec::Spec& s, const std::string& container_src,
                  const std::string& host_dst) {
  TRY(check_path(container_src, id));
  std::string target = host_dst;
  struct stat st {};
  if (::lstat(host_dst.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode))
      return fail_invalid("{}: refusing to write through a symlink", host_dst);
    if (S_ISDIR(st.st_mode)) {
      std::string name = fs::split_last(container_src).second;
      target = name.empty() || name == "." ? host_dst : host_dst + "/" + name;
    }
  }
  auto [parent, name] = fs::split_last(target);
  UniqueFd dir(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return fail_errno("{}", parent);
  auto [r, w] = TRY(make_pipe());
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  auto emit = TRY(exec_script(id, s, kEmit, {container_src}, null.get(), w.get()));
  w.reset();
  ScopeExit stop_emit([&] {
    if (emit.pid > 0) process::stop(emit);
  });
  std::string shown = fmt::format("{}:{}", id.substr(0, 12), container_src);
  char tag = 0;
  while (::read(r.get(), &tag, 1) < 0 && errno == EINTR) {
  }
  Sink sink{dir.get(), name, target};
  Result<> copied = tag == 'D'   ? sink.directory(r.get(), shown)
                    : tag == 'F' ? sink.file(r.get())
                    : tag == 'S' ? sink.symlink(r.get())
                                 : Result<>{};
  int code = wait_code(emit);
  if (!copied) return sink.undo(), fail(copied.error());
  if (code != 0 || tag == 0) {
    sink.undo();
    return fail_invalid("{}: could not copy it out (exit {})", shown, code);
  }
  return sink.commit();
}

}  // namespace nucleus::backend::gvisor
