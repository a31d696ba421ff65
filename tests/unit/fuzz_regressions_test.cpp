// Every input kept for the fuzz targets, the seed corpus and the crashes fuzzing found, runs
// through the same code in the ordinary build: what crashed once fails here if it comes back.
#include "fuzz_targets.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

TEST_CASE("every kept fuzz input runs through its target without a crash", "[fuzz]") {
  const fs::path root = PMD_TEST_FUZZ_DIR;
  std::size_t inputs = 0;
  for (const auto& target : pmd::fuzz::targets()) {
    for (const char* kind : {"corpus", "regressions"}) {
      const fs::path dir = root / kind / target.name;
      if (!fs::is_directory(dir)) continue;
      for (const auto& entry : fs::directory_iterator(dir)) {
        std::ifstream in(entry.path(), std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        INFO(entry.path());
        target.run(text.str());
        ++inputs;
      }
    }
  }
  CHECK(inputs >= 20);
}
