// nucleus-nft: applies one nftables batch (libnftables JSON, on stdin) in this network namespace
// or in the one given with --netns PATH. libnftables exists only as a shared library, so it
// lives in this small helper that nucleus runs when a ruleset changes, never on a plain start.
// Exit 0 on success; 1 with libnftables' message on one stderr line otherwise.
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>

namespace {

int failed(const std::string& what) {
  std::string line = what;
  for (char& c : line)
    if (c == '\n') c = ' ';
  while (!line.empty() && line.back() == ' ') line.pop_back();
  std::fprintf(stderr, "%s\n", line.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--netns") == 0) {
    int fd = ::open(argv[2], O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0)
      return failed(std::string("network namespace ") + argv[2] + ": " + std::strerror(errno));
    ::close(fd);
  } else if (argc != 1) {
    return failed("usage: nucleus-nft [--netns PATH] < batch.json");
  }
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (ctx == nullptr) return failed("nftables: cannot create a context");
  nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);  // JSON input too
  nft_ctx_buffer_error(ctx);
  int rc = nft_run_cmd_from_buffer(ctx, input.c_str());
  std::string err = nft_ctx_get_error_buffer(ctx);
  nft_ctx_free(ctx);
  if (rc != 0) return failed("nftables: " + (err.empty() ? std::string("batch refused") : err));
  return 0;
}
