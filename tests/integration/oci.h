// OCI bundles for the runtime tests: a busybox rootfs with the probe and the OCI checker, a
// config.json from `nucleus spec` to change per test, the state in a private --root, and a
// clean host (no state, cgroup, mount or process) afterwards.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "detached.h"

namespace nucleus::testing {

class Oci : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (IsSkipped()) return;
    bundle_ = dir_.path() + "/bundle";
    std::string rootfs = bundle_ + "/rootfs";
    make_busybox_rootfs(rootfs);
    if (IsSkipped()) return;
    root_ = dir_.path() + "/state";
    std::filesystem::copy_file(OCI_CHECK_BIN, rootfs + "/oci_check");
    chmod((rootfs + "/oci_check").c_str(), 0755);
    std::filesystem::create_directories(rootfs + "/oci");
    RunResult spec = run({"spec", "--bundle", bundle_});
    ASSERT_EQ(spec.code, 0) << spec.err;
    config_ = nlohmann::json::parse(slurp_file(bundle_ + "/config.json"));
    config_["process"]["terminal"] = false;
    config_["linux"]["cgroupsPath"] = "/nucleus/oci-test-" + std::to_string(getpid());
  }

  void TearDown() override {
    if (!root_.empty()) {
      // Whatever a failed test left: delete it, then the store must be empty.
      RunResult list = oci({"list", "-q"});
      for (const auto& id : split_lines(list.out)) oci({"delete", "--force", id});
      std::error_code ec;
      size_t left = 0;
      for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(root_, ec)) left++;
      EXPECT_EQ(left, 0u) << "state left in " << root_;
    }
    IntegrationTest::TearDown();
  }

  static std::string slurp_file(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

  void write_config() const {
    std::ofstream(bundle_ + "/config.json") << config_.dump(2);
    chmod((bundle_ + "/config.json").c_str(), 0644);  // the checker may run as anyone
  }

  // nucleus --root ROOT ARGS.
  RunResult oci(std::vector<std::string> args, const RunOptions& o = {}) const {
    args.insert(args.begin(), {"--root", root_});
    return run(args, o);
  }

  // create: the container's output goes to out_ (its init keeps it open).
  RunResult create(const std::string& id, std::vector<std::string> extra = {}) {
    write_config();
    std::vector<std::string> args = {"--root", root_, "create", "--bundle", bundle_};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(id);
    return run_to_files(args, out_, dir_.path() + "/create.err");
  }

  std::string status(const std::string& id) const {
    RunResult r = oci({"state", id});
    if (r.code != 0) return "error: " + r.err;
    return nlohmann::json::parse(r.out).value("status", "");
  }

  // Waits up to 5 s for the container to reach a status.
  bool becomes(const std::string& id, const std::string& want) const {
    for (int i = 0; i < 500; i++) {
      if (status(id) == want) return true;
      usleep(10000);
    }
    return false;
  }

  // Waits up to 5 s for a file to exist: what the container writes after `start` returned.
  static bool appears(const std::string& path) {
    for (int i = 0; i < 500; i++) {
      if (::access(path.c_str(), F_OK) == 0) return true;
      usleep(10000);
    }
    return false;
  }

  // The checker as the process, reading config.json from a bind mount of itself.
  void check_with_oci_check() {
    config_["process"]["args"] = {"/oci_check", "/oci/config.json"};
    config_["mounts"].push_back({{"destination", "/oci/config.json"},
                                 {"type", "bind"},
                                 {"source", bundle_ + "/config.json"},
                                 {"options", {"bind", "ro"}}});
  }

  // Runs the container to its end (create, start, wait until stopped, delete); its output.
  std::string run_to_end(const std::string& id) {
    RunResult c = create(id);
    EXPECT_EQ(c.code, 0) << c.err;
    if (c.code != 0) return "";
    EXPECT_EQ(oci({"start", id}).code, 0);
    EXPECT_TRUE(becomes(id, "stopped")) << status(id);
    EXPECT_EQ(oci({"delete", id}).code, 0);
    // What the container wrote to stderr (create's, which it kept) helps a failure.
    std::string err = slurp_file(dir_.path() + "/create.err");
    if (!err.empty()) std::cerr << "container stderr: " << err;
    return slurp_file(out_);
  }

  TempDir dir_;
  std::string root_, bundle_, out_ = dir_.path() + "/container.out";
  nlohmann::json config_;
};

// The inode of a namespace of this process ("net", "uts", ...), as the checker reads them.
inline std::string ns_inode(const std::string& file) {
  struct stat st {};
  stat(("/proc/self/ns/" + file).c_str(), &st);
  return std::to_string(st.st_ino);
}

}  // namespace nucleus::testing
