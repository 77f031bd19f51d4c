#include "net/host_tables.h"

#include <unistd.h>

#include <algorithm>

#include "net/claims.h"
#include "net/egress.h"
#include "net/nft.h"

namespace nucleus::net {
namespace {

constexpr const char* kFile = "host-tables.json";

struct Claim {
  std::string container, table;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Claim, container, table)

}  // namespace

Result<> claim_host_tables(const std::string& dir, const std::string& id) {
  TRY(fs::make_private_dir(dir));
  UniqueFd held = TRY(fs::lock_file(dir + "/.lock"));
  auto claims = TRY(read_claims<Claim>(dir, kFile));
  if (std::none_of(claims.begin(), claims.end(), [&](const Claim& c) { return c.container == id; }))
    claims.push_back({id, host_table(id)});
  return write_claims(dir, kFile, claims);
}

Result<> drop_host_tables(const std::string& dir, const std::string& id) {
  if (::access((dir + "/" + kFile).c_str(), F_OK) != 0) return {};
  UniqueFd held = TRY(fs::lock_file(dir + "/.lock"));
  auto claims = TRY(read_claims<Claim>(dir, kFile));
  auto mine =
      std::find_if(claims.begin(), claims.end(), [&](const Claim& c) { return c.container == id; });
  if (mine == claims.end()) return {};
  TRY(nft::apply(delete_host_tables(mine->table)));
  claims.erase(mine);
  return write_claims(dir, kFile, claims);
}

}  // namespace nucleus::net
