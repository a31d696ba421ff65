// The one Catch2 main shared by the test executables. Catch2 v2 has no skip: a test that cannot
// run here calls skip_test (skip.h), and a process whose every test was skipped exits 77, which
// ctest reports as skipped (SKIP_RETURN_CODE) instead of passed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "skip.h"

#include <cstdlib>
#include <sstream>

namespace pmd::test {

namespace {

int tests_run = 0;
int tests_skipped = 0;
bool skipped_now = false;

bool required(Need need) {
  const char* list = std::getenv("PMD_TEST_REQUIRE");
  if (!list) return false;
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');)
    if (item == "all" || item == need_name(need)) return true;
  return false;
}

struct SkipCounter : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(Catch::TestCaseInfo const&) override {
    ++tests_run;
    skipped_now = false;
  }
  void testCaseEnded(Catch::TestCaseStats const&) override { tests_skipped += skipped_now ? 1 : 0; }
};
CATCH_REGISTER_LISTENER(SkipCounter)

}  // namespace

const char* need_name(Need need) {
  switch (need) {
    case Need::kRoot: return "root";
    case Need::kOtherUser: return "other-user";
    case Need::kPromtool: return "promtool";
    case Need::kCgroup2: return "cgroup2";
    case Need::kMount: return "mount";
    case Need::kPidNamespace: return "pidns";
    case Need::kNoSystemd: return "no-systemd";
    case Need::kServers: return "servers";
    case Need::kOomAdjust: return "oom-adjust";
    case Need::kSshd: return "sshd";
    case Need::kKubernetesSchemas: return "k8s-schemas";
    case Need::kDockerCompose: return "docker-compose";
    case Need::kBrowser: return "browser";
  }
  return "?";
}

void skip_test(Need need, const std::string& why) {
  if (required(need)) FAIL("required here (PMD_TEST_REQUIRE has " << need_name(need) << "), but: " << why);
  WARN("SKIPPED (needs " << need_name(need) << "): " << why);
  skipped_now = true;
}

bool current_test_skipped() { return skipped_now; }

bool all_skipped() { return tests_run > 0 && tests_skipped == tests_run; }

}  // namespace pmd::test

int main(int argc, char** argv) {
  const int failed = Catch::Session().run(argc, argv);
  return failed == 0 && pmd::test::all_skipped() ? 77 : failed;
}
