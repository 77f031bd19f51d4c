#include "cgroup/dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::cgroup {

namespace {
Result<UniqueFd> make_dir_once(const std::string& root, const std::string& path) {
  std::string cur = root;
  auto parts = parse::split(std::string_view(path).substr(1), '/');
  for (size_t i = 0; i < parts.size(); i++) {
    cur += "/";
    cur += parts[i];
    bool last = i + 1 == parts.size();
    if (::mkdir(cur.c_str(), 0755) != 0 && (last || errno != EEXIST)) {
      if (errno == EEXIST) return fail_invalid("cgroup {} already exists", cur);
      return fail_errno("create cgroup {}", cur);
    }
  }
  UniqueFd fd(::open(cur.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return fail_errno("open cgroup {}", cur);
  return fd;
}
}  // namespace

Result<UniqueFd> make_dir(const std::string& root, const std::string& path) {
  // Another container's cleanup may remove a shared parent between our mkdirs: try again.
  for (int attempt = 0;; attempt++) {
    auto fd = make_dir_once(root, path);
    if (fd || fd.error().code != ENOENT || attempt == 5) return fd;
  }
}

std::vector<std::string> controllers_for(const spec::Resources& r, const char* io) {
  std::vector<std::string> out;
  bool v1 = std::string_view(io) == "blkio";
  if (r.memory || r.memory_swap || r.accounting) out.emplace_back("memory");
  if (r.cpu_quota || r.cpu_weight) out.emplace_back("cpu");
  if (r.pids || r.accounting) out.emplace_back("pids");
  if (!r.io.empty()) out.emplace_back(io);
  // Usage figures and the freezer: v2 has them in every cgroup (cpu.stat, cgroup.freeze).
  if (r.accounting && v1) {
    out.emplace_back("cpuacct");
    out.emplace_back("freezer");
  }
  return out;
}

Result<> write_file(int dirfd, const std::string& dir, const char* file, std::string_view value,
                    bool fake) {
  if (fake) {
    UniqueFd fd(
        ::openat(dirfd, file, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd) return fail_errno("create {}/{}", dir, file);
    std::string line = std::string(value) + "\n";
    if (::write(fd.get(), line.data(), line.size()) < 0)
      return fail_errno("write {}/{}", dir, file);
    return {};
  }
  return fs::write_existing_at(dirfd, file, value).map_error([&](const Error& e) {
    return Error{e.code, fmt::format("write '{}' to {}/{}", value, dir, file), e.exit_code};
  });
}

bool has_file(int dirfd, const char* file) {
  return ::faccessat(dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

std::vector<pid_t> read_pids(int dirfd) {
  std::vector<pid_t> out;
  auto s = fs::read_file_at(dirfd, "cgroup.procs");
  if (!s) return out;
  for (auto line : parse::split(*s, '\n')) {
    auto v = parse::uint(line, 1, 1u << 22);
    if (v) out.push_back(static_cast<pid_t>(*v));
  }
  return out;
}

Result<> remove_dir(const std::string& root, const std::string& path) {
  std::string full = root + path;
  // Tasks that have exited but are not yet released keep a cgroup busy for a moment.
  for (int attempt = 0;; attempt++) {
    if (::rmdir(full.c_str()) == 0 || errno == ENOENT) break;
    if (errno != EBUSY || attempt >= 400) return fail_errno("remove cgroup {}", full);
    timespec ts{0, 5L * 1000 * 1000};
    ::nanosleep(&ts, nullptr);
  }
  for (size_t slash = path.rfind('/'); slash != 0 && slash != std::string::npos;
       slash = path.rfind('/', slash - 1)) {
    // Shared parents (/nucleus) go when the last container leaves; a busy one stays.
    if (::rmdir((root + path.substr(0, slash)).c_str()) != 0) break;
  }
  return {};
}

}  // namespace nucleus::cgroup
