// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104): checkpoint integrity and policy-file hashes,
// without a crypto library on every start's path.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace nucleus::sha256 {

using Digest = std::array<uint8_t, 32>;

class Hasher {
 public:
  Hasher();
  void update(std::string_view data);
  Digest finish();

 private:
  void block(const uint8_t* p);                 // the portable compression
  void blocks(const uint8_t* p, size_t count);  // SHA-NI where the CPU has it
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t used_ = 0;
  uint64_t total_ = 0;
};

Digest hash(std::string_view data);
std::string hex(const Digest& d);

// HMAC-SHA256 of a message given in pieces (begin, update..., finish).
class Hmac {
 public:
  explicit Hmac(std::string_view key);
  void update(std::string_view data) { inner_.update(data); }
  Digest finish();

 private:
  Hasher inner_;
  uint8_t opad_[64];
};

// Compares two digests in constant time.
bool equal(const Digest& a, const Digest& b);

}  // namespace nucleus::sha256
