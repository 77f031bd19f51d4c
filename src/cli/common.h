// What every verb shares: argument parsing with exit code 125 on bad input, error reporting,
// and container references (full ID, unique prefix or name).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "container/state.h"
#include "spec/run_flags.h"
#include "util/result.h"

namespace nucleus::cli {

// Parses; on --help or bad input returns the exit code to end with (0 or 125).
std::optional<int> parse(CLI::App& app, int argc, char** argv);
// Logs the error line and returns its exit code.
int report(const Error& e);
container::Store store();
// The caller as flags translation sees it (with a fresh container ID).
spec::Caller caller();
// Resolves each reference and runs op(ref, id) on it; a failure is reported and the loop goes
// on. Returns 0, or the first failure's exit code.
int for_each_container(const container::Store& st, const std::vector<std::string>& refs,
                       const std::function<Result<>(const std::string&, const std::string&)>& op);
// A policy file's --*-sha256: when want is given (64 hex digits, any case), the contents must
// hash to it, checked before anything parses them. Errors name the option.
Result<> check_sha256(std::string_view contents, const std::string& want, const char* option);
// A policy file given as `option FILE` with `option-sha256 HEX`: file is replaced by the file's
// contents (read without following a symlink, not empty, hash checked). Nothing when neither
// is given; a hash without a file is an error.
Result<> read_policy_file(std::string& file, const std::string& sha256, const char* option);
// A signal by name ("TERM", "SIGTERM") or number.
Result<int> signal_number(const std::string& s);

}  // namespace nucleus::cli
