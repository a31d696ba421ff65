// A small recursive-descent parser for JSON with JavaScript's relaxations.
#include "lenient_json.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace pmd::config {
namespace {

struct SyntaxError {
  Position pos;
  std::string message;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Value document() {
    skip_space();
    Value v = value(0);
    skip_space();
    if (i_ < s_.size()) fail("unexpected " + describe_here() + " after the end of the document");
    return v;
  }

 private:
  static constexpr int kMaxDepth = 200;

  [[noreturn]] void fail(const std::string& message) { throw SyntaxError{here(), message}; }

  // Positions are counted forward from the last one asked for, so a whole parse stays linear.
  Position here() const {
    if (i_ < mark_index_) {
      mark_index_ = 0;
      mark_ = {1, 1};
    }
    for (std::size_t k = mark_index_; k < i_ && k < s_.size(); ++k) {
      if (s_[k] == '\n') {
        ++mark_.line;
        mark_.column = 1;
      } else if ((static_cast<unsigned char>(s_[k]) & 0xC0) != 0x80) {
        ++mark_.column;
      }
    }
    mark_index_ = i_;
    return mark_;
  }

  std::string describe_here() const {
    if (i_ >= s_.size()) return "end of file";
    char c = s_[i_];
    if (c == '\n') return "end of line";
    return std::string("'") + c + "'";
  }

  void skip_space() {
    for (;;) {
      while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
      if (s_.substr(i_, 2) == "//") {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (s_.substr(i_, 2) == "/*") {
        auto end = s_.find("*/", i_ + 2);
        if (end == std::string_view::npos) fail("unterminated /* comment");
        i_ = end + 2;
      } else if (i_ == 0 && s_.substr(0, 3) == "\xEF\xBB\xBF") {
        i_ = 3;  // UTF-8 byte order mark
      } else {
        return;
      }
    }
  }

  Value value(int depth) {
    if (depth > kMaxDepth) fail("nested too deeply");
    Value v;
    v.pos = here();
    if (i_ >= s_.size()) fail("expected a value, found end of file");
    char c = s_[i_];
    if (c == '{') return object(depth, v.pos);
    if (c == '[') return array(depth, v.pos);
    if (c == '"' || c == '\'') {
      v.kind = Value::Kind::kString;
      v.text = string_literal();
      return v;
    }
    if (c == '-' || c == '+' || c == '.' || std::isdigit(static_cast<unsigned char>(c))) return number(v.pos);
    std::string word = identifier();
    if (word == "true" || word == "false") {
      v.kind = Value::Kind::kBool;
      v.boolean = word == "true";
      return v;
    }
    if (word == "null" || word == "undefined") return v;
    if (word.empty()) fail("expected a value, found " + describe_here());
    fail("expected a value, found '" + word + "' (strings need quotes)");
  }

  Value object(int depth, Position pos) {
    Value v;
    v.kind = Value::Kind::kObject;
    v.pos = pos;
    ++i_;  // {
    for (;;) {
      skip_space();
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return v;
      }
      Value::Member m;
      m.key_pos = here();
      if (i_ < s_.size() && (s_[i_] == '"' || s_[i_] == '\''))
        m.key = string_literal();
      else
        m.key = identifier();
      if (m.key.empty()) fail("expected a key or '}', found " + describe_here());
      skip_space();
      if (i_ >= s_.size() || s_[i_] != ':') fail("expected ':' after key \"" + m.key + "\", found " + describe_here());
      ++i_;
      skip_space();
      m.value = value(depth + 1);
      v.members.push_back(std::move(m));
      skip_space();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') continue;
      fail("expected ',' or '}' after the value of \"" + v.members.back().key + "\", found " + describe_here());
    }
  }

  Value array(int depth, Position pos) {
    Value v;
    v.kind = Value::Kind::kArray;
    v.pos = pos;
    ++i_;  // [
    for (;;) {
      skip_space();
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return v;
      }
      v.items.push_back(value(depth + 1));
      skip_space();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') continue;
      fail("expected ',' or ']' in a list, found " + describe_here());
    }
  }

  std::string identifier() {
    std::size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '$')) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }

  Value number(Position pos) {
    std::size_t start = i_;
    if (s_[i_] == '+' || s_[i_] == '-') ++i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' ||
                              ((s_[i_] == '+' || s_[i_] == '-') && (s_[i_ - 1] == 'e' || s_[i_ - 1] == 'E'))))
      ++i_;
    std::string text(s_.substr(start, i_ - start));
    std::string digits = text[0] == '+' ? text.substr(1) : text;
    char* end = nullptr;
    double d = std::strtod(digits.c_str(), &end);
    if (digits.empty() || end != digits.c_str() + digits.size()) {
      i_ = start;
      fail("'" + text + "' is not a number");
    }
    if (!std::isfinite(d)) {
      i_ = start;
      fail("'" + (text.size() > 24 ? text.substr(0, 20) + "..." : text) + "' (" + std::to_string(text.size()) +
           " characters) is too large for any setting");
    }
    Value v;
    v.kind = Value::Kind::kNumber;
    v.number = d;
    v.text = text;
    v.pos = pos;
    return v;
  }

  void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80)
      out += static_cast<char>(cp);
    else if (cp < 0x800)
      out += static_cast<char>(0xC0 | (cp >> 6)), out += static_cast<char>(0x80 | (cp & 0x3F));
    else if (cp < 0x10000)
      out += static_cast<char>(0xE0 | (cp >> 12)), out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
          out += static_cast<char>(0x80 | (cp & 0x3F));
    else
      out += static_cast<char>(0xF0 | (cp >> 18)), out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), out += static_cast<char>(0x80 | (cp & 0x3F));
  }

  unsigned hex4() {
    if (i_ + 4 > s_.size()) fail("incomplete \\u escape");
    unsigned cp = 0;
    auto [p, ec] = std::from_chars(s_.data() + i_, s_.data() + i_ + 4, cp, 16);
    if (ec != std::errc() || p != s_.data() + i_ + 4) fail("bad \\u escape");
    i_ += 4;
    return cp;
  }

  std::string string_literal() {
    char quote = s_[i_++];
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      char c = s_[i_++];
      if (c == quote) return out;
      if (c == '\n') {
        --i_;
        fail("unterminated string (a newline inside quotes)");
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) fail("unterminated string");
      char e = s_[i_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case '0': out += '\0'; break;
        case '\n': break;  // line continuation
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF && s_.substr(i_, 2) == "\\u") {
            i_ += 2;
            unsigned low = hex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: out += e;  // \" \' \\ \/ and JavaScript's identity escapes
      }
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
  mutable std::size_t mark_index_ = 0;
  mutable Position mark_{1, 1};
};

}  // namespace

std::variant<Value, Diagnostic> parse_lenient_json(std::string_view text) {
  try {
    return Parser(text).document();
  } catch (const SyntaxError& e) {
    Diagnostic d;
    d.pos = e.pos;
    d.kind = "syntax";
    d.message = e.message;
    return d;
  }
}

}  // namespace pmd::config
