#include "util/sha256.h"

#include <gtest/gtest.h>

using namespace nucleus;

TEST(Sha256, KnownDigests) {  // FIPS 180-4 examples
  EXPECT_EQ(sha256::hex(sha256::hash("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256::hex(sha256::hash("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256::hex(sha256::hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  sha256::Hasher h;  // a million 'a's in uneven pieces
  std::string piece(997, 'a');
  size_t left = 1000000;
  while (left > 0) {
    size_t n = std::min(left, piece.size());
    h.update(std::string_view(piece).substr(0, n));
    left -= n;
  }
  EXPECT_EQ(sha256::hex(h.finish()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, HmacRfc4231) {
  sha256::Hmac a(std::string(20, '\x0b'));
  a.update("Hi There");
  EXPECT_EQ(sha256::hex(a.finish()),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  sha256::Hmac b("Jefe");
  b.update("what do ya want ");
  b.update("for nothing?");
  EXPECT_EQ(sha256::hex(b.finish()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  sha256::Hmac c(std::string(131, '\xaa'));  // a key longer than the block is hashed first
  c.update("Test Using Larger Than Block-Size Key - Hash Key First");
  EXPECT_EQ(sha256::hex(c.finish()),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Sha256, ConstantTimeEqual) {
  auto x = sha256::hash("x"), y = sha256::hash("y");
  EXPECT_TRUE(sha256::equal(x, x));
  EXPECT_FALSE(sha256::equal(x, y));
}
