// CgroupTree: find the cgroup2 mount and our place in it, make leaves, kill and remove them.
#include "process/cgroup.h"

#include <spdlog/spdlog.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pmd {

namespace {

// The first cgroup2 mount point in /proc/self/mountinfo (field 5 is the mount point; the
// filesystem type follows the " - " separator).
std::string cgroup2_mount() {
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    auto sep = line.find(" - ");
    if (sep == std::string::npos || line.compare(sep + 3, 8, "cgroup2 ") != 0) continue;
    std::istringstream fields(line.substr(0, sep));
    std::string f, mount;
    for (int i = 0; i < 5 && fields >> f; ++i) mount = f;
    return mount;
  }
  return {};
}

// Our own cgroup v2 path ("0::/system.slice/pmd.service" -> "/system.slice/pmd.service").
std::string own_cgroup() {
  std::ifstream in("/proc/self/cgroup");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return {};
}

bool write_file(const std::string& path, const char* text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, text, std::char_traits<char>::length(text)) >= 0;
  ::close(fd);
  return ok;
}

// Subtrees left by pmds that died without cleaning up (SIGKILL): their empty leaves and
// themselves are removed. A leaf that still holds processes is left alone: those belong to
// apps of a daemon that is gone, not to us.
void remove_stale_subtrees(const std::string& parent) {
  DIR* dir = ::opendir(parent.c_str());
  if (!dir) return;
  while (dirent* d = ::readdir(dir)) {
    std::string name = d->d_name;
    if (name.rfind("pmd-", 0) != 0) continue;
    long pid = std::strtol(name.c_str() + 4, nullptr, 10);
    if (pid <= 0 || pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0) continue;
    std::string base = parent + "/" + name;
    if (DIR* leaves = ::opendir(base.c_str())) {
      while (dirent* l = ::readdir(leaves))
        if (l->d_type == DT_DIR && l->d_name[0] != '.') ::rmdir((base + "/" + l->d_name).c_str());
      ::closedir(leaves);
    }
    ::rmdir(base.c_str());
  }
  ::closedir(dir);
}

}  // namespace

std::unique_ptr<CgroupTree> CgroupTree::create() {
  std::string mount = cgroup2_mount(), own = own_cgroup();
  if (mount.empty() || own.empty() || own.find("..") != std::string::npos) return nullptr;
  if (own == "/") own.clear();
  remove_stale_subtrees(mount + own);
  std::string base = mount + own + "/pmd-" + std::to_string(::getpid());
  if (::mkdir(base.c_str(), 0755) != 0 && errno != EEXIST) return nullptr;
  struct stat st {};
  if (::stat((base + "/cgroup.kill").c_str(), &st) != 0) {
    ::rmdir(base.c_str());
    return nullptr;
  }
  spdlog::info("instances get their own cgroups under {}", base);
  return std::unique_ptr<CgroupTree>(new CgroupTree(base));
}

CgroupTree::~CgroupTree() {
  // The daemon is exiting: leaves whose processes are still being torn down get a moment to
  // empty (the kernel finishes a cgroup.kill asynchronously), then the subtree goes.
  for (const auto& leaf : retired_) cgroup_kill(leaf);
  for (int i = 0; i < 100 && (sweep(), !retired_.empty()); ++i) ::usleep(10'000);
  ::rmdir(base_.c_str());
}

std::string CgroupTree::make_leaf(const std::string& name) {
  std::string leaf = base_ + "/" + name;
  if (::mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST) return {};
  return leaf;
}

void CgroupTree::retire(const std::string& leaf) {
  if (!leaf.empty() && ::rmdir(leaf.c_str()) != 0 && errno == EBUSY) retired_.push_back(leaf);
}

void CgroupTree::sweep() {
  std::erase_if(retired_, [](const std::string& leaf) { return ::rmdir(leaf.c_str()) == 0 || errno != EBUSY; });
}

std::vector<pid_t> cgroup_pids(const std::string& leaf) {
  std::vector<pid_t> pids;
  std::ifstream in(leaf + "/cgroup.procs");
  for (long p; in >> p;) pids.push_back(static_cast<pid_t>(p));
  return pids;
}

bool cgroup_kill(const std::string& leaf) { return write_file(leaf + "/cgroup.kill", "1"); }

}  // namespace pmd
