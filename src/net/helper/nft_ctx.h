// libnftables, for the helper only (nucleus itself links no shared library).
#pragma once

#include <nftables/libnftables.h>

#include <string>

#include "util/result.h"

namespace nucleus::net {

class NftContext {
 public:
  NftContext() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
    if (ctx_ == nullptr) return;
    nft_ctx_output_set_flags(ctx_, NFT_CTX_OUTPUT_JSON);  // JSON input too
    nft_ctx_buffer_error(ctx_);
  }
  NftContext(const NftContext&) = delete;
  ~NftContext() {
    if (ctx_ != nullptr) nft_ctx_free(ctx_);
  }
  bool ok() const { return ctx_ != nullptr; }

  // Runs one JSON batch ({"nftables": [...]}) atomically; libnftables' message on failure, on
  // one line.
  Result<> run(const std::string& batch) {
    if (nft_run_cmd_from_buffer(ctx_, batch.c_str()) == 0) return {};
    std::string err = nft_ctx_get_error_buffer(ctx_);
    for (char& c : err)
      if (c == '\n') c = ' ';
    while (!err.empty() && err.back() == ' ') err.pop_back();
    return fail_invalid("nftables: {}", err.empty() ? "batch refused" : err);
  }

 private:
  nft_ctx* ctx_;
};

}  // namespace nucleus::net
