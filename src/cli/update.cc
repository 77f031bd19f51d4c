// nucleus update --egress-allow-domain NAME... CONTAINER: replaces the names a running container
// with a domain policy may resolve and reach. Its guard reads the new policy at the next query;
// addresses of names no longer listed are dropped at once (open connections stay).
#include "cli/common.h"
#include "cli/verbs.h"
#include "net/guard.h"
#include "util/fs.h"

namespace nucleus::cli {
namespace {

Result<> update_domains(container::Store& st, const std::string& ref,
                        const std::vector<std::string>& patterns) {
  auto domains = TRY(spec::parse_domains(patterns));
  auto id = TRY(st.resolve(ref));
  auto state = TRY(container::look(st, id));
  std::string dir = st.dir(id);
  auto kind = TRY(fs::kind_of(dir + "/" + net::guard::kConfigFile));
  if (kind != fs::Kind::kRegular)
    return fail_invalid("container {} has no egress policy (started without --egress-allow*)", ref);
  // Under the container's lock: two updates never interleave their read and write.
  Result<> done;
  TRY(st.modify(id, [&](container::State&) {
    auto config =
        fs::read_file(dir + "/" + net::guard::kConfigFile).and_then([](const std::string& t) {
          return net::guard::parse_config(t);
        });
    if (!config) {
      done = fail(config.error());
      return;
    }
    if (!config->resolver) {
      done = fail_invalid(
          "container {} was started without --egress-allow-domain: its DNS does not go through "
          "nucleus, so names cannot be added now",
          ref);
      return;
    }
    config->domains = domains;
    done = fs::write_atomic(dir, net::guard::kConfigFile, net::guard::to_json(*config), true);
  }));
  TRY(done);
  if (state.seen.status != "running")
    return fail_invalid("container {} is {}: the new policy applies at its next start", ref,
                        state.seen.status);
  return {};
}

}  // namespace

int update(int argc, char** argv) {
  CLI::App app{"Change the policy of a container", "nucleus update"};
  std::vector<std::string> domains;
  std::string ref;
  app.add_option("--egress-allow-domain", domains,
                 "NAME or *.NAME: the names it may resolve and reach from now on (repeatable; "
                 "replaces the list)")
      ->required();
  app.add_option("CONTAINER", ref, "ID, ID prefix or name")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  auto st = store();
  if (auto r = update_domains(st, ref, domains); !r) return report(r.error());
  return 0;
}

}  // namespace nucleus::cli
