// Reading and making web.token.
#include "web/web_token.h"

#include "write_fully.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pmd {

namespace {

constexpr std::size_t kTokenBytes = 32;

bool is_hex_token(const std::string& text) {
  if (text.size() != 2 * kTokenBytes) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string random_hex(std::string& error) {
  unsigned char bytes[kTokenBytes];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = std::string("cannot get random bytes: ") + std::strerror(errno);
      return {};
    }
    got += static_cast<std::size_t>(n);
  }
  static const char digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : bytes) {
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  return hex;
}

}  // namespace

std::string load_or_create_web_token(const std::filesystem::path& file, std::string& error) {
  const std::string shown = file.string();
  int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0 && errno == ENOENT) {
    std::string token = random_hex(error);
    if (token.empty()) return {};
    fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
      error = "cannot create " + shown + ": " + std::strerror(errno);
      return {};
    }
    const std::string line = token + "\n";
    const bool written = write_fully(fd, line) == line.size();
    ::close(fd);
    if (!written) {
      error = "cannot write " + shown;
      ::unlink(file.c_str());
      return {};
    }
    return token;
  }
  if (fd < 0) {
    error = "cannot open " + shown + ": " + (errno == ELOOP ? "it is a symlink" : std::strerror(errno));
    return {};
  }
  struct stat st {};
  std::string text(2 * kTokenBytes + 2, '\0');
  ssize_t n = -1;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() && (st.st_mode & 077) == 0)
    n = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (n < 0) {
    error = shown + " must be a regular file of pmd's user, readable by it alone (0600); remove it to make a new one";
    return {};
  }
  text.resize(static_cast<std::size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (!is_hex_token(text)) {
    error = shown + " does not hold a token (64 hex digits); remove it to make a new one";
    return {};
  }
  return text;
}

}  // namespace pmd
