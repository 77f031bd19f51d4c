// One audit record as the kernel sends it on the netlink socket:
// "audit(SECONDS.MILLIS:SERIAL): key=value key="quoted value" ...". The records of one event
// (a Landlock denial, its domain, the system call it happened in) share the serial.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nucleus::container {

struct AuditRecord {
  uint64_t serial = 0;
  // In the record's order; quotes removed, and the strings the kernel hex-encodes when they hold
  // blanks or quotes (comm, exe, path, ...) decoded.
  std::vector<std::pair<std::string, std::string>> fields;

  // The first value of `key`; "" when there is none.
  std::string_view get(std::string_view key) const;
};

// nullopt when the text does not start with "audit(...:SERIAL): ".
std::optional<AuditRecord> parse_audit_record(std::string_view text);

}  // namespace nucleus::container
