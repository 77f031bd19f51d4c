// One function per verb; each parses its own arguments and returns the process exit code.
#pragma once

namespace nucleus::cli {

int run(int argc, char** argv);
int exec(int argc, char** argv);
int ps(int argc, char** argv);
int inspect(int argc, char** argv);
int logs(int argc, char** argv);
int wait(int argc, char** argv);
int stop(int argc, char** argv);
int kill(int argc, char** argv);
int pause(int argc, char** argv, bool paused);
int rm(int argc, char** argv);
int top(int argc, char** argv);
int stats(int argc, char** argv);
int cp(int argc, char** argv);
int gc(int argc, char** argv);
int network(int argc, char** argv);
int seccomp(int argc, char** argv);
int landlock(int argc, char** argv);
int generate(int argc, char** argv);
int rootfs(int argc, char** argv);
int events(int argc, char** argv);
int update(int argc, char** argv);
int checkpoint(int argc, char** argv);
int restore(int argc, char** argv);
int fork(int argc, char** argv);
int version();

// The OCI runtime's verbs (oci.cc), with runc's command line.
int oci_create(int argc, char** argv);
int oci_run(int argc, char** argv);
int oci_start(int argc, char** argv);
int oci_state(int argc, char** argv);
int oci_delete(int argc, char** argv);
int oci_list(int argc, char** argv);
int oci_kill(int argc, char** argv);
int oci_ps(int argc, char** argv);
int oci_pause(int argc, char** argv, bool paused);
int oci_update(int argc, char** argv);
int oci_events(int argc, char** argv);
int oci_exec(int argc, char** argv);
int oci_features(int argc, char** argv);
int oci_spec(int argc, char** argv);

}  // namespace nucleus::cli
