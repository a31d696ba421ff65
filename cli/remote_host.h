// Naming the hosts `pmctl --host` drives over SSH, and what to tell ssh and the user: pure text
// work, apart from the ssh process (ssh_channel.h) and the fan-out to several hosts (fleet.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pmd::cli {

struct RemoteHost {
  std::string user;  // "" for ssh's own choice (the local user, or the ssh config's User)
  std::string host;  // a name, an IPv4 address, or an IPv6 address without brackets
  int port = 0;      // 0 for ssh's own choice (22, or the ssh config's Port)

  /// How the host is shown in a column or a prefix: "web1", "deploy@web1:2222".
  std::string label() const;
};

/// `ssh://[user@]host[:port]`, `[user@]host[:port]` (IPv6 as `[::1]:22`), or an error sentence.
std::variant<RemoteHost, std::string> parse_remote_host(std::string_view text);

/// Several hosts, separated by commas, spaces or new lines; a `#` starts a comment (a hosts
/// file's text). Duplicates are refused: a reload would roll twice through one machine.
std::variant<std::vector<RemoteHost>, std::string> parse_host_list(std::string_view text);

/// `word` quoted for the remote shell, which ssh hands the command to as one string.
std::string shell_quote(std::string_view word);

/// The argv that runs `remote_words` on `host`: ssh in batch mode (no password prompt, no host
/// key question), `ssh_options` (PMD_SSH_OPTS, already split) before the destination, then the
/// remote command: `remote_pmctl` as written (a command of the remote shell, "pmctl" unless
/// PMD_REMOTE_PMCTL says otherwise) followed by `remote_words`, each quoted.
std::vector<std::string> ssh_argv(const RemoteHost& host, const std::vector<std::string>& ssh_options,
                                  const std::string& remote_pmctl, const std::vector<std::string>& remote_words,
                                  bool terminal = false);

/// What to tell the user when ssh ended (exit `status`, 255 for ssh's own failures, 127 for a
/// missing remote command) before pmd answered, from what ssh printed on stderr.
std::string explain_ssh_failure(const RemoteHost& host, int status, std::string_view ssh_stderr);

}  // namespace pmd::cli
