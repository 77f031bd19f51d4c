// Safe file I/O for the parent side: nothing here follows a symlink in the last component,
// every descriptor is close-on-exec.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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
// The target of the symlink at `path` (/proc/PID/fd/N, /proc/PID/cwd included).
Result<std::string> read_link(const std::string& path);
// A file given by a user (policies, secrets): a regular file, not through a symlink (ELOOP),
// never blocking on a FIFO or device, at most max_size bytes; errors name the kind found.
Result<std::string> read_regular_file(const std::string& path, uint64_t max_size);

// Writes `data` to an existing file under dirfd (cgroup control files): O_WRONLY|O_NOFOLLOW.
Result<> write_existing_at(int dirfd, const std::string& name, std::string_view data);

// Creates a 0700 directory (or accepts an existing one) and checks that it is a real directory
// owned by the caller: state directories that nobody else can plant things in. parents: missing
// parents are made too (0711).
Result<> make_private_dir(const std::string& path, bool parents = false);

// Writes dir/name atomically: temp file created exclusively (O_NOFOLLOW; a stale temp file or a
// symlink there is removed, never followed), fsync when durable, rename over the old file.
Result<> write_atomic(const std::string& dir, const std::string& name, const std::string& data,
                      bool durable);

// Opens (creating, 0600, not through a symlink) and exclusively flocks a lock file; the lock
// goes with the descriptor.
Result<UniqueFd> lock_file(const std::string& path);

// Removes a directory tree without following symlinks (best effort: what cannot go stays).
void remove_tree(const std::string& dir);
// The same for the entry `name` of directory `parent` (never through a symlink).
void remove_tree_at(int parent, const std::string& name);

// "/a/b/" -> {"/a", "b"}; "b" -> {".", "b"}; "/b" -> {"/", "b"} (trailing slashes dropped).
std::pair<std::string, std::string> split_last(std::string path);

// The names in a directory (not "." and ".."), which must not be a symlink.
Result<std::vector<std::string>> list_dir(const std::string& dir);

// Lexically normalised absolute path ("/a/./b//c/" -> "/a/b/c"); ".." is refused.
Result<std::string> normalize_abs(std::string_view path);
// The working directory.
Result<std::string> current_dir();
// A path given on the command line, relative to the working directory unless absolute ("." is
// the directory itself).
Result<std::string> absolute(const std::string& path);

// true when `path` equals `dir` or lies below it (both normalised).
bool is_within(std::string_view path, std::string_view dir);

}  // namespace nucleus::fs
