// app_credentials: user/group lookup; ActingAs: setfsuid/setfsgid and per-thread setgroups.
#include "process/app_credentials.h"

#include <grp.h>
#include <pwd.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace pmd {

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() < 10 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// The raw system call: glibc's setgroups() changes every thread of the process (and is not
// meant to be undone); this changes the calling thread only, which is what a scope wants.
int thread_setgroups(const std::vector<gid_t>& groups) {
  return static_cast<int>(::syscall(SYS_setgroups, groups.size(), groups.data()));
}

}  // namespace

std::variant<AppCredentials, std::string> app_credentials(const AppSpec& spec) {
  AppCredentials c;
  if (spec.user.empty() && spec.group.empty()) return c;
  uid_t uid = ::geteuid();
  gid_t gid = ::getegid();
  std::string user_name;
  if (!spec.user.empty()) {
    const passwd* pw =
        all_digits(spec.user) ? ::getpwuid(static_cast<uid_t>(std::stoul(spec.user))) : ::getpwnam(spec.user.c_str());
    if (!pw && !all_digits(spec.user)) return "user '" + spec.user + "' does not exist on this machine";
    uid = pw ? pw->pw_uid : static_cast<uid_t>(std::stoul(spec.user));
    gid = pw ? pw->pw_gid : gid;
    if (pw) user_name = pw->pw_name;
  }
  if (!spec.group.empty()) {
    const group* gr = all_digits(spec.group) ? ::getgrgid(static_cast<gid_t>(std::stoul(spec.group)))
                                             : ::getgrnam(spec.group.c_str());
    if (!gr && !all_digits(spec.group)) return "group '" + spec.group + "' does not exist on this machine";
    gid = gr ? gr->gr_gid : static_cast<gid_t>(std::stoul(spec.group));
  }
  if (::geteuid() != 0 && (uid != ::geteuid() || gid != ::getegid()))
    return "cannot run as " + (spec.user.empty() ? "group " + spec.group : "user " + spec.user) +
           ": only a pmd running as root can switch users";
  c.switch_user = ::geteuid() == 0 && (uid != 0 || gid != 0);
  c.uid = uid;
  c.gid = gid;
  c.groups = {gid};
  if (!user_name.empty()) {
    int count = 64;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    if (::getgrouplist(user_name.c_str(), gid, groups.data(), &count) < 0) {
      groups.resize(static_cast<std::size_t>(count));
      ::getgrouplist(user_name.c_str(), gid, groups.data(), &count);
    }
    groups.resize(static_cast<std::size_t>(std::max(count, 0)));
    c.groups = groups;
  }
  return c;
}

AppCredentials file_owner(const AppSpec& spec) {
  auto credentials = app_credentials(spec);
  if (auto* owner = std::get_if<AppCredentials>(&credentials)) return *owner;
  constexpr uid_t kNobody = 65534;
  return ::geteuid() == 0 ? AppCredentials{true, kNobody, kNobody, {kNobody}} : AppCredentials{};
}

ActingAs::ActingAs(const AppCredentials& credentials) : active_(credentials.switch_user) {
  if (!active_) return;
  int n = ::getgroups(0, nullptr);
  saved_groups_.resize(static_cast<std::size_t>(std::max(n, 0)));
  if (n > 0) ::getgroups(n, saved_groups_.data());
  // Groups and gid first: once fsuid is not root, the file capabilities are gone (that is the
  // point), but CAP_SETGID is not one of them, so the order only matters for clarity.
  thread_setgroups(credentials.groups);
  ::setfsgid(credentials.gid);
  ::setfsuid(credentials.uid);
}

ActingAs::~ActingAs() {
  if (!active_) return;
  ::setfsuid(::geteuid());
  ::setfsgid(::getegid());
  thread_setgroups(saved_groups_);
}

}  // namespace pmd
