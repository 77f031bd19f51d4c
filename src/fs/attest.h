// Root filesystem attestation: DIR/.nucleus-rootfs-sha256 lists every directory, regular file
// (with its SHA-256) and symlink (with its target) below DIR, with modes, one JSON object per
// line, sorted by path. `nucleus rootfs attest DIR` writes it; `run --verify-rootfs-attestation`
// refuses a root where anything is missing, extra or changed. Nothing is followed through a
// symlink; device nodes, FIFOs and sockets are refused (a service's root has none).
#pragma once

#include <string>

#include "util/result.h"

namespace nucleus::fs {

inline constexpr const char* kRootfsManifest = ".nucleus-rootfs-sha256";

// The manifest text of dir as it is now.
Result<std::string> rootfs_manifest(const std::string& dir);
// Writes dir/.nucleus-rootfs-sha256 (atomically, not through a symlink); returns the entries.
Result<size_t> attest_rootfs(const std::string& dir);
// Compares dir with its manifest; the error names the first path that differs and how.
Result<> verify_rootfs(const std::string& dir);

}  // namespace nucleus::fs
