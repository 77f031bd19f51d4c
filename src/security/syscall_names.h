// x86_64 syscall names <-> numbers (the table is generated: scripts/gen-syscall-table.sh), for
// seccomp profiles written as OCI JSON (names) and compiled to BPF (numbers).
#pragma once

#include <optional>
#include <string_view>

namespace nucleus::security::seccomp {

std::optional<int> syscall_number(std::string_view name);
// "" for a number the table does not know.
std::string_view syscall_name(int nr);

}  // namespace nucleus::security::seccomp
