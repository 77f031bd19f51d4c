// Safe file I/O for the parent side: nothing here follows a symlink in the last component,
// every descriptor is close-on-exec.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::fs {

enum class Kind { kMissing, kDirectory, kRegular, kSymlink, kDevice, kOther };

// What is at `path`, without following a final symlink.
Result<Kind> kind_of(const std::string& path);
const char* kind_name(Kind k);

// Opens an existing directory; a symlink in the last component is refused (ELOOP).
Result<UniqueFd> open_dir(const std::string& path);

Result<std::string> read_file(const std::string& path);
Result<std::string> read_file_at(int dirfd, const std::string& name);

// Writes `data` to an existing file under dirfd (cgroup control files): O_WRONLY|O_NOFOLLOW.
Result<> write_existing_at(int dirfd, const std::string& name, std::string_view data);

// Creates a 0700 directory (or accepts an existing one) and checks that it is a real directory
// owned by the caller: state directories that nobody else can plant things in.
Result<> make_private_dir(const std::string& path);

// Lexically normalised absolute path ("/a/./b//c/" -> "/a/b/c"); ".." is refused.
Result<std::string> normalize_abs(std::string_view path);

// true when `path` equals `dir` or lies below it (both normalised).
bool is_within(std::string_view path, std::string_view dir);

}  // namespace nucleus::fs
