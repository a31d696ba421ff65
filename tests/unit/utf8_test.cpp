// UTF-8 validation: what is accepted and the offset of the first bad byte.
#include "utf8.h"

#include <catch2/catch.hpp>

using pmd::first_invalid_utf8;

TEST_CASE("well-formed UTF-8 passes, the first ill-formed byte is found", "[utf8]") {
  CHECK_FALSE(first_invalid_utf8("plain ascii"));
  CHECK_FALSE(first_invalid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  CHECK(first_invalid_utf8("caf\xe9") == 3u);           // Latin-1
  CHECK(first_invalid_utf8("ab\xc0\xaf") == 2u);        // overlong '/'
  CHECK(first_invalid_utf8("\xed\xa0\x80") == 0u);      // a surrogate
  CHECK(first_invalid_utf8("\xf4\x90\x80\x80") == 0u);  // past U+10FFFF
  CHECK(first_invalid_utf8("ok\xe2\x82") == 2u);        // truncated at the end
  CHECK(first_invalid_utf8("\x80") == 0u);              // a lone continuation byte
}
