// CgroupTree: find the cgroup2 mount and our place in it, make leaves, kill and remove them.
#include "cgroup.h"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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

}  // namespace

std::unique_ptr<CgroupTree> CgroupTree::create() {
  std::string mount = cgroup2_mount(), own = own_cgroup();
  if (mount.empty() || own.empty() || own.find("..") != std::string::npos) return nullptr;
  if (own == "/") own.clear();
  std::string base = mount + own + "/pmd-" + std::to_string(::getpid());
  if (::mkdir(base.c_str(), 0755) != 0 && errno != EEXIST) return nullptr;
  struct stat st{};
  if (::stat((base + "/cgroup.kill").c_str(), &st) != 0) {
    ::rmdir(base.c_str());
    return nullptr;
  }
  spdlog::info("instances get their own cgroups under {}", base);
  return std::unique_ptr<CgroupTree>(new CgroupTree(base));
}

CgroupTree::~CgroupTree() {
  sweep();
  for (const auto& leaf : retired_) cgroup_kill(leaf);
  sweep();
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
