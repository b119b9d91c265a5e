// Redaction of named string fields inside one JSON record.
//
// simdjson validates the record (grammar and UTF-8). It does not report where
// in the input a string value lies, and we must splice replacements into the
// original bytes so that everything else stays exactly as it was (including
// the record's own choice of \u escapes), so a small scanner below walks the
// already-validated record, follows the requested paths, and decodes each
// selected string while recording, for every decoded byte, which raw escape
// unit it came from. Replacements are computed on the decoded text and
// re-encoded as JSON; untouched parts of a string keep their original bytes.
#include <simdjson.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "piivault/redactor.h"
#include "redact/redactor_internal.h"

namespace piivault {
namespace redact_internal {
namespace {

struct Step {
  bool each = false;  // [] : every array element
  std::string key;    // object member name
};
using Path = std::vector<Step>;

absl::StatusOr<Path> ParsePath(std::string_view path) {
  if (path.empty()) return absl::InvalidArgumentError("field path is empty");
  Path out;
  for (absl::string_view seg_view : absl::StrSplit(absl::string_view(path.data(), path.size()), '.')) {
    std::string_view seg(seg_view.data(), seg_view.size());
    size_t brackets = 0;
    while (seg.size() >= 2 && seg.substr(seg.size() - 2) == "[]") {
      seg.remove_suffix(2);
      ++brackets;
    }
    if (seg.find_first_of("[]") != std::string_view::npos)
      return absl::InvalidArgumentError(absl::StrCat(
          "field path \"", std::string(path), "\": use name, name[] or a.b[].c"));
    if (seg.empty() && !(out.empty() && brackets > 0))
      return absl::InvalidArgumentError(
          absl::StrCat("field path \"", std::string(path), "\" has an empty segment"));
    if (!seg.empty()) out.push_back({false, std::string(seg)});
    for (size_t i = 0; i < brackets; ++i) out.push_back({true, ""});
  }
  return out;
}

class Scanner {
 public:
  Scanner(std::string_view json, const std::vector<Path>& paths) : s_(json), paths_(paths) {}

  absl::Status Run(std::vector<StringRange>* out) {
    out_ = out;
    std::vector<std::pair<size_t, size_t>> active;
    for (size_t i = 0; i < paths_.size(); ++i) active.push_back({i, 0});
    SkipWs();
    PIIVAULT_RETURN_IF_ERROR(Value(active, 0));
    return absl::OkStatus();
  }

 private:
  absl::Status Bad(std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("malformed JSON at byte ", pos_, ": ", std::string(what)));
  }
  void SkipWs() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  // pos_ at the opening quote; leaves pos_ after the closing quote.
  absl::Status SkipString(StringRange* range) {
    size_t start = ++pos_;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '\\') {
        pos_ += 2;
        continue;
      }
      if (c == '"') {
        if (range != nullptr) *range = {start, pos_};
        ++pos_;
        return absl::OkStatus();
      }
      ++pos_;
    }
    return Bad("unterminated string");
  }
  absl::Status SkipValue() {
    int depth = 0;
    do {
      SkipWs();
      if (pos_ >= s_.size()) return Bad("unexpected end");
      char c = s_[pos_];
      if (c == '"') {
        PIIVAULT_RETURN_IF_ERROR(SkipString(nullptr));
      } else if (c == '{' || c == '[') {
        ++depth;
        ++pos_;
      } else if (c == '}' || c == ']') {
        --depth;
        ++pos_;
      } else if (c == ',' || c == ':') {
        ++pos_;
      } else {
        while (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != '}' && s_[pos_] != ']' &&
               s_[pos_] != ' ' && s_[pos_] != '\t' && s_[pos_] != '\n' && s_[pos_] != '\r')
          ++pos_;
      }
    } while (depth > 0);
    return absl::OkStatus();
  }
  absl::Status Value(const std::vector<std::pair<size_t, size_t>>& active, int depth) {
    if (active.empty() || depth > 64) return SkipValue();
    SkipWs();
    if (pos_ >= s_.size()) return Bad("unexpected end");
    char c = s_[pos_];
    if (c == '"') {
      StringRange r;
      PIIVAULT_RETURN_IF_ERROR(SkipString(&r));
      for (const auto& [p, step] : active) {
        if (step == paths_[p].size()) {
          out_->push_back(r);
          break;
        }
      }
      return absl::OkStatus();
    }
    if (c == '{') {
      ++pos_;
      SkipWs();
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return absl::OkStatus();
      }
      while (true) {
        SkipWs();
        if (pos_ >= s_.size() || s_[pos_] != '"') return Bad("expected a member name");
        StringRange kr;
        PIIVAULT_RETURN_IF_ERROR(SkipString(&kr));
        std::string key;
        PIIVAULT_RETURN_IF_ERROR(DecodeJsonString(s_.substr(kr.begin, kr.end - kr.begin), &key, nullptr));
        std::vector<std::pair<size_t, size_t>> next;
        for (const auto& [p, step] : active)
          if (step < paths_[p].size() && !paths_[p][step].each && paths_[p][step].key == key)
            next.push_back({p, step + 1});
        SkipWs();
        if (pos_ >= s_.size() || s_[pos_] != ':') return Bad("expected ':'");
        ++pos_;
        PIIVAULT_RETURN_IF_ERROR(Value(next, depth + 1));
        SkipWs();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == '}') {
          ++pos_;
          return absl::OkStatus();
        }
        return Bad("expected ',' or '}'");
      }
    }
    if (c == '[') {
      ++pos_;
      std::vector<std::pair<size_t, size_t>> next;
      for (const auto& [p, step] : active)
        if (step < paths_[p].size() && paths_[p][step].each) next.push_back({p, step + 1});
      SkipWs();
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return absl::OkStatus();
      }
      while (true) {
        PIIVAULT_RETURN_IF_ERROR(Value(next, depth + 1));
        SkipWs();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == ']') {
          ++pos_;
          return absl::OkStatus();
        }
        return Bad("expected ',' or ']'");
      }
    }
    return SkipValue();
  }

 public:
  // Decodes a JSON string body. unit_start (if not null) gets, for each
  // decoded byte, the offset in `raw` of the escape or byte it came from, plus
  // a final entry raw.size().
  static absl::Status DecodeJsonString(std::string_view raw, std::string* out,
                                       std::vector<uint32_t>* unit_start) {
    out->clear();
    if (unit_start) unit_start->clear();
    auto emit = [&](uint32_t cp, size_t unit) {
      char buf[4];
      size_t n;
      if (cp < 0x80) {
        buf[0] = static_cast<char>(cp);
        n = 1;
      } else if (cp < 0x800) {
        buf[0] = static_cast<char>(0xC0 | (cp >> 6));
        buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
        n = 2;
      } else if (cp < 0x10000) {
        buf[0] = static_cast<char>(0xE0 | (cp >> 12));
        buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
        n = 3;
      } else {
        buf[0] = static_cast<char>(0xF0 | (cp >> 18));
        buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
        n = 4;
      }
      out->append(buf, n);
      if (unit_start) unit_start->insert(unit_start->end(), n, static_cast<uint32_t>(unit));
    };
    auto hex4 = [&](size_t i, uint32_t* v) {
      if (i + 4 > raw.size()) return false;
      *v = 0;
      for (size_t k = i; k < i + 4; ++k) {
        char c = raw[k];
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (d < 0) return false;
        *v = *v * 16 + static_cast<uint32_t>(d);
      }
      return true;
    };
    for (size_t i = 0; i < raw.size();) {
      char c = raw[i];
      if (c != '\\') {
        out->push_back(c);
        if (unit_start) unit_start->push_back(static_cast<uint32_t>(i));
        ++i;
        continue;
      }
      if (i + 1 >= raw.size()) return absl::InvalidArgumentError("truncated escape in a JSON string");
      char e = raw[i + 1];
      char simple = 0;
      switch (e) {
        case '"': simple = '"'; break;
        case '\\': simple = '\\'; break;
        case '/': simple = '/'; break;
        case 'b': simple = '\b'; break;
        case 'f': simple = '\f'; break;
        case 'n': simple = '\n'; break;
        case 'r': simple = '\r'; break;
        case 't': simple = '\t'; break;
        case 'u': break;
        default: return absl::InvalidArgumentError("bad escape in a JSON string");
      }
      if (simple != 0) {
        out->push_back(simple);
        if (unit_start) unit_start->push_back(static_cast<uint32_t>(i));
        i += 2;
        continue;
      }
      uint32_t cp;
      if (!hex4(i + 2, &cp)) return absl::InvalidArgumentError("bad \\u escape in a JSON string");
      size_t len = 6;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t lo;
        if (i + 12 > raw.size() || raw[i + 6] != '\\' || raw[i + 7] != 'u' || !hex4(i + 8, &lo) ||
            lo < 0xDC00 || lo > 0xDFFF)
          return absl::InvalidArgumentError(
              absl::StrCat("unpaired \\u surrogate in a JSON string at byte ", i));
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        len = 12;
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return absl::InvalidArgumentError(
            absl::StrCat("unpaired \\u surrogate in a JSON string at byte ", i));
      }
      emit(cp, i);
      i += len;
    }
    if (unit_start) unit_start->push_back(static_cast<uint32_t>(raw.size()));
    return absl::OkStatus();
  }

 private:
  std::string_view s_;
  const std::vector<Path>& paths_;
  size_t pos_ = 0;
  std::vector<StringRange>* out_ = nullptr;
};

}  // namespace

std::string JsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (u < 0x20) {
          absl::StrAppend(&out, "\\u00", std::string(1, "0123456789abcdef"[u >> 4]),
                          std::string(1, "0123456789abcdef"[u & 15]));
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

// Exposed for tests: decodes a JSON string body (without quotes).
absl::StatusOr<std::string> DecodeJsonStringForTest(std::string_view raw) {
  std::string out;
  PIIVAULT_RETURN_IF_ERROR(Scanner::DecodeJsonString(raw, &out, nullptr));
  return out;
}

}  // namespace redact_internal

absl::Status Redactor::ValidateFieldPath(std::string_view path) {
  return redact_internal::ParsePath(path).status();
}

namespace redact_internal {

absl::Status FieldStrings(std::string_view record, const std::vector<std::string>& fields,
                          std::vector<StringRange>* ranges) {
  thread_local simdjson::dom::parser parser;
  simdjson::error_code err = parser.parse(record.data(), record.size(), true).error();
  if (err != simdjson::SUCCESS)
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON record: ", simdjson::error_message(err)));
  // Parsed paths are cached per thread: the CLI passes the same fields for
  // every record.
  thread_local std::vector<std::string> cached_fields;
  thread_local std::vector<Path> paths;
  if (cached_fields != fields) {
    cached_fields.clear();
    paths.clear();
    for (const std::string& f : fields) {
      PIIVAULT_ASSIGN_OR_RETURN(Path p, ParsePath(f));
      paths.push_back(std::move(p));
    }
    cached_fields = fields;
  }
  ranges->clear();
  Scanner scanner(record, paths);
  return scanner.Run(ranges);
}

absl::Status DecodeJsonString(std::string_view raw, std::string* out,
                              std::vector<uint32_t>* unit_start) {
  return Scanner::DecodeJsonString(raw, out, unit_start);
}

}  // namespace redact_internal

absl::StatusOr<std::string> Redactor::RedactJsonRecord(std::string_view record,
                                                       const std::vector<std::string>& fields,
                                                       RedactionReport* report) const {
  using redact_internal::Edit;
  std::vector<redact_internal::StringRange> ranges;
  PIIVAULT_RETURN_IF_ERROR(redact_internal::FieldStrings(record, fields, &ranges));

  RedactionReport local;
  RedactionReport* r = report != nullptr ? report : &local;
  redact_internal::DocState doc;  // one record = one document
  std::string out;
  size_t pos = 0;
  std::string decoded;
  std::vector<uint32_t> unit;
  for (const redact_internal::StringRange& range : ranges) {
    std::string_view raw = record.substr(range.begin, range.end - range.begin);
    // Fast path: no escapes, so the decoded string is the raw bytes and
    // offsets map one to one (the unit map is built only when needed).
    const bool escaped = raw.find('\\') != std::string_view::npos;
    std::string_view text = raw;
    if (escaped) {
      PIIVAULT_RETURN_IF_ERROR(redact_internal::Scanner::DecodeJsonString(raw, &decoded, &unit));
      text = decoded;
    }
    PIIVAULT_ASSIGN_OR_RETURN(std::vector<Finding> findings, impl_->FindAll(text));
    if (findings.empty()) continue;
    std::vector<Edit> edits;
    PIIVAULT_RETURN_IF_ERROR(impl_->Plan(text, findings, &doc, r, &edits));
    if (!escaped) {
      unit.resize(raw.size() + 1);
      for (size_t i = 0; i <= raw.size(); ++i) unit[i] = static_cast<uint32_t>(i);
    }
    const size_t n = text.size();
    for (const Edit& e : edits) {
      // Map decoded offsets to whole escape units of the raw string.
      size_t rb = unit[e.begin];
      size_t j = e.end;
      while (j < n && j > 0 && unit[j] == unit[j - 1]) ++j;
      size_t re = j >= n ? raw.size() : unit[j];
      size_t abs_b = range.begin + rb, abs_e = range.begin + re;
      if (abs_b < pos) continue;  // cannot happen for disjoint edits
      out.append(record.substr(pos, abs_b - pos));
      out.append(redact_internal::JsonEscape(e.replacement));
      pos = abs_e;
    }
  }
  if (pos == 0) return std::string(record);
  out.append(record.substr(pos));
  return out;
}

}  // namespace piivault
