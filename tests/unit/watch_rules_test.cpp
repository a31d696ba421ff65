// ignore_watch as PM2 users write it: names, globs, regular expressions; node_modules, .git and
// pmd's own files for the app are never watched.
#include "triggers/watch_rules.h"

#include <catch2/catch.hpp>

using pmd::is_ignored;
using pmd::WatchRules;

TEST_CASE("watch: what is ignored", "[watch]") {
  const std::string root = "/srv/app";
  WatchRules none;
  CHECK_FALSE(is_ignored(root, "/srv/app/src/index.js", none));
  CHECK(is_ignored(root, "/srv/app/node_modules", none));
  CHECK(is_ignored(root, "/srv/app/node_modules/x/y.js", none));
  CHECK(is_ignored(root, "/srv/app/.git/HEAD", none));
  CHECK_FALSE(is_ignored(root, "/srv/app/.github/workflow.yml", none));

  WatchRules rules;
  rules.patterns = {"logs", "*.log", "./tmp/", "public/*", "\\.cache", "^build/"};
  rules.ignored_files = {"/srv/app/out.log.txt"};
  CHECK(is_ignored(root, "/srv/app/logs", rules));                 // a name, as a directory
  CHECK(is_ignored(root, "/srv/app/deep/logs/today.txt", rules));  // a name, anywhere
  CHECK(is_ignored(root, "/srv/app/server.log", rules));           // a glob on the file name
  CHECK(is_ignored(root, "/srv/app/tmp/upload.bin", rules));       // ./tmp/ is tmp
  CHECK(is_ignored(root, "/srv/app/public", rules));               // public/* covers the directory
  CHECK(is_ignored(root, "/srv/app/public/css/site.css", rules));  // and all below it
  CHECK(is_ignored(root, "/srv/app/x/.cache/y", rules));           // a regular expression
  CHECK(is_ignored(root, "/srv/app/build/out.js", rules));
  CHECK_FALSE(is_ignored(root, "/srv/app/src/build/out.js", rules));  // ^ anchors at the root
  CHECK(is_ignored(root, "/srv/app/out.log.txt", rules));             // a file pmd writes
  CHECK(is_ignored(root, "/srv/app/out.log.txt.1", rules));           // and its rotated copies
  CHECK_FALSE(is_ignored(root, "/srv/app/out.log.txt2", rules));
  CHECK_FALSE(is_ignored(root, "/srv/app/src/app.js", rules));
  CHECK_FALSE(is_ignored(root, "/srv/app/logsmith.js", rules));

  WatchRules broken;
  broken.patterns = {"(unclosed"};  // an invalid expression matches nothing, never throws
  CHECK_FALSE(is_ignored(root, "/srv/app/(unclosed", broken));
}
