// nucleus checkpoint [--leave-running] [--tcp-established] -o DIR CONTAINER
// nucleus restore [-d] [--name NAME] -i DIR
// nucleus fork [--count N] [--name-prefix P] CONTAINER
#include <cstdio>

#include "cli/common.h"
#include "cli/verbs.h"
#include "container/checkpoint.h"
#include "spec/run_flags.h"

namespace nucleus::cli {

int checkpoint(int argc, char** argv) {
  CLI::App app{"Save a running container to a directory (it stops, unless --leave-running)",
               "nucleus checkpoint"};
  container::CheckpointOptions o;
  std::string ref;
  app.add_option("-o,--output", o.dir, "Directory for the images (made, or empty)")->required();
  app.add_flag("--leave-running", o.leave_running, "Keep the container running afterwards");
  app.add_flag("--tcp-established", o.tcp_established,
               "Save established TCP connections (gVisor always saves its network stack)");
  app.add_option("CONTAINER", ref, "ID, ID prefix or name")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  auto st = store();
  auto id = st.resolve(ref);
  if (!id) return report(id.error());
  if (auto r = container::checkpoint(st, *id, o); !r) return report(r.error());
  return 0;
}

int restore(int argc, char** argv) {
  CLI::App app{"Continue a checkpointed container as a new one", "nucleus restore"};
  container::RestoreOptions o;
  app.add_option("-i,--input", o.dir, "A directory made by nucleus checkpoint")->required();
  app.add_option("--name", o.name, "Name of the new container");
  app.add_flag("-d,--detach", o.detach, "Run in the background under a monitor; print the ID");
  if (auto code = parse(app, argc, argv)) return *code;
  if (!o.name.empty() && !spec::valid_name(o.name))
    return report(Error::invalid("invalid name '{}': use letters, digits, '_', '.', '-'", o.name));
  o.id = caller().id;
  auto code = container::restore(o);
  if (!code) return report(code.error());
  return *code;
}

int fork(int argc, char** argv) {
  CLI::App app{"Copies of a running container, each going on from its current state",
               "nucleus fork"};
  container::ForkOptions o;
  std::string ref;
  app.add_option("--count", o.count, "How many copies (1-64; default 1)")->check(CLI::Range(1, 64));
  app.add_option("--name-prefix", o.prefix, "Name the copies PREFIX-1..N (default: its name)");
  app.add_option("CONTAINER", ref, "ID, ID prefix or name")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  o.new_id = [] { return caller().id; };
  auto st = store();
  auto id = st.resolve(ref);
  if (!id) return report(id.error());
  if (auto r = container::fork(st, *id, o); !r) return report(r.error());
  return 0;
}

}  // namespace nucleus::cli
