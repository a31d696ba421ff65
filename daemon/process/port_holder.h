// Who holds a TCP port: for the error a port conflict gives ("port 3000 is already in use by
// pid 812 (node server.js)"), so a user sees the culprit without reaching for ss or lsof. The
// /proc/net parsing is pure; the walk over /proc/<pid>/fd sees what pmd's user may see (all of
// it as root), and says nothing when it finds nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pmd {

/// The socket inodes listening on `port` in the text of /proc/net/tcp or /proc/net/tcp6.
std::vector<unsigned long> listening_inodes(std::string_view proc_net_text, int port);

/// " by pid 812 (node server.js)", or "" when the holder cannot be seen.
std::string describe_port_holder(int port);

}  // namespace pmd
