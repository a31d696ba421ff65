// Host names, quoting for the remote shell, ssh's argv, and ssh's failures in plain words.
#include "remote_host.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace pmd::cli {

namespace {

bool valid_port(std::string_view text, int& port) {
  if (text.empty() || text.size() > 5 || !std::all_of(text.begin(), text.end(), ::isdigit)) return false;
  port = std::stoi(std::string(text));
  return port >= 1 && port <= 65535;
}

// A host name or address ssh could be given: no spaces, no option-looking start, nothing a
// shell or ssh's own syntax would read differently.
bool valid_host(std::string_view host) {
  if (host.empty() || host.front() == '-') return false;
  // A colon only in an IPv6 address, which has at least two.
  if (std::count(host.begin(), host.end(), ':') == 1) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == ':' || c == '%';
  });
}

bool valid_user(std::string_view user) {
  if (user.empty() || user.front() == '-') return false;
  return std::all_of(user.begin(), user.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

std::string last_line(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  auto nl = text.rfind('\n');
  return std::string(nl == std::string_view::npos ? text : text.substr(nl + 1));
}

bool says(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

}  // namespace

std::string RemoteHost::label() const {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, wrongly) about "[" + host + "]" here.
  std::string out;
  if (!user.empty()) out.append(user).append(1, '@');
  const bool ipv6 = host.find(':') != std::string::npos;  // in brackets: reads back either way
  if (ipv6) out.append(1, '[');
  out.append(host);
  if (ipv6) out.append(1, ']');
  if (port) out.append(1, ':').append(std::to_string(port));
  return out;
}

std::variant<RemoteHost, std::string> parse_remote_host(std::string_view text) {
  const std::string original(text);
  auto refuse = [&](const std::string& why) {
    return "not a host: \"" + original + "\" (" + why + "; write ssh://user@host:port or user@host)";
  };
  if (text.rfind("ssh://", 0) == 0) {
    text.remove_prefix(6);
  } else if (text.find("://") != std::string_view::npos) {
    return refuse("only ssh:// is understood");
  }
  if (!text.empty() && text.back() == '/') text.remove_suffix(1);
  RemoteHost host;
  if (auto at = text.rfind('@'); at != std::string_view::npos) {
    host.user = std::string(text.substr(0, at));
    if (!valid_user(host.user)) return refuse("the user name has characters a login name does not");
    text.remove_prefix(at + 1);
  }
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return refuse("an unclosed [");
    host.host = std::string(text.substr(1, close - 1));
    text.remove_prefix(close + 1);
    if (!text.empty()) {
      if (text.front() != ':' || !valid_port(text.substr(1), host.port)) return refuse("the port is not 1-65535");
    }
  } else if (auto colon = text.find(':');
             colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
    if (!valid_port(text.substr(colon + 1), host.port)) return refuse("the port is not 1-65535");
    host.host = std::string(text.substr(0, colon));
  } else {
    host.host = std::string(text);  // a name, or a bare IPv6 address
  }
  if (!valid_host(host.host))
    return refuse(host.host.empty() ? "no host name" : "the host name has characters a host name does not");
  return host;
}

std::variant<std::vector<RemoteHost>, std::string> parse_host_list(std::string_view text) {
  std::vector<RemoteHost> hosts;
  std::set<std::string> seen;
  std::string word;
  bool comment = false;
  auto flush = [&]() -> std::string {
    if (word.empty()) return {};
    auto parsed = parse_remote_host(word);
    if (auto* error = std::get_if<std::string>(&parsed)) return *error;
    auto& host = std::get<RemoteHost>(parsed);
    if (!seen.insert(host.label()).second) return "the host " + host.label() + " is listed twice";
    hosts.push_back(std::move(host));
    word.clear();
    return {};
  };
  for (char c : text) {
    if (c == '\n') comment = false;
    if (comment) continue;
    if (c == '#') comment = true;
    if (c == '#' || c == ',' || std::isspace(static_cast<unsigned char>(c))) {
      if (auto error = flush(); !error.empty()) return error;
      continue;
    }
    word += c;
  }
  if (auto error = flush(); !error.empty()) return error;
  if (hosts.empty()) return std::string("no host given");
  return hosts;
}

std::string shell_quote(std::string_view word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("-_./=:,@%+").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> ssh_argv(const RemoteHost& host, const std::vector<std::string>& ssh_options,
                                  const std::string& remote_pmctl, const std::vector<std::string>& remote_words,
                                  bool terminal) {
  std::vector<std::string> argv = {"ssh", "-o", "BatchMode=yes"};
  argv.push_back(terminal ? "-t" : "-T");
  argv.insert(argv.end(), ssh_options.begin(), ssh_options.end());
  if (host.port) {
    argv.push_back("-p");
    argv.push_back(std::to_string(host.port));
  }
  if (!host.user.empty()) {
    argv.push_back("-l");
    argv.push_back(host.user);
  }
  argv.push_back("--");
  argv.push_back(host.host);
  std::string command = remote_pmctl;
  for (const auto& word : remote_words) command.append(1, ' ').append(shell_quote(word));
  argv.push_back(command);
  return argv;
}

std::string explain_ssh_failure(const RemoteHost& host, int status, std::string_view ssh_stderr) {
  const std::string name = host.label();
  std::string said = last_line(ssh_stderr);
  if (said.rfind("ssh: ", 0) == 0) said.erase(0, 5);
  const std::string quoted = said.empty() ? "" : " (ssh: " + said + ")";
  if (status == 127 || says(ssh_stderr, "command not found") || says(ssh_stderr, "pmctl: not found"))
    return name + ": pmd is not installed there (the remote shell has no pmctl): install pmd on " + host.host +
           " (its .deb, see README \"Install\"), or set PMD_REMOTE_PMCTL to pmctl's path there";
  if (status != 255) return name + ": " + (said.empty() ? "pmctl ended with status " + std::to_string(status) : said);
  if (says(ssh_stderr, "Host key verification failed") || says(ssh_stderr, "REMOTE HOST IDENTIFICATION HAS CHANGED"))
    return name + ": its host key is not the one known for it, or none is known" + quoted +
           "; check the key and add it to known_hosts (for example by logging in once with ssh)";
  if (says(ssh_stderr, "Permission denied"))
    return name + ": the login was refused" + quoted +
           "; pmctl never asks for a password: give ssh a key (ssh-copy-id, or PMD_SSH_OPTS=\"-i KEY\")";
  if (says(ssh_stderr, "Could not resolve hostname") || says(ssh_stderr, "Connection refused") ||
      says(ssh_stderr, "timed out") || says(ssh_stderr, "No route to host") ||
      says(ssh_stderr, "Network is unreachable"))
    return name + ": cannot reach it" + quoted;
  return name + ": ssh failed" + (quoted.empty() ? " with status 255" : quoted);
}

}  // namespace pmd::cli
