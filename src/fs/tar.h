// Unpacking a tar stream that comes from inside a sandbox (nucleus cp out of a gVisor
// container): untrusted input. Every entry is created beneath the destination directory with
// openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so no path in the archive, and no symlink it
// made earlier, can lead a write outside; absolute paths and ".." are refused. Regular files,
// directories and symlinks (created as links, never followed) are unpacked; hard links, devices
// and fifos are skipped with a warning, as `nucleus cp` does natively. Owners are not kept (the
// caller owns the copy), nor setuid, setgid and sticky bits.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "util/result.h"

namespace nucleus::fs::tar {

inline constexpr size_t kBlock = 512;

struct Header {
  char type = '0';  // '0' file, '5' directory, '2' symlink, 'L'/'K' GNU long name/link, 'x' pax
  std::string name, link;
  uint64_t size = 0;
  mode_t mode = 0;
  int64_t mtime = 0;
};

// One header block; nullopt for an all-zero block (the end of the archive).
Result<std::optional<Header>> parse_header(std::span<const uint8_t, kBlock> block);
// An archive path as a path relative to the destination: "./" and trailing "/" dropped; ""
// for the archive's root. Absolute paths, ".." and NUL bytes are refused.
Result<std::string> clean_path(std::string_view path);
// pax extended records ("LEN key=value\n"...): the path and linkpath they set, if any.
Result<> apply_pax(std::string_view records, std::string& path, std::string& link);

// Writes the tree beneath the directory `root` to `out` as a tar archive (GNU long names): the
// directories, regular files and symlinks of root's own filesystem. What another filesystem is
// mounted on is written as an empty directory or file, its content left out (a mount point);
// devices, fifos and sockets are skipped. Nothing is followed.
Result<> pack_filesystem(int root, int out);
// The same into a new file at `path` (created exclusively, 0600, never through a symlink;
// fsynced).
Result<> pack_to_file(int root, const std::string& path);

// Reads the archive from `in` to its end and unpacks it beneath the directory `dest`; `shown`
// names the source in errors.
Result<> extract(int in, int dest, const std::string& shown);
// The same from the archive file at `path` (not through a symlink).
Result<> extract_file(const std::string& path, int dest);

}  // namespace nucleus::fs::tar
