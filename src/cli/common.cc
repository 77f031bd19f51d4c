#include "cli/common.h"

#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <cctype>

#include "container/root.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/parse.h"
#include "util/sha256.h"

namespace nucleus::cli {
namespace {
std::string new_id() {
  unsigned char raw[32];
  if (::getrandom(raw, sizeof raw, 0) != static_cast<ssize_t>(sizeof raw)) std::abort();
  std::string id;
  for (unsigned char c : raw) id += fmt::format("{:02x}", c);
  return id;
}

}  // namespace

spec::Caller caller() {
  spec::Caller c;
  c.uid = ::geteuid();
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  c.ncpu = n > 0 ? static_cast<unsigned>(n) : 1;
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0) c.nofile_hard = nofile.rlim_max;
  rlimit nproc{};
  if (::getrlimit(RLIMIT_NPROC, &nproc) == 0) c.nproc_hard = nproc.rlim_max;
  c.id = new_id();
  utsname u{};
  if (::uname(&u) == 0) c.kernel_release = u.release;
  c.getenv = [](const std::string& k) -> std::optional<std::string> {
    const char* v = std::getenv(k.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  return c;
}

std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  // As docker: every occurrence of a repeatable flag takes exactly one value ("-e A=b sh" keeps
  // sh as the command).
  for (CLI::Option* opt : app.get_options()) {
    if (!opt->get_positional()) opt->allow_extra_args(false);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    log::error("{}", e.what());
    return 125;
  }
  return std::nullopt;
}

int report(const Error& e) {
  log::error("{}", e.what());
  return e.exit_code;
}

container::Store store() {
  return container::Store(container::state_root());
}

int for_each_container(const container::Store& st, const std::vector<std::string>& refs,
                       const std::function<Result<>(const std::string&, const std::string&)>& op) {
  int code = 0;
  for (const auto& ref : refs) {
    auto id = st.resolve(ref);
    auto r = id ? op(ref, *id) : Result<>(tl::unexpected(id.error()));
    if (!r) {
      int c = report(r.error());
      if (code == 0) code = c;
    }
  }
  return code;
}

Result<> check_sha256(std::string_view contents, const std::string& want, const char* option) {
  if (want.empty()) return {};
  std::string lower;
  for (char c : want) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.size() != 64 || lower.find_first_not_of("0123456789abcdef") != std::string::npos)
    return fail_invalid("{}-sha256: want 64 hexadecimal digits, not '{}'", option, want);
  std::string got = sha256::hex(sha256::hash(contents));
  if (got != lower)
    return fail_invalid("{}: the file's SHA-256 is {}, not the {} given by {}-sha256", option, got,
                        lower, option);
  return {};
}

constexpr uint64_t kMaxPolicySize = 16u << 20;

Result<> read_policy_file(std::string& file, const std::string& sha256, const char* option) {
  if (file.empty()) {
    if (!sha256.empty()) return fail_invalid("{}-sha256: given without {}", option, option);
    return {};
  }
  auto content = TRY_CTX(fs::read_regular_file(file, kMaxPolicySize), option);
  if (content.empty()) return fail_invalid("{}: the file is empty", option);
  TRY(check_sha256(content, sha256, option));
  file = std::move(content);
  return {};
}

Result<int> signal_number(const std::string& s) {
  if (auto n = parse::uint(s, 1, SIGRTMAX)) return static_cast<int>(*n);
  std::string name = s.rfind("SIG", 0) == 0 ? s.substr(3) : s;
  for (int sig = 1; sig < NSIG; sig++) {
    const char* abbrev = ::sigabbrev_np(sig);
    if (abbrev != nullptr && ::strcasecmp(abbrev, name.c_str()) == 0) return sig;
  }
  return fail_invalid("unknown signal '{}'", s);
}

}  // namespace nucleus::cli
