// is_json_text: one pass with an explicit stack of open brackets (no recursion, so no depth
// limit is needed to stay safe). Kept in step with nlohmann's lexer and parser by a differential
// fuzz target (tests/fuzz, json_check).
#include "json_check.h"

#include "utf8.h"

#include <charconv>
#include <string>
#include <system_error>

namespace pmd {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/// A number's decimal order of magnitude (the power of ten of its first non-zero digit, plus the
/// exponent), only far enough to tell an overflow from an underflow: both are out of range for
/// from_chars, and nlohmann refuses the first (infinite) but takes the second (rounded to 0).
long long order_of_magnitude(std::string_view number) {
  std::size_t i = number.front() == '-' ? 1 : 0;
  const std::size_t integer_start = i;
  while (i < number.size() && is_digit(number[i])) ++i;
  const std::string_view integer = number.substr(integer_start, i - integer_start);
  long long order = 0;
  if (const auto first = integer.find_first_not_of('0'); first != std::string_view::npos) {
    order = static_cast<long long>(integer.size() - first) - 1;
    while (i < number.size() && number[i] != 'e' && number[i] != 'E') ++i;  // past the fraction
  } else if (i < number.size() && number[i] == '.') {
    const std::size_t fraction_start = ++i;
    while (i < number.size() && is_digit(number[i])) ++i;
    const auto first_significant = number.substr(fraction_start, i - fraction_start).find_first_not_of('0');
    if (first_significant == std::string_view::npos) return 0;  // zero: never out of range
    order = -static_cast<long long>(first_significant) - 1;
  }
  long long exponent = 0;
  if (i < number.size()) {  // at 'e' or 'E'
    const bool negative = number[++i] == '-';
    if (number[i] == '-' || number[i] == '+') ++i;
    for (; i < number.size(); ++i)
      // Saturated past anything the digits before it could offset (they are fewer than 10^15).
      if (exponent < 1'000'000'000'000'000) exponent = exponent * 10 + (number[i] - '0');
    if (negative) exponent = -exponent;
  }
  return order + exponent;
}

class Checker {
 public:
  explicit Checker(std::string_view text) : text_(text) {}

  bool document() {
    if (!text_.empty() && text_.front() == '\xEF') {  // a byte-order mark, whole or not at all
      if (text_.substr(0, 3) != "\xEF\xBB\xBF") return false;
      pos_ = 3;
    }
    enum class Next { kValue, kAfterValue, kKey };
    Next next = Next::kValue;
    for (;;) {
      skip_space();
      if (next == Next::kKey) {
        if (peek() != '"' || !string()) return false;
        skip_space();
        if (peek() != ':') return false;
        ++pos_;
        next = Next::kValue;
      } else if (next == Next::kValue) {
        const char c = peek();
        if (c == '{' || c == '[') {
          ++pos_;
          skip_space();
          if (peek() == (c == '{' ? '}' : ']')) {
            ++pos_;
            next = Next::kAfterValue;
          } else {
            open_.push_back(c);
            next = c == '{' ? Next::kKey : Next::kValue;
          }
        } else {
          if (!scalar()) return false;
          next = Next::kAfterValue;
        }
      } else {
        // nlohmann's lexer takes a NUL byte for the end of the input, whatever follows it.
        if (open_.empty()) return at_end() || text_[pos_] == '\0';
        const char c = peek();
        const char top = open_.back();
        if (c == ',') {
          ++pos_;
          next = top == '{' ? Next::kKey : Next::kValue;
        } else if ((c == '}' && top == '{') || (c == ']' && top == '[')) {
          ++pos_;
          open_.pop_back();
        } else {
          return false;
        }
      }
    }
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  void skip_space() {
    while (!at_end()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }

  bool scalar() {
    switch (peek()) {
      case '"': return string();
      case 't': return word("true");
      case 'f': return word("false");
      case 'n': return word("null");
      default: return number();
    }
  }

  bool word(std::string_view w) {
    if (text_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }

  /// Four hex digits after "\u", as a code unit; -1 if they are not there.
  long code_unit() {
    if (text_.size() - pos_ < 4) return -1;
    long unit = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text_[pos_ + k];
      if (!is_hex(c)) return -1;
      unit = unit * 16 + (is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    pos_ += 4;
    return unit;
  }

  bool string() {
    const std::size_t start = ++pos_;
    bool beyond_ascii = false;
    for (;;) {
      if (at_end()) return false;
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') break;
      if (c < 0x20) return false;
      if (c >= 0x80) beyond_ascii = true;
      ++pos_;
      if (c != '\\') continue;
      const char escaped = peek();
      ++pos_;
      if (escaped == 'u') {
        const long unit = code_unit();
        if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) return false;  // a low surrogate alone
        if (unit >= 0xD800 && unit <= 0xDBFF) {                            // must pair with a low one
          if (peek() != '\\' || text_.substr(pos_ + 1, 1) != "u") return false;
          pos_ += 2;
          const long low = code_unit();
          if (low < 0xDC00 || low > 0xDFFF) return false;
        }
      } else if (std::string_view("\"\\/bfnrt").find(escaped) == std::string_view::npos) {
        return false;
      }
    }
    // Escapes are ASCII, so the raw bytes are well-formed UTF-8 exactly when the string's are.
    if (beyond_ascii && first_invalid_utf8(text_.substr(start, pos_ - start))) return false;
    ++pos_;
    return true;
  }

  bool digits() {
    if (!is_digit(peek())) return false;
    while (is_digit(peek())) ++pos_;
    return true;
  }

  bool number() {
    const std::size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (peek() == '0')
      ++pos_;
    else if (!digits())
      return false;
    bool plain = true;  // an integer
    if (peek() == '.') {
      ++pos_;
      if (!digits()) return false;
      plain = false;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!digits()) return false;
      plain = false;
    }
    const std::string_view number = text_.substr(start, pos_ - start);
    if (plain && number.size() <= 300) return true;  // below 1e300: always a finite double
    double value = 0;
    const auto parsed = std::from_chars(number.data(), number.data() + number.size(), value);
    if (parsed.ec == std::errc()) return true;
    return parsed.ec == std::errc::result_out_of_range && order_of_magnitude(number) < 0;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::string open_;  // the brackets still open, innermost last
};

}  // namespace

bool is_json_text(std::string_view text) { return Checker(text).document(); }

}  // namespace pmd
