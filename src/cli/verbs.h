// One function per verb; each parses its own arguments and returns the process exit code.
#pragma once

namespace nucleus::cli {

int run(int argc, char** argv);
int ps(int argc, char** argv);
int gc(int argc, char** argv);
int version();

}  // namespace nucleus::cli
