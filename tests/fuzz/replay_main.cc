// SPDX-License-Identifier: BSD-3-Clause
// The main() of a fuzz target in an ordinary build (no libFuzzer): `make check` runs each target
// once over its seed corpus, tests/fuzz/corpus/<name>/ (fuzz_config_text -> config_text), so
// every build, sanitized or not, replays what fuzzing has found so far. Files given as
// arguments are run instead, to reproduce a crash that a fuzzing run saved.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::filesystem::path> corpus_files(const char* argv0) {
  std::string name = std::filesystem::path(argv0).filename().string();
  if (name.rfind("lt-", 0) == 0) name.erase(0, 3);  // libtool's in-tree wrapper
  if (name.rfind("fuzz_", 0) == 0) name.erase(0, 5);
  const char* srcdir = std::getenv("SSHOTP_SRCDIR");
  const std::filesystem::path dir =
      std::filesystem::path(srcdir != nullptr ? srcdir : ".") / "tests/fuzz/corpus" / name;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  if (ec) std::fprintf(stderr, "%s: %s\n", dir.c_str(), ec.message().c_str());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> files(argv + 1, argv + argc);
  if (files.empty()) files = corpus_files(argv[0]);
  if (files.empty()) {
    std::printf("no corpus found (is SSHOTP_SRCDIR set?)\n0 passed, 1 failed\n");
    return 1;
  }
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in),
                                  std::istreambuf_iterator<char>()};
    // A crash or a broken invariant aborts right here, naming the file last printed.
    std::printf("input %s (%zu bytes)\n", file.filename().c_str(), bytes.size());
    std::fflush(stdout);
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("%zu passed, 0 failed\n", files.size());
  return 0;
}
