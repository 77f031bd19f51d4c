// Work directories of the state root: removed by their maker, or by gc once the maker is gone.
#include "container/work_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "container/root.h"
#include "helpers.h"

namespace nucleus::container {
namespace {

using WorkDirTest = testing::TempDirTest;

TEST_F(WorkDirTest, GcTakesOnlyThoseWhoseMakerIsGone) {
  set_state_root(dir_);
  std::string held_path, kept_path;
  {
    auto held = WorkDir::make();
    ASSERT_TRUE(held) << held.error().what();
    held_path = held->path();
    std::ofstream(held_path + "/img") << "x";
    std::filesystem::create_directory(dir_ + "/.work-abandoned");  // its maker was killed
    std::ofstream(dir_ + "/.work-abandoned/img") << "x";
    sweep_work_dirs(dir_);
    EXPECT_TRUE(std::filesystem::exists(held_path + "/img"));
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/.work-abandoned"));

    auto kept = WorkDir::make();
    ASSERT_TRUE(kept);
    auto to = kept->keep("saved");
    ASSERT_TRUE(to) << to.error().what();
    kept_path = *to;
  }
  EXPECT_FALSE(std::filesystem::exists(held_path));  // its maker removed it
  sweep_work_dirs(dir_);
  EXPECT_TRUE(std::filesystem::exists(kept_path));
  set_state_root("");
}

}  // namespace
}  // namespace nucleus::container
