// Shared unit-test helpers: a temporary directory per test, and a fake caller.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <string>

#include "spec/run_flags.h"

namespace nucleus::testing {

// A fresh directory under /tmp for each test (dir_), removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nucleus-unit-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

// Root, 4 CPUs, nofile hard limit 20000, ID "aaa...", and FROM_HOST=h in its environment.
inline spec::Caller test_caller() {
  spec::Caller c;
  c.uid = 0;
  c.ncpu = 4;
  c.nofile_hard = 20000;
  c.id = std::string(64, 'a');
  static const std::map<std::string, std::string> env = {{"FROM_HOST", "h"}};
  c.getenv = [](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  return c;
}

}  // namespace nucleus::testing
