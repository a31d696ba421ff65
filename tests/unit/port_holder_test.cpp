// The /proc/net/tcp parsing behind "port 3000 is already in use by pid 812 (...)".
#include "process/port_holder.h"

#include <catch2/catch.hpp>

TEST_CASE("listening sockets are found by port in /proc/net/tcp and tcp6", "[port_holder]") {
  const char* tcp =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41234 1 0 100 0 0 10 "
      "0\n"
      "   1: 0100007F:0BB8 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 41299 1 0 20 4 30 10 "
      "-1\n"
      "   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 51000 1 0 100 0 0 10 "
      "0\n"
      "   3: garbage\n";
  // Port 3000 (0x0BB8): the listening one only, not the established connection to it.
  CHECK(pmd::listening_inodes(tcp, 3000) == std::vector<unsigned long>{41234});
  CHECK(pmd::listening_inodes(tcp, 8080) == std::vector<unsigned long>{51000});
  CHECK(pmd::listening_inodes(tcp, 9999).empty());
  const char* tcp6 =
      "  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
      "tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000000000000000000000000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 "
      "00:00000000 00000000     0        0 77 1 0 100 0 0 10 0\n";
  CHECK(pmd::listening_inodes(tcp6, 3000) == std::vector<unsigned long>{77});
  CHECK(pmd::listening_inodes("", 3000).empty());
}
