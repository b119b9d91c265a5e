// The detection engine. One pass over the text finds the few places that can
// start a candidate (ASCII and full-width characters, via a SIMD skip loop;
// a SIMD filter finds Chinese numerals, and so their runs); each place is
// normalised into a short ASCII segment with a map back to the original bytes; hand-written
// extractors cut candidates out of the segment (digit runs with separators,
// tokens, e-mails, IPv6/MAC, coordinates, dates, plates, anchored names and
// addresses); each candidate is checked against its pattern's regex as an
// anchored full match (a DFA compiled from it, RE2 only to take a capturing
// group), then by the pattern's validator, then scored by context keywords
// from a bounded window. A second pass finds Chinese numeral runs, a third the
// characters that end bare labels (我叫, 寄到). Overlaps are resolved at the end.
#include "piivault/detector.h"

#include <algorithm>
#include <atomic>
#include <array>
#include <functional>
#include <cstring>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/file_util.h"
#include "common/mask_convention.h"
#include "common/redaction_label.h"
#include "common/status_macros.h"
#include "detect/keyword_index.h"
#include "detect/keyword_prefilter.h"
#include "detect/pattern_set.h"
#include "detect/text_scan.h"
#include "re2/re2.h"

namespace piivault {
namespace {

using internal::Extractor;
using internal::Keyword;
using internal::NormAt;
using internal::NormChar;
using internal::NormKind;
using internal::Pattern;
using internal::Verdict;

// Context windows (§1.4): 20 code points before, 8 after.
constexpr size_t kBeforeWindow = 60;
constexpr size_t kAfterWindow = 24;
// A segment holds at most this many normalised characters; a longer stretch
// of text is scanned as overlapping pieces (Scanner::LongStretch).
constexpr size_t kSegmentChars = 4096;
// A run of Chinese numerals, digits and single separators is processed iff
// it spans at least kMinNumeralRun bytes, and a value taken from it must span
// that much too: six spoken digits, or five with spaces.
constexpr size_t kMinNumeralRun = 16;
// A value taken from a numeral run must itself hold this many Chinese
// numerals (the run-level count would depend on text far from the value,
// so a window of the text could decide differently).
constexpr size_t kMinNumerals = 3;
// The longest e-mail local part (RFC 5321).
constexpr size_t kMaxEmailLocal = 64;
// Name values are read this many characters ahead before deciding.
constexpr size_t kNameLookahead = 20;
// How much further a window for negative keywords reaches through masked
// characters ('*', see SinksBeyondMask): a mask is at most three bytes
// longer than what it hid (the e-mail mask's "***" after a one-character
// local part, an address's "****" after one character), two such masks.
constexpr size_t kMaxMaskGrowth = 6;

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
inline bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline bool IsSpace(char c) { return c == ' ' || c == '\n'; }

struct Candidate {
  size_t begin;
  size_t end;
  float confidence;
  const Pattern* pattern;
  std::string normalized;
  std::string_view validated_by;
};

// A normalised stretch of text: s[k] came from original bytes [b[k], e[k]).
// b, e and numerals_before are buffers of the most a segment can hold,
// written by index (BuildSegment appends a character at a time; a push_back
// per character and array cost more than normalising it).
struct Segment {
  // The most characters BuildSegment puts in one segment.
  static constexpr size_t kMax = kSegmentChars;
  std::string s;
  std::vector<size_t> b = std::vector<size_t>(kMax);  // entries [0, s.size()) are the segment's
  std::vector<size_t> e = std::vector<size_t>(kMax);
  bool numerals = false;
  // BuildSegment stopped because the segment was full, not at the end of
  // the stretch.
  bool full = false;
  // With `numerals`: how many of s[0, k) came from Chinese numerals, for
  // each k in [0, s.size()].
  std::vector<uint32_t> numerals_before = std::vector<uint32_t>(kMax + 1);
  // The characters while BuildSegment collects them (then copied to s).
  std::vector<char> chars = std::vector<char>(kMax);
  void Clear() {
    s.clear();
    full = false;
    numerals_before[0] = 0;
  }
};

struct Group {
  size_t b, e;  // [b, e) in the segment
  char sep;     // separator before this group (0 for the first)
  bool star;    // holds a '*' (a masked digit)
  bool digit;   // holds a digit
};

std::string_view ValidatorLabel(std::string_view name) {
  // Static strings for Finding::validated_by.
  static constexpr std::pair<std::string_view, std::string_view> kLabels[] = {
      {"none", "format"},       {"not_repeated", "format"},     {"gb11643", "gb11643"},
      {"gb32100", "gb32100"},   {"gb11714", "gb11714"},         {"iso7064_mod11_10", "iso7064_mod11_10"},
      {"bank_card", "luhn"},    {"imei", "luhn"},               {"meid", "luhn16"},
      {"ipv4", "ipv4"},         {"ipv6", "ipv6"},               {"mac", "mac"},
      {"date", "calendar"},     {"geo", "range"},               {"email", "email"},
      {"uuid", "format"},       {"cn_name", "surname"},         {"cn_address", "address_levels"},
  };
  for (const auto& [n, l] : kLabels) {
    if (n == name) return l;
  }
  return "format";
}

// The indexes of a few UTF-8 characters (each packed into an integer, up to
// 3 bytes) in a list, by open addressing: a table of (character, index + 1;
// 0 is empty), a power of two at least twice as long as the list.
class CharIndex {
 public:
  CharIndex() = default;
  explicit CharIndex(const std::vector<uint32_t>& chars) {
    size_t slots = 16;
    while (slots < 2 * chars.size()) slots *= 2;
    slots_.assign(slots, {0, 0});
    for (size_t i = 0; i < chars.size(); ++i) {
      size_t at = Slot(chars[i], slots - 1);
      while (slots_[at].second != 0) at = (at + 1) & (slots - 1);
      slots_[at] = {chars[i], static_cast<uint32_t>(i + 1)};
    }
  }

  // The index of c in the list, or SIZE_MAX.
  size_t Find(uint32_t c) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = Slot(c, mask);; i = (i + 1) & mask) {
      const auto& [key, index] = slots_[i];
      if (index == 0) return SIZE_MAX;
      if (key == c) return index - 1;
    }
  }

 private:
  static size_t Slot(uint32_t c, size_t mask) { return (c * 0x9E3779B1u >> 7) & mask; }
  std::vector<std::pair<uint32_t, uint32_t>> slots_ = std::vector<std::pair<uint32_t, uint32_t>>(16, {0, 0});
};

struct Engine {
  // Unique per Detector::Create, for state a thread keeps between scans.
  uint64_t id = 0;
  DetectorOptions options;
  std::vector<std::unique_ptr<Pattern>> owned;
  std::vector<const Pattern*> digits, tokens, emails, colon_hex, decimal_pairs, cn_dates, plates,
      anchored;
  size_t digits_min = SIZE_MAX, digits_max = 0, tokens_min = SIZE_MAX, tokens_max = 0;
  // digits patterns by value length (index 0 stays empty: "too long").
  std::vector<std::vector<const Pattern*>> digits_by_length, digits_raw_by_length;
  // token patterns by value length, in `tokens` order.
  std::vector<std::vector<const Pattern*>> tokens_by_length;
  // Pure-letter positive keywords (lower case) that may touch a number
  // ("qq12345"), by length (index: letters, 1-12).
  std::vector<std::string> glue_by_length[13];
  // Last UTF-8 character (up to 3 bytes) of every anchor keyword, and each
  // one's index in anchor_tails (nearly every chat line asks about the colon
  // after the speaker's name).
  std::vector<uint32_t> anchor_tails;
  CharIndex anchor_tail_index;
  // (anchor, pattern) pairs by the index of the anchor's last character in
  // anchor_tails.
  std::vector<std::vector<std::pair<std::string, const Pattern*>>> anchors_by_tail;
  // Last characters (3-byte UTF-8) found by the tail pass: those of bare
  // anchors (我叫 → 叫), 年 for dates in Chinese numerals, 纬/经 for
  // 北纬…东经… coordinates.
  std::vector<uint32_t> tails;
  CharIndex tail_index;
  bool numeral_tails = false;  // a tail is a Chinese numeral (no built-in one is)
  // Bare anchors by the index of their last character in `tails`.
  struct BareAnchor {
    std::string text;
    const Pattern* pattern;
    uint32_t before_tail;  // the 3 bytes before the last character
  };
  std::vector<std::vector<BareAnchor>> bare_by_tail;
  // Where a tail or a Chinese numeral (when there are digits patterns) may
  // be: their last two bytes match. For Scanner::ScanHan.
  internal::KeywordPrefilter han_filter{std::vector<std::string>{}};
  // Positive-keyword prefilters (Pattern::positive_prefilter indexes this),
  // asked when a candidate counts only next to a positive keyword.
  std::vector<internal::KeywordPrefilter> prefilters;
  // Scanner::Timestamp may be used: no digit or token pattern takes a value
  // of 1-2 characters and no anchor keyword ends in a digit, so the time
  // part of a timestamp cannot yield a candidate.
  bool timestamp_fast_path = false;
  size_t max_finding = 0;
  size_t context_window = 0;
  // Every keyword of every pattern (Keyword::id indexes it).
  internal::KeywordIndex keywords;
};

}  // namespace

struct Detector::Impl : Engine {};

namespace {

class Scanner {
 public:
  Scanner() = default;

  // Ready to scan `text` with `impl` as if newly constructed, keeping the
  // capacity of every buffer (Detector::Scan reuses one Scanner per thread,
  // so scanning many short texts allocates nothing per text).
  // `labels`: the redactor's, beyond the angle style (may be null).
  void Reset(const Engine& impl, std::string_view text, const RedactionLabels* labels) {
    impl_ = &impl;
    chinese_labels_ = labels != nullptr && labels->chinese_style;
    vault_tokens_ = labels != nullptr && labels->vault_tokens;
    custom_labels_ = labels != nullptr && !labels->custom.empty() ? &labels->custom : nullptr;
    any_byte_labels_ = vault_tokens_ || custom_labels_ != nullptr;
    p_ = reinterpret_cast<const uint8_t*>(text.data());
    n_ = text.size();
    seg_.Clear();
    seg_.numerals = false;
    groups_.clear();
    labelled_.clear();
    cands_.clear();
    tail_cands_.clear();
    sunk_.clear();
    pass_end_[0] = pass_end_[1] = 0;
    before_of_ = after_of_ = SIZE_MAX;
    ++generation_;  // every memo entry and cursor of earlier texts is stale
    // Which patterns' regexes accept a date holds for every text of one
    // Detector (each chat message of a JSON Lines record is its own text).
    if (ts_memo_.engine != impl.id) {
      ts_memo_.engine = impl.id;
      ts_memo_.date.clear();
      ts_memo_.left_ok = false;
      ts_memo_.digit_count = 0;
      ts_memo_.passed.clear();
    }
    shape_passed_ = nullptr;
    shape_passed_as_token_ = false;
    hits_before_.clear();
    hits_earlier_line_.clear();
    hits_after_.clear();
    sinks_before_.clear();
    sinks_after_.clear();
    earlier_sinks_.clear();
  }

  // `cover`: see Detector::ScanCovering.
  std::vector<Finding> Run(bool cover) {
    ScanAscii();
    pass_end_[0] = cands_.size();
    ScanHan();
    std::vector<Finding> found = Resolve(cover);
    // A reused Scanner keeps its buffers, but not a large text's candidates.
    if (cands_.capacity() > kKeptCandidates) {
      std::vector<Candidate>().swap(cands_);
      std::vector<Candidate>().swap(tail_cands_);
      std::vector<std::pair<size_t, size_t>>().swap(order_);
      for (std::vector<size_t>* v : {&by_begin_, &chosen_, &cluster_, &kept_}) std::vector<size_t>().swap(*v);
    }
    return found;
  }

 private:
  // ---------------------------------------------------------------- passes
  void ScanAscii() {
    size_t i = 0;
    while (true) {
      i = internal::NextInteresting(p_, n_, i);
      if (i >= n_) break;
      char c;
      size_t len;
      if (p_[i] < 0x80) {
        c = static_cast<char>(p_[i]);
        len = 1;
      } else {
        NormChar nc = NormAt(p_, n_, i, false);
        if (nc.kind != NormKind::kChar) {
          ++i;
          continue;
        }
        c = nc.c;
        len = nc.len;
      }
      // Only characters that can begin a candidate open a segment; most hits
      // are punctuation (，。：) and cost one test here.
      if (c == ':') {
        if (!impl_->anchored.empty()) AnchorAt(i, i + len);
        bool ipv6 = i + len < n_ && (p_[i + len] == ':' || (p_[i + len] == 0xEF && NormAt(p_, n_, i + len, false).c == ':'));
        if (!ipv6) {
          i += len;
          continue;
        }
      } else if (!internal::IsSegmentStart(c)) {
        i += len;
        continue;
      }
      if (impl_->timestamp_fast_path && len == 1 && IsDigit(c)) {
        size_t end = Timestamp(i);
        if (end == 0) end = DigitsOnly(i);
        if (end != 0) {
          i = end;
          continue;
        }
      }
      size_t end = BuildSegment(i, false);
      if (seg_.full) {
        end = LongStretch();
      } else {
        ProcessSegment();
      }
      i = std::max(end, i + 1);
    }
  }

  // Scans a stretch longer than a segment holds (long ASCII lines: logs,
  // CSV, encoded data; a numeral run), whose first segment is built, as
  // overlapping pieces, the way the redactor scans a stream in windows.
  // Cutting it into segments end to end would make where a piece starts
  // depend on where the stretch (or the scanned text) began, and split any
  // value that straddles a cut: a stream, or a second pass over masked
  // output, would cut elsewhere and decide differently. Here each piece
  // keeps the candidates that end at least `margin` bytes before its cut and
  // the next piece starts `overlap` bytes before the cut, so every candidate
  // is decided inside a piece with at least `margin` bytes of it on either
  // side (all a finding depends on: Engine::context_window, max_finding).
  // Returns where the stretch ends.
  size_t LongStretch() {
    const size_t margin = impl_->max_finding + impl_->context_window;
    const size_t overlap = 2 * margin + impl_->max_finding + 4;  // + 4: the next piece starts at a character
    size_t keep_after = 0;  // the previous piece kept the candidates ending at or before this
    while (true) {
      const size_t cut = seg_.e[seg_.s.size() - 1];
      // The next piece starts at the first character at or after
      // cut - overlap. (If that is this piece's first, patterns whose
      // values are longer than a segment holds, the stretch is cut here.)
      size_t next = 0;
      if (seg_.full && cut > overlap) {
        const auto b = seg_.b.begin();
        next = static_cast<size_t>(std::lower_bound(b, b + static_cast<std::ptrdiff_t>(seg_.s.size()), cut - overlap) - b);
      }
      const size_t next_start = next > 0 ? seg_.b[next] : 0;
      const size_t keep_to = next > 0 ? cut - margin : SIZE_MAX;
      const size_t cands_before = cands_.size(), sunk_before = sunk_.size();
      ProcessSegment();
      auto Outside = [&](const Candidate& c) { return c.end <= keep_after || c.end > keep_to; };
      cands_.erase(std::remove_if(cands_.begin() + static_cast<std::ptrdiff_t>(cands_before), cands_.end(), Outside),
                   cands_.end());
      sunk_.erase(std::remove_if(sunk_.begin() + static_cast<std::ptrdiff_t>(sunk_before), sunk_.end(),
                                 [&](const Sunk& k) { return Outside(k.c); }),
                  sunk_.end());
      if (next == 0) return cut;
      keep_after = keep_to;
      BuildSegment(next_start, seg_.numerals);
    }
  }

  // A chat-export timestamp, "2024-02-15 17:18:00" or "2024-2-5 9:05",
  // optionally closed by ']' or ')' and followed by spaces, that makes up a
  // whole segment (the next character stops BuildSegment). Nearly every line
  // of a transcript starts with one, and the general path spends thousands of
  // instructions proving it holds nothing. This tries exactly the candidates
  // the general path would (the date as a digit run YYYYMMDD / YYYY-MM-DD,
  // then as a token; the time's 1-2 digit groups are shorter than any
  // pattern, see Engine::timestamp_fast_path), in the same order. Returns
  // the end of the segment, or 0 if the text is not of that shape.
  size_t Timestamp(size_t i) {
    auto Digits = [&](size_t* at, size_t lo, size_t hi) {
      size_t k = 0;
      while (*at < n_ && k < hi && IsDigit(static_cast<char>(p_[*at]))) {
        ++*at;
        ++k;
      }
      return k >= lo && (*at >= n_ || !IsDigit(static_cast<char>(p_[*at])));
    };
    auto Char = [&](size_t* at, char c) {
      if (*at >= n_ || p_[*at] != static_cast<uint8_t>(c)) return false;
      ++*at;
      return true;
    };
    // Most digits begin no timestamp (both forms have '-' after the year).
    if (i + 4 >= n_ || p_[i + 4] != '-') return 0;
    size_t q = internal::CanonicalTimestampEnd(p_, n_, i);  // "2024-02-15 17:18:00", 16 bytes at once
    size_t date_end = i + 10;
    if (q == 0) {
      q = i;
      if (!Digits(&q, 4, 4) || !Char(&q, '-') || !Digits(&q, 1, 2) || !Char(&q, '-')) return 0;
      if (!Digits(&q, 1, 2)) return 0;
      date_end = q;
      if (!Char(&q, ' ') || !Digits(&q, 1, 2) || !Char(&q, ':') || !Digits(&q, 2, 2)) return 0;
      if (Char(&q, ':') && !Digits(&q, 2, 2)) return 0;
    }
    if (q < n_ && (p_[q] == ']' || p_[q] == ')')) ++q;
    while (q < n_ && p_[q] == ' ') ++q;
    if (q < n_ && (p_[q] < 0x80 || !internal::IsStopChar(p_, n_, q))) return 0;

    const std::string_view raw(reinterpret_cast<const char*>(p_ + i), date_end - i);
    const bool left_ok = LeftBoundaryOkAt(i);
    // Consecutive lines mostly carry the same date. Which patterns' regexes
    // accept it does not depend on where it is, so the second time only
    // those patterns are tried (in the same order); context and the
    // validators still decide at this place.
    if (left_ok == ts_memo_.left_ok && SameDate(raw, ts_memo_.date)) {
      // Try would drop a date of birth here at once (LogTimestampAt: the
      // parse above has seen the time of day after the date).
      const bool log_header = HeadsLogLine(i);
      for (const auto& [p, as_token] : ts_memo_.passed) {
        if (log_header && p->type == EntityType::kDateOfBirth) continue;
        std::string_view v = raw;
        if (!as_token && !p->value_raw) v = std::string_view(ts_memo_.digits, ts_memo_.digit_count);
        Try(*p, v, i, date_end, /*shape_ok=*/p->shape.has_value());
      }
      return q;
    }
    ts_memo_.date.clear();
    ts_memo_.date.append(raw.data(), raw.size());
    ts_memo_.left_ok = left_ok;
    ts_memo_.passed.clear();
    ts_memo_.digit_count = 0;
    shape_passed_ = &ts_memo_.passed;
    // As DigitRuns/SubSpans: groups YYYY -MM -DD, a value only if the left
    // boundary allows (the run continues into the hour, so only the date).
    if (left_ok) {
      // The digits without separators: YYYY, then 1-2 month and 1-2 day
      // digits (kept in the memo for the next time).
      size_t& count = ts_memo_.digit_count;
      for (size_t t = i; t < date_end; ++t) {
        if (IsDigit(static_cast<char>(p_[t]))) ts_memo_.digits[count++] = static_cast<char>(p_[t]);
      }
      shape_passed_as_token_ = false;
      TryDigitPatterns(std::string_view(ts_memo_.digits, count), raw, 2, false,
                       [](const Pattern& p) { return p.Separates('-'); }, i, date_end);
    }
    // As Tokens: "YYYY-MM-DD" is one all-digit token.
    if (raw.size() >= impl_->tokens_min && raw.size() <= impl_->tokens_max) {
      shape_passed_as_token_ = true;
      TryTokenPatterns(raw, /*has_letter=*/false, i, date_end);
    }
    shape_passed_ = nullptr;
    return q;
  }

  // Does `word` end at offset `end` of the text (end >= word.size())?
  bool EndsAt(size_t end, std::string_view word) const {
    return internal::ShortBytesEqual(p_ + end - word.size(), word.data(), word.size());
  }

  // a == b for dates (8-10 bytes), without a memcmp call.
  static bool SameDate(std::string_view a, std::string_view b) {
    return a.size() == b.size() && internal::ShortBytesEqual(a.data(), b.data(), a.size());
  }

  // A segment of ASCII digits alone, ended by a character that stops
  // BuildSegment or by a full-width comma and then such a character
  // (手机号13812345678，有…): the commonest shape of a value in Chinese text.
  // Tries exactly what DigitRuns, CnDate and Tokens would for it, in the
  // same order. Returns the end of the segment, or 0 if the text is not of
  // that shape.
  size_t DigitsOnly(size_t i) {
    size_t q = internal::DigitRunEnd(p_, n_, i);
    const size_t len = q - i;
    if (len + 1 >= kSegmentChars) return 0;
    size_t segment_end = q;
    bool comma = false;  // the segment is the digits and ','
    if (q < n_) {
      if (p_[q] < 0x80) return 0;
      const NormChar c = p_[q] >= 0xE4 && p_[q] <= 0xE9 ? NormChar{} : NormAt(p_, n_, q, false);  // CJK: a stop
      if (c.kind == NormKind::kChar && c.c == ',' && c.len == 3) {
        // The comma is not a thousands separator (RightBoundaryOk) and no
        // extractor looks past it; what follows must end the segment.
        segment_end = q + c.len;
        if (segment_end < n_ && (p_[segment_end] < 0x80 || !internal::IsStopChar(p_, n_, segment_end))) {
          return 0;
        }
        comma = true;
      } else if (c.kind != NormKind::kStop) {
        return 0;
      }
      // Digits a mask kept ("831223七六*******"): RightBoundaryOk decides.
      if (len < kMaxKeptDigits && !comma && internal::IsChineseNumeral(p_, n_, q) && NumeralsThenMaskAt(q, len)) {
        return 0;
      }
    }
    const std::string_view digits(reinterpret_cast<const char*>(p_ + i), len);
    const bool left_ok = LeftBoundaryOkAt(i);  // the right boundary is the stop character or the comma
    // DigitRuns / SubSpans / TryDigitSpan with one group, no separators.
    if (left_ok && len >= impl_->digits_min) {
      TryDigitPatterns(digits, digits, 0, false, [](const Pattern&) { return true; }, i, q);
    }
    // DigitRuns tries a Chinese date only when the 4 digits end the segment.
    if (left_ok && len == 4 && !comma && !impl_->cn_dates.empty()) CnDateAt(digits, i, q);
    // Tokens: the digits are one all-digit token.
    if (len >= impl_->tokens_min && len <= impl_->tokens_max) {
      TryTokenPatterns(digits, /*has_letter=*/false, i, q);
    }
    return segment_end;
  }

  // The numeral and tail passes, in one sweep of the Han filter (what both
  // look for is a 3-byte character; the filter compares its last two bytes
  // at each position, a few SIMD table lookups per 32 bytes):
  // - runs of Chinese numerals (一三八 幺二三四 五六七八): a run that matters
  //   holds at least kMinNumerals of them, so it is entered at its first;
  //   plain ASCII numbers such as timestamps are never looked at;
  // - the characters in impl_->tails (which the ASCII pass skips): labels
  //   written without a colon (我叫张三, 寄到…), 一九八七年十二月二日,
  //   北纬45.8117 东经117.8378.
  // The tails' candidates are held apart and appended after the numeral
  // runs', so cands_ keeps the passes' order (ties in Resolve go to the
  // first found).
  void ScanHan() {
    const bool numerals = !impl_->digits.empty(), tails = !impl_->tails.empty();
    if (!numerals && !tails) {
      pass_end_[1] = cands_.size();
      return;
    }
    constexpr size_t kBlocks = 64;  // positions per call: 64 x 32
    uint32_t masks[kBlocks];
    size_t resume = 0;  // the end of the last numeral run
    for (size_t lo = 0; lo < n_; lo += 32 * kBlocks) {
      const size_t hi = std::min(n_, lo + 32 * kBlocks);
      impl_->han_filter.MayStartMasks(p_, n_, lo, hi, masks);
      for (size_t j = 0; lo + 32 * j < hi; ++j) {
        for (uint32_t m = masks[j]; m != 0; m &= m - 1) {
          const size_t q = lo + 32 * j + static_cast<size_t>(__builtin_ctz(m));
          if (internal::IsChineseNumeral(p_, n_, q)) {
            if (numerals && q >= resume) resume = NumeralRunAt(q);
            if (!impl_->numeral_tails) continue;
          }
          if (tails) {
            to_tail_cands_ = true;
            TailAt(q);
            to_tail_cands_ = false;
          }
        }
      }
    }
    pass_end_[1] = cands_.size();
    cands_.insert(cands_.end(), tail_cands_.begin(), tail_cands_.end());
  }

  // Processes the run of numerals, digits and single separators around the
  // numeral at q (BuildSegment + ProcessSegment if it is long enough).
  // Returns where the run ends.
  size_t NumeralRunAt(size_t q) {
    // Most numerals sit alone in a word (一下, 两个, 三到五个): with a Han
    // character on each side (lead byte E4-E9, which NormAt reads as a
    // numeral or as nothing) the run is this one character.
    auto HanNotNumeral = [&](size_t k) {
      return k + 3 <= n_ && p_[k] >= 0xE4 && p_[k] <= 0xE9 && (p_[k + 1] & 0xC0) == 0x80 &&
             (p_[k + 2] & 0xC0) == 0x80 && !internal::IsChineseNumeral(p_, n_, k);
    };
    if (q >= 3 && HanNotNumeral(q - 3) && HanNotNumeral(q + 3)) return q + 3;
    // Expand to the whole run of numerals, digits and separators (the same
    // characters both ways, so the run does not depend on where it was
    // entered), counting the numerals (separators are none, so the count
    // holds once leading separators are dropped).
    auto InRun = [](const NormChar& c) {
      return c.kind == NormKind::kChar && (IsDigit(c.c) || IsSpace(c.c) || c.c == '-');
    };
    size_t left = q;
    size_t numerals = 0;
    while (left > 0) {
      const size_t prev = internal::PrevCharStart(p_, left);
      const NormChar c = NormAt(p_, n_, prev, true);
      // The character must reach `left` ("3\xAA8": CharStart steps over a
      // stray continuation byte, which BuildSegment would stop at, so the
      // run would be cut at a different place in a window of the text).
      if (!InRun(c) || prev + c.len < left) break;
      numerals += c.numeral;
      left = prev;
    }
    size_t right = q;
    while (right < n_) {
      const NormChar c = NormAt(p_, n_, right, true);
      if (!InRun(c)) break;
      numerals += c.numeral;
      right += c.len;
    }
    // Most runs are one numeral in a word (一下, 两个): too short already.
    if (right - left < kMinNumeralRun || numerals < kMinNumerals) return right;
    // Skip leading separators.
    while (left < right) {
      NormChar c = NormAt(p_, n_, left, true);
      if (IsDigit(c.c)) break;
      left += c.len;
    }
    // Decided by the run alone (not by where it was entered), so a
    // streaming window sees the same runs.
    if (right - left < kMinNumeralRun || numerals < kMinNumerals) return right;
    // Up to two ASCII/full-width letters right before the run belong to it
    // (passport E八零四九二七三八, permit H…).
    size_t letters = 0;
    const size_t digits_left = left;
    while (left > 0 && letters < 2) {
      size_t prev = internal::PrevCharStart(p_, left);
      NormChar c = NormAt(p_, n_, prev, false);
      if (c.kind != NormKind::kChar || !IsAlpha(c.c) || prev + c.len < left) break;
      left = prev;
      ++letters;
    }
    if (letters > 0 && left > 0) {
      NormChar c = NormAt(p_, n_, internal::PrevCharStart(p_, left), false);
      // Letters that are the end of a longer word are not part of the run;
      // the run itself is still searched (dropping it would make what is
      // found far to the right depend on this word), and the boundary
      // rules keep its first group from starting a value.
      // (So are letters after a '*' or a label: what it hid may have been
      // letters, "C6********eW五七四…", a WeChat ID's mask.)
      if ((c.kind == NormKind::kChar && (IsAlnum(c.c) || c.c == '_' || c.c == '*')) || LabelEndsAt(left)) {
        left = digits_left;
      }
    }
    BuildSegment(left, true);
    if (seg_.full) {
      LongStretch();
    } else {
      ProcessSegment();
    }
    return right;
  }

  // A tail character (TailAt's caller only knows its last two bytes may match).
  void TailAt(size_t k) {
    if (k + 3 > n_) return;
    const uint32_t c = uint32_t{p_[k]} << 16 | uint32_t{p_[k + 1]} << 8 | p_[k + 2];
    const size_t index = impl_->tail_index.Find(c);
    if (index == SIZE_MAX) return;
    if (c == 0xE5B9B4) {  // 年
      if (!impl_->cn_dates.empty()) CnNumeralDate(k);
    } else if (c == 0xE7BAAC || c == 0xE7BB8F) {  // 纬 经
      if (!impl_->decimal_pairs.empty()) Hemisphere(k);
    }
    const auto& bare = impl_->bare_by_tail[index];
    if (!bare.empty()) BareAnchorAt(k + 3, bare);
  }

  // Normalises from `start` until a character that cannot be part of a
  // candidate. Returns the end offset.
  size_t BuildSegment(size_t start, bool numerals) {
    seg_.Clear();
    seg_.numerals = numerals;
    char* const s = seg_.chars.data();
    size_t* const sb = seg_.b.data();
    size_t* const se = seg_.e.data();
    uint32_t* const before = seg_.numerals_before.data();
    size_t m = 0;  // characters so far (at most Segment::kMax, see the caps below)
    size_t i = start;
    bool pending_zw = false;
    while (i < n_) {
      uint8_t b = p_[i];
      if (!numerals && b > 0x20 && b < 0x7F && m < Segment::kMax) {
        // Printable ASCII: the common case, kept out of NormAt and appended
        // a run at a time.
        pending_zw = false;
        size_t run = 1;
        const size_t room = Segment::kMax - m;
        while (run < room && i + run < n_ && p_[i + run] > 0x20 && p_[i + run] < 0x7F) ++run;
        std::memcpy(s + m, p_ + i, run);
        for (size_t t = 0; t < run; ++t) {
          sb[m + t] = i + t;
          se[m + t] = i + t + 1;
        }
        m += run;
        i += run;
        continue;
      }
      NormChar c = NormAt(p_, n_, i, numerals);
      if (c.kind == NormKind::kStop) break;
      if (c.kind == NormKind::kZeroWidth) {
        if (pending_zw || m == 0) break;
        pending_zw = true;
        i += c.len;
        continue;
      }
      bool check_x = numerals && (c.c == 'X' || c.c == 'x') && m > 0 && IsDigit(s[m - 1]);
      bool lead_letter = numerals && IsAlpha(c.c) && m < 2 && std::all_of(s, s + m, IsAlpha);
      if (numerals && !(IsDigit(c.c) || IsSpace(c.c) || c.c == '-' || check_x || lead_letter)) break;
      if (m >= Segment::kMax) {
        seg_.full = true;
        break;
      }
      pending_zw = false;
      s[m] = c.c;
      sb[m] = i;
      se[m] = i + c.len;
      if (numerals) before[m + 1] = before[m] + c.numeral;
      ++m;
      i += c.len;
      if (check_x) break;  // 一一零…零二X: the check character ends a spoken ID
    }
    seg_.s.clear();  // (clear + append: see Try)
    seg_.s.append(s, m);
    if (pending_zw) {
      // A trailing zero-width character is not part of the segment.
      return m == 0 ? start : se[m - 1];
    }
    return i;
  }

  // How many characters of segment range [b, e) were Chinese numerals (a
  // numerals segment only).
  size_t NumeralsIn(size_t b, size_t e) const { return seg_.numerals_before[e] - seg_.numerals_before[b]; }

  // ------------------------------------------------------------ extractors
  void ProcessSegment() {
    if (seg_.s.empty()) return;
    const std::string& s = seg_.s;
    if (!impl_->digits.empty()) DigitRuns();
    if (seg_.numerals) {
      if (IsAlpha(s[0]) && !impl_->tokens.empty()) Tokens();
      return;
    }
    if (!impl_->tokens.empty()) Tokens();
    bool has_at = false, has_dot = false, double_colon = false;
    int colons = 0;
    for (size_t k = 0; k < s.size(); ++k) {
      char c = s[k];
      has_at |= c == '@';
      has_dot |= c == '.';
      if (c == ':') {
        ++colons;
        double_colon |= k + 1 < s.size() && s[k + 1] == ':';
      }
    }
    if (has_at && !impl_->emails.empty()) Emails();
    // IPv6 needs "::" or 7 colons, MAC 5: "17:18:00" needs no look.
    if ((double_colon || colons >= 5) && !impl_->colon_hex.empty()) ColonHex();
    if (has_dot && !impl_->decimal_pairs.empty()) DecimalPairs();
    if (colons >= 1 && !impl_->anchored.empty()) Anchors();
    if (!impl_->plates.empty() && IsAlpha(s[0])) Plate();
  }

  // A digit, or a masked one ('*' stands for what it hid: redacting the
  // output again must not find what a mask cut off).
  static bool IsDigitOrMasked(char c) { return IsDigit(c) || c == '*'; }
  static bool IsAlnumOrMasked(char c) { return IsAlnum(c) || c == '*'; }

  // Is the character before segment index k a valid left boundary (§1.3)?
  bool LeftBoundaryOk(size_t k) const {
    const std::string& s = seg_.s;
    if (k == 0) {
      // Segments normally start after a non-token character; a piece of a
      // long stretch (or a numeral run) may not.
      return LeftBoundaryOkAt(seg_.b[0]);
    }
    char prev = s[k - 1];
    // A '*' before a run (one that starts with '+' or '('; a digit would
    // have joined the masked group): the masked value may have gone on into
    // it, as "1" did into "+1.9.1.5" in "::1+1.9.1.5", masked to "::*".
    if (prev == '_' || prev == '*') return false;
    if (LabelEndsAt(seg_.e[k - 1])) return false;
    if ((prev == '.' || prev == '@') && InEmailDomain(k)) return false;
    if ((prev == '.' || prev == ',') && k >= 2 && (IsDigitOrMasked(s[k - 2]) || LabelEndsAt(seg_.e[k - 2])) &&
        seg_.e[k - 1] - seg_.b[k - 1] == 1) {
      return false;
    }
    // A label then a '-', '(' or ')': the run may have begun in what the
    // label replaced ("::5:1:1902-44111102-…", its IPv6 address labelled).
    if ((prev == '-' || prev == '(' || prev == ')') && k >= 2 && LabelEndsAt(seg_.e[k - 2])) return false;
    // (So does a label then ')' and a '-' or a space, which DigitRuns reads
    // on through too: "<IPV6>)-4001800180" was "33::4)-4001800180".)
    if ((prev == '-' || prev == ' ') && seg_.b[k - 1] >= 1 && p_[seg_.b[k - 1] - 1] == ')' &&
        LabelEndsAt(seg_.b[k - 1] - 1)) {
      return false;
    }
    if (IsDigit(prev)) return false;
    if (IsAlpha(prev)) {
      size_t j = k;
      while (j > 0 && IsAlpha(s[j - 1])) --j;
      // (After a '*' the letters may be the end of a longer word; after a
      // label they were glued to its value: "<CN_USCC>MEID4200…" was
      // "…408927MEID4200…".)
      if ((j > 0 && (IsDigitOrMasked(s[j - 1]) || s[j - 1] == '_')) || LabelEndsAt(seg_.b[j])) return false;
      return IsGlue(std::string_view(s).substr(j, k - j));
    }
    return true;
  }

  // Does segment index k lie in an e-mail address's domain ("@aQQ.11891.ee")?
  // A number there is none: the address covered it on the first pass, and
  // its mask ("q***@aQQ.11891.ee") keeps the domain, keywords and all.
  // (Asked after '.' or '@' only: "x@qq.com-13812345678" keeps its phone
  // number. Out of line: rare.)
  [[gnu::noinline]] bool InEmailDomain(size_t k) const {
    // On the original bytes: a segment may start at the '@' or after it.
    const size_t o = seg_.b[k];
    size_t at = o;
    while (at > 0 && o - at < 190 && EmailDomain(static_cast<char>(p_[at - 1]))) --at;
    if (at == 0 || p_[at - 1] != '@') return false;
    size_t e = 0, tld = 0;
    if (!DomainAfter(at - 1, &e, &tld)) return false;
    return e - tld >= 2 && tld > o && p_[tld - 1] == '.';
  }

  // The domain after the '@' at `at`, if a local part (or its mask, or the
  // label that replaced it: "<QQ>@aQQ.11811.ot") stands before the '@':
  // *e is where its run of domain characters ends, trailing dots and
  // hyphens left out, and *tld where its last run of letters begins. A
  // domain ends in a dot and a top-level domain of letters ("x@190.3.1.13"
  // and "x@18447108562" hold numbers): the callers check that.
  bool DomainAfter(size_t at, size_t* e, size_t* tld) const {
    if (!(at > 0 && (EmailLocal(static_cast<char>(p_[at - 1])) || p_[at - 1] == '*')) && !LabelEndsAt(at)) return false;
    size_t end = at + 1;
    while (end < n_ && end - at < 190 && EmailDomain(static_cast<char>(p_[end]))) ++end;
    while (end > at + 1 && (p_[end - 1] == '.' || p_[end - 1] == '-')) --end;
    size_t letters = end;
    while (letters > at + 1 && IsAlpha(static_cast<char>(p_[letters - 1]))) --letters;
    *e = end;
    *tld = letters;
    return true;
  }

  // The same rule for a value starting at original offset o, judged on the
  // bytes before it.
  // (Small enough to inline: the rarer cases are out of line.)
  bool LeftBoundaryOkAt(size_t o) const {
    if (o == 0) return true;
    const uint8_t prev = p_[o - 1];
    if (prev >= 0x80) return true;
    if (IsAlnum(static_cast<char>(prev)) || prev == '_') return GlueOk(o);
    if (prev == '>' || prev == ']' || prev == '.' || prev == ',' || prev == '-' || prev == '(' || prev == ')' || prev == '*' ||
        any_byte_labels_ || (prev == ' ' && o >= 2 && p_[o - 2] == ')')) {
      return PunctuationOk(o);
    }
    return true;
  }
  // After a label or a '*' (a numeral run after a mask: the masked value may
  // have gone on into it), or a '.', ',' or '-' with a digit, '*' or label
  // before.
  [[gnu::noinline]] bool PunctuationOk(size_t o) const {
    const uint8_t prev = p_[o - 1];
    if (prev == '*') return false;
    if (LabelEndsAt(o)) return false;
    if ((prev == '.' || prev == ',') && o >= 2 && (IsDigitOrMasked(static_cast<char>(p_[o - 2])) || LabelEndsAt(o - 1))) {
      return false;
    }
    // (As above; and a '*' there: "99.180.103.*-幺五六…" was one run with
    // the address's last octet.)
    if ((prev == '-' || prev == ' ') && o >= 2 && p_[o - 2] == ')' && LabelEndsAt(o - 2)) return false;  // (as above)
    return !((prev == '-' || prev == '(' || prev == ')') && (LabelEndsAt(o - 1) || (o >= 2 && p_[o - 2] == '*')));
  }

  // Glue rule on original bytes (numeral segments): letters right before o.
  // Out of line: rare, and it would keep LeftBoundaryOkAt from inlining.
  [[gnu::noinline]] bool GlueOk(size_t o) const {
    if (any_byte_labels_ && LabelEndsAt(o)) return false;  // a token's or a policy's label ending in a letter
    size_t j = o;
    while (j > 0 && IsAlpha(static_cast<char>(p_[j - 1])) && o - j < 12) --j;
    if (j > 0 && p_[j - 1] < 0x80 && (IsDigitOrMasked(static_cast<char>(p_[j - 1])) || p_[j - 1] == '_')) return false;
    if (j < o && LabelEndsAt(j)) return false;  // (as in LeftBoundaryOk)
    return IsGlue(std::string_view(reinterpret_cast<const char*>(p_ + j), o - j));
  }

  bool IsGlue(std::string_view letters) const {
    if (letters.empty() || letters.size() > 12) return false;
    // Glue words are lower case (a-z); the letters match one whatever their
    // case. (Only the words of their length are compared, inline: a waybill
    // number "SF1234…" asks this.)
    for (const std::string& g : impl_->glue_by_length[letters.size()]) {
      bool same = true;
      for (size_t i = 0; i < g.size() && same; ++i) same = (letters[i] | 0x20) == g[i];
      if (same) return true;
    }
    return false;
  }

  // Right boundary after segment index k (one past the value).
  bool RightBoundaryOk(size_t k) const {
    const std::string& s = seg_.s;
    if (k >= s.size()) {
      // The segment ended (numeral runs stop at '.', cut segments anywhere):
      // apply the same rules to the original bytes that follow.
      size_t o = seg_.e[s.size() - 1];
      if (o >= n_) return true;
      NormChar next = NormAt(p_, n_, o, false);
      // One zero-width character joins what is on either side (as inside a
      // segment): judge what follows it. ("六八五五五两九\u200b110.54…" is one
      // run; with the address labelled, "…九\u200b<IPV4>" must not end one.)
      if (next.kind == NormKind::kZeroWidth && o + next.len < n_) {
        o += next.len;
        next = NormAt(p_, n_, o, false);
      }
      if (next.kind != NormKind::kChar) {
        if (seg_.numerals || !internal::IsChineseNumeral(p_, n_, o)) return true;
        size_t digits = 0;
        for (const Group& g : groups_) digits += g.e - g.b;
        return !NumeralsThenMaskAt(o, digits);
      }
      // (A '*' too: a numeral run stops at one, but the value it masked may
      // have gone on into the run: "七零幺六两二三68*******61".)
      if (IsAlnum(next.c) || next.c == '_' || next.c == '*' || LabelStartsAt(o)) return false;
      if ((next.c == '.' || next.c == ',') && next.len == 1 && o + 1 < n_) {
        NormChar after = NormAt(p_, n_, o + 1, false);
        if (after.kind == NormKind::kChar && (IsDigitOrMasked(after.c) || LabelStartsAt(o + 1))) return false;
      }
      return true;
    }
    char c = s[k];
    if (IsAlnum(c) || c == '_' || LabelStartsAt(seg_.b[k])) return false;
    // "13800138000.00", "1,380,013,800"; a full-width '，' is a list
    // delimiter, never a thousands separator.
    if ((c == '.' || c == ',') && k + 1 < s.size() && (IsDigitOrMasked(s[k + 1]) || LabelStartsAt(seg_.b[k + 1])) &&
        seg_.e[k] - seg_.b[k] == 1) {
      return false;
    }
    // A '-', '(' or ')' then a label: the run may have gone on through it
    // into what the label replaced ("…4411110-1902::5", "102（86…").
    if ((c == '-' || c == '(' || c == ')') && k + 1 < s.size() && LabelStartsAt(seg_.b[k + 1])) return false;
    // A separator that ends a numeral segment before a '*' (where numeral
    // runs stop): the run went on into what was masked ("九三〇六二2024-**-**").
    // (Or a '-' before a label: "零一〇六幺九八七两六九-<IPV4>" was "…九-8.16.84.41".)
    // (One zero-width character between joins, as anywhere in a run:
    // "…幺六二-\u200b<CN_MOBILE>" was "…幺六二-\u200b13812345678".)
    if (!(seg_.numerals && k + 1 == s.size())) return true;
    const size_t after = AfterOneZeroWidth(seg_.e[k]);
    return !(MaskedCharAt(after) || (c == '-' && LabelStartsAt(after)));
  }

  // o, or past the zero-width character at o.
  size_t AfterOneZeroWidth(size_t o) const {
    if (o >= n_ || p_[o] < 0x80) return o;
    const NormChar z = NormAt(p_, n_, o, false);
    return z.kind == NormKind::kZeroWidth ? o + z.len : o;
  }

  // Do Chinese numerals start at original offset o and run straight into a
  // masked '*', with at most kMaxKeptDigits digits from a run's `digits`
  // before o up to it? Then the run went on, through them, into the masked
  // value: "83１２２３七六*******" is an IMEI's mask, which kept its first
  // eight digits, and "83１２２３" was no value of its own.
  // (Out of line: asked where an ASCII segment ends before a character that
  // is not ASCII.)
  [[gnu::noinline]] bool NumeralsThenMaskAt(size_t o, size_t digits) const {
    size_t numerals = 0;
    while (o < n_ && digits + numerals < kMaxKeptDigits) {
      const NormChar c = NormAt(p_, n_, o, true);
      if (c.kind != NormKind::kChar || !IsDigit(c.c)) break;
      o += c.len;
      ++numerals;
    }
    return numerals > 0 && digits + numerals <= kMaxKeptDigits && MaskedCharAt(o);
  }

  // Is the character at original offset o a masked '*' (or '＊')?
  bool MaskedCharAt(size_t o) const {
    return o < n_ && (p_[o] == '*' || (p_[o] == 0xEF && o + 2 < n_ && p_[o + 1] == 0xBC && p_[o + 2] == 0x8A));
  }
  // Does a masked '*' (or '＊') end right before original offset o?
  bool MaskedCharBefore(size_t o) const {
    return (o >= 1 && p_[o - 1] == '*') || (o >= 3 && p_[o - 3] == 0xEF && p_[o - 2] == 0xBC && p_[o - 1] == 0x8A);
  }

  void DigitRuns() {
    const std::string& s = seg_.s;
    const size_t m = s.size();
    size_t k = 0;
    while (k < m) {
      char c = s[k];
      bool starts = IsDigit(c) || c == '*' ||
                    ((c == '+' || c == '(') && k + 1 < m && IsDigit(s[k + 1])) ||
                    (c == '+' && k + 2 < m && s[k + 1] == '(' && IsDigit(s[k + 2])) ||
                    (c == '(' && k + 2 < m && s[k + 1] == '+' && IsDigit(s[k + 2]));
      if (!starts) {
        ++k;
        continue;
      }
      size_t start = k;
      bool plus = false;
      size_t j = k;
      if (s[j] == '(' && s[j + 1] == '+') ++j;  // "(+86)"
      if (s[j] == '+') {
        plus = true;
        ++j;
      }
      if (s[j] == '(') ++j;
      groups_.clear();
      bool masked = false;  // a group holds a '*'
      char sep = 0;
      while (true) {
        size_t gb = j;
        bool star = false, digit = false;
        for (; j < m && (IsDigit(s[j]) || s[j] == '*'); ++j) {
          star |= s[j] == '*';
          digit |= s[j] != '*';
        }
        if (j == gb) break;
        groups_.push_back({gb, j, sep, star, digit});
        masked |= star;
        if (j >= m) break;
        // One separator (or ')' plus one) followed by a digit continues the run.
        size_t t = j;
        char sc = s[t];
        if (!(sc == ' ' || sc == '-' || sc == '.' || sc == '\n' || sc == '/' || sc == '(' || sc == ')')) break;
        ++t;
        if (sc == ')' && t < m && (s[t] == ' ' || s[t] == '-')) ++t;
        if (t < m && (IsDigit(s[t]) || s[t] == '*')) {
          sep = sc;
          j = t;
        } else {
          break;
        }
      }
      if (groups_.empty()) {
        k = j + 1;
        continue;
      }
      size_t run_end = groups_.back().e;
      bool x_end = false;
      if (run_end < m && (s[run_end] == 'X' || s[run_end] == 'x') &&
          (run_end + 1 >= m || !IsAlnum(s[run_end + 1]))) {
        x_end = true;
        ++run_end;
      }
      bool left_ok = LeftBoundaryOk(start);
      // "IMEI1 86343348…": a 1-2 digit group glued to a keyword is part of
      // the label, not of the number that follows.
      if (left_ok && start > 0 && IsAlpha(s[start - 1]) && groups_.size() > 1 &&
          groups_[0].e - groups_[0].b <= 2) {
        left_ok = false;
      }
      bool right_ok = RightBoundaryOk(run_end);
      // "2024-02-15 17:18": a 1-2 digit group before ':' + digit is an hour,
      // not the end of an identifier (cuts most timestamp sub-runs early).
      // (Masked, "*:**", it still is: "44-2:30" masked to "44-*:**" must not
      // end "192-180-021-44" with an extension.)
      // (So is one before ':' and a label: "… 0:tok_mob_…" had digits there.)
      if (!x_end && run_end + 1 < m && s[run_end] == ':' &&
          (IsDigitOrMasked(s[run_end + 1]) || LabelStartsAt(seg_.b[run_end + 1])) &&
          groups_.back().e - groups_.back().b <= 2) {
        right_ok = false;
      }
      // A numeral run stops at a '*' (BuildSegment): one right after it or
      // right before it is a masked group of the run all the same, for
      // KeptByMask ("八一九两幺〇幺　2***-**-**": an IMEI's mask kept eight).
      int mask_beside = 0;
      if (seg_.numerals) {
        if (run_end == m && MaskedCharAt(seg_.e[m - 1])) mask_beside |= kMaskAfter;
        if (start == 0 && MaskedCharBefore(seg_.b[0])) mask_beside |= kMaskBefore;
      }
      SubSpans(start, plus, left_ok, right_ok, x_end, masked, mask_beside);
      // Chinese date: 1990年3月7日 right after a 4-digit run.
      if (!seg_.numerals && !impl_->cn_dates.empty() && groups_.size() == 1 && run_end == m && !x_end &&
          groups_[0].e - groups_[0].b == 4 && left_ok) {
        CnDate(groups_[0].b);
      }
      // Skip the rest of an alphanumeric token the run is glued into. After a
      // masked run only its letters: a digit after them starts a run of its
      // own (glued: no value at its start), as it did when the '*' was a
      // letter ("苏q***q1-882221" reads as "苏qqqqq1-882221" did: one run
      // "1-882221", not "882221" alone after the '-').
      k = run_end;
      while (k < m && (IsAlpha(s[k]) || s[k] == '_' || (!masked && IsDigit(s[k])))) ++k;
      // A vault token's or a policy's label is no word to be glued into: the
      // skip stops where one ends ("…o35t_a0-882222": the token's "35" must
      // not carry the skip over "_a0", where the first pass, with a value in
      // the token's place, started a run glued to 'a'). Angle and bracket
      // labels end in '>' or ']', which stop the skip anyway.
      if (any_byte_labels_) {
        for (size_t t = run_end; t < k; ++t) {
          if (LabelEndsAt(seg_.b[t])) {
            k = t;
            break;
          }
        }
      }
      if (k == start) ++k;
    }
  }

  // Where a digit run may be split into separate values: at spaces, line
  // breaks and '/'. A '-' joins (230313-823820734209444 is one order number)
  // except before a trailing extension of 1-5 digits (0755-86123456-801).
  static bool BoundarySep(char sep) { return sep == ' ' || sep == '\n' || sep == '/'; }
  bool ExtensionAfter(size_t b, bool right_ok, bool x_end) const {
    size_t g = groups_.size();
    return b + 2 == g && groups_[b + 1].sep == '-' && right_ok && groups_[b + 1].e - groups_[b + 1].b <= 5 &&
           !RunGoesOnIntoLabel(groups_.back().e + (x_end ? 1 : 0));
  }
  // Does a separator and a label follow the run ending at segment index
  // run_end? Then the run went on into what the label replaced, and its last
  // group is no trailing extension ("…15026-03-14 <CN_MOBILE_3>" was
  // "…-14 13812340486").
  bool RunGoesOnIntoLabel(size_t run_end) const {
    const std::string& s = seg_.s;
    return run_end + 1 < s.size() &&
           (s[run_end] == ' ' || s[run_end] == '-' || s[run_end] == '.' || s[run_end] == '/' || s[run_end] == '(' ||
            s[run_end] == ')') &&
           LabelStartsAt(seg_.b[run_end + 1]);
  }

  // The most digits a mask keeps at one end of a value (an IMEI's first
  // eight; see redact/mask.cc).
  static constexpr size_t kMaxKeptDigits = 8;

  // Is the digit-only sub-span of groups [a, b] what a mask kept of a value:
  // with a masked group ('*') after it and at most kMaxKeptDigits digits from
  // its start up to that group ("86 343348 **** ***", an IMEI's first eight),
  // or before it and as few from that group to its end? Such a sub-span is
  // no value of its own: a second pass would find the value a first pass
  // lost to an overlapping candidate and left readable in its mask.
  // `mask_beside` (kMaskBefore, kMaskAfter): a '*' right before the run's
  // first group or after its last counts as a masked group there.
  static constexpr int kMaskBefore = 1, kMaskAfter = 2;
  bool KeptByMask(size_t a, size_t b, int mask_beside) const {
    size_t digits = 0;
    for (size_t t = a; t < groups_.size(); ++t) {
      if (groups_[t].star) return true;
      digits += groups_[t].e - groups_[t].b;
      if (digits > kMaxKeptDigits) break;
    }
    if ((mask_beside & kMaskAfter) && digits <= kMaxKeptDigits) return true;
    digits = 0;
    for (size_t t = b + 1; t-- > 0;) {
      if (groups_[t].star) return true;
      digits += groups_[t].e - groups_[t].b;
      if (digits > kMaxKeptDigits) break;
    }
    return (mask_beside & kMaskBefore) && digits <= kMaxKeptDigits;
  }

  // `masked`: a group of the run holds a '*'.
  void SubSpans(size_t start, bool plus, bool left_ok, bool right_ok, bool x_end, bool masked, int mask_beside) {
    const size_t g = groups_.size();
    for (size_t a = 0; a < g; ++a) {
      if (a == 0 ? !left_ok : !BoundarySep(groups_[a].sep)) continue;
      size_t len = (a == 0 && plus) ? 1 : 0;
      bool star = false, digit = false;
      for (size_t b = a; b < g; ++b) {
        star |= groups_[b].star;
        digit |= groups_[b].digit;
        len += groups_[b].e - groups_[b].b;
        bool last = b + 1 == g;
        if (len > impl_->digits_max + 1) break;
        if (last ? !right_ok : !(BoundarySep(groups_[b + 1].sep) || ExtensionAfter(b, right_ok, x_end))) continue;
        if (!digit) continue;
        size_t vlen = len + (last && x_end ? 1 : 0);
        if (vlen < impl_->digits_min) continue;
        if ((masked || mask_beside != 0) && !star && KeptByMask(a, b, mask_beside)) continue;
        TryDigitSpan(start, a, b, plus && a == 0, last && x_end, star);
      }
    }
  }

  void TryDigitSpan(size_t start, size_t a, size_t b, bool plus, bool x, bool star) {
    const std::string& s = seg_.s;
    // The value: '+', the groups' digits without separators, 'X'.
    size_t size = (plus ? 1 : 0) + (x ? 1 : 0);
    for (size_t t = a; t <= b; ++t) size += groups_[t].e - groups_[t].b;
    value_.resize(size);
    char* out = value_.data();
    if (plus) *out++ = '+';
    for (size_t t = a; t <= b; ++t) {
      std::memcpy(out, s.data() + groups_[t].b, groups_[t].e - groups_[t].b);
      out += groups_[t].e - groups_[t].b;
    }
    if (x) *out = 'X';
    size_t raw_b = groups_[a].b;
    size_t raw_e = groups_[b].e + (x ? 1 : 0);
    std::string_view raw(s.data() + raw_b, raw_e - raw_b);
    size_t seg_begin = a == 0 ? start : groups_[a].b;
    size_t begin = seg_.b[seg_begin];
    size_t end = seg_.e[raw_e - 1];
    size_t seps = b - a;
    // A value from a numeral run must itself be long enough (see kMinNumeralRun).
    if (seg_.numerals && (end - begin < kMinNumeralRun || NumeralsIn(raw_b, raw_e) < kMinNumerals)) return;
    TryDigitPatterns(value_, raw, seps, star, [&](const Pattern& p) {
      for (size_t t = a + 1; t <= b; ++t) {
        if (!p.Separates(groups_[t].sep)) return false;
      }
      return true;
    }, begin, end);
  }

  // Tries every digits pattern that takes `value` (or `raw`, the text with
  // its separators, for patterns with value = "raw") at its length, with
  // `seps` separators the pattern allows (`seps_ok`), as a candidate at
  // original bytes [begin, end). `star`: the value holds '*' (MASKED only).
  template <typename SepsOk>
  void TryDigitPatterns(std::string_view value, std::string_view raw, size_t seps, bool star, SepsOk seps_ok,
                        size_t begin, size_t end) {
    const auto& by_len = impl_->digits_by_length;
    const auto& raw_by_len = impl_->digits_raw_by_length;
    const std::vector<const Pattern*>& plain = value.size() < by_len.size() ? by_len[value.size()] : by_len[0];
    const std::vector<const Pattern*>& raws = raw.size() < raw_by_len.size() ? raw_by_len[raw.size()] : raw_by_len[0];
    for (const std::vector<const Pattern*>* list : {&plain, &raws}) {
      for (const Pattern* p : *list) {
        if ((p->type == EntityType::kMasked) != star) continue;
        std::string_view v = p->value_raw ? raw : value;
        if (v.size() < p->min_length || v.size() > p->max_length || seps > p->max_separators) continue;
        if (!seps_ok(*p)) continue;
        Try(*p, v, begin, end);
      }
    }
  }

  void CnDate(size_t year_at) {
    // The 4 digits end the segment; read 年 M 月 [D 日|号] from the original.
    CnDateAt(std::string_view(seg_.s).substr(year_at, 4), seg_.b[year_at], seg_.e[year_at + 3]);
  }

  // `year` (4 ASCII digits) spans original bytes [begin, year_end).
  void CnDateAt(std::string_view year, size_t begin, size_t year_end) {
    size_t o = year_end;
    auto Is = [&](size_t at, const char* u8) {
      return at + 3 <= n_ && std::memcmp(p_ + at, u8, 3) == 0;
    };
    if (!Is(o, "\xE5\xB9\xB4")) return;  // 年
    o += 3;
    auto ReadNum = [&](size_t* at, std::string* out) {
      size_t count = 0;
      while (*at < n_ && count < 2) {
        NormChar c = NormAt(p_, n_, *at, true);
        if (c.kind != NormKind::kChar || !IsDigit(c.c)) break;
        out->push_back(c.c);
        *at += c.len;
        ++count;
      }
      return count > 0;
    };
    std::string v(year);
    v.push_back('-');
    if (!ReadNum(&o, &v) || !Is(o, "\xE6\x9C\x88")) return;  // 月
    o += 3;
    size_t end = o;
    size_t save = o;
    std::string day;
    if (ReadNum(&o, &day) && (Is(o, "\xE6\x97\xA5") || Is(o, "\xE5\x8F\xB7"))) {  // 日 号
      v.push_back('-');
      v += day;
      end = o + 3;
    } else {
      o = save;
    }
    for (const Pattern* p : impl_->cn_dates) {
      if (v.size() < p->min_length || v.size() > p->max_length) continue;
      Try(*p, v, begin, end);
    }
  }

  void Tokens() {
    const std::string& s = seg_.s;
    const size_t m = s.size();
    size_t k = 0;
    while (k < m) {
      if (!(IsAlnum(s[k]) || s[k] == '_' || s[k] == '-')) {
        ++k;
        continue;
      }
      size_t b = k;
      bool letter = false;
      while (k < m && (IsAlnum(s[k]) || s[k] == '_' || s[k] == '-')) {
        letter |= IsAlpha(s[k]);
        ++k;
      }
      // What is left of a value masked with '*' (W---------3****at: the
      // redactor's own output scanned again) is no new value.
      if ((b > 0 && (s[b - 1] == '*' || LabelEndsAt(seg_.b[b]))) || (k < m && (s[k] == '*' || LabelStartsAt(seg_.b[k])))) {
        continue;
      }
      // (A numeral segment stops at a '*' or a label: look past its end.)
      if (k == m && seg_.numerals && (MaskedCharAt(seg_.e[m - 1]) || LabelStartsAt(seg_.e[m - 1]))) continue;
      size_t e = k;
      while (b < e && (s[b] == '-' || s[b] == '_')) ++b;
      while (e > b && (s[e - 1] == '-' || s[e - 1] == '_')) --e;
      if (e > b && !seg_.numerals) JoinAcrossLineBreak(b, e, k);
      if (seg_.numerals && (e <= b || seg_.e[e - 1] - seg_.b[b] < kMinNumeralRun || NumeralsIn(b, e) < kMinNumerals)) {
        continue;
      }
      if (e - b < impl_->tokens_min || e - b > impl_->tokens_max) continue;
      // Parts of e-mail addresses, domains and file names are not tokens (a
      // masked '*' or a label beside the dot stands for what it hid:
      // "2::*:*:*.note", "<IPV6>.note").
      if (b > 0 && (s[b - 1] == '@' || (s[b - 1] == '.' && b >= 2 &&
                                        (IsAlnumOrMasked(s[b - 2]) || LabelEndsAt(seg_.e[b - 2]))))) {
        continue;
      }
      if (e < m && (s[e] == '@' ||
                    (s[e] == '.' && e + 1 < m && (IsAlnumOrMasked(s[e + 1]) || LabelStartsAt(seg_.b[e + 1]))))) {
        continue;
      }
      std::string_view v(s.data() + b, e - b);
      TryTokenPatterns(v, letter, seg_.b[b], seg_.e[e - 1]);
    }
  }

  // Tries every token pattern that takes a token of v's length (all-digit
  // tokens only where the pattern allows them) at original bytes [begin, end).
  void TryTokenPatterns(std::string_view v, bool has_letter, size_t begin, size_t end) {
    if (v.size() >= impl_->tokens_by_length.size()) return;
    for (const Pattern* p : impl_->tokens_by_length[v.size()]) {
      if (!has_letter && !p->allow_all_digits) continue;
      Try(*p, v, begin, end);
    }
  }

  // "91110108M\nA0LC3NG7K": a code broken by one line break in a chat
  // export, tried for token patterns whose separators allow '\n'.
  void JoinAcrossLineBreak(size_t b, size_t e, size_t k) {
    const std::string& s = seg_.s;
    const size_t m = s.size();
    if (e != k || k + 1 >= m || s[k] != '\n' || !IsAlnum(s[k + 1])) return;
    if (b > 0 && (s[b - 1] == '@' || s[b - 1] == '.')) return;
    size_t k2 = k + 1;
    while (k2 < m && IsAlnum(s[k2])) ++k2;
    if (k2 < m && (s[k2] == '_' || s[k2] == '-' || s[k2] == '@' || s[k2] == '.')) return;
    joined_.assign(s, b, e - b);
    joined_.append(s, k + 1, k2 - (k + 1));
    for (const Pattern* p : impl_->tokens) {
      if (!p->Separates('\n')) continue;
      if (joined_.size() < p->min_length || joined_.size() > p->max_length) continue;
      Try(*p, joined_, seg_.b[b], seg_.e[k2 - 1]);
    }
  }

  static bool EmailLocal(char c) {
    return IsAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
  }
  static bool EmailDomain(char c) { return IsAlnum(c) || c == '.' || c == '-'; }

  void Emails() {
    const std::string& s = seg_.s;
    for (size_t at = 0; at < s.size(); ++at) {
      if (s[at] != '@') continue;
      size_t b = at;
      while (b > 0 && EmailLocal(s[b - 1]) && at - b < kMaxEmailLocal) --b;
      // A longer local part is not an address (RFC 5321); cutting it would
      // make the finding depend on how far back the text goes.
      if (b > 0 && EmailLocal(s[b - 1])) continue;
      // Nor is one glued to a masked character or a label: it was longer.
      if (b > 0 && (s[b - 1] == '*' || LabelEndsAt(seg_.b[b]))) continue;
      size_t e = at + 1;
      while (e < s.size() && EmailDomain(s[e]) && e - at < 190) ++e;
      // Nor is one whose domain runs into a masked character or a label: the
      // domain went on ("a@qq.com-902…" is none; masked, "a@qq.com-***…" or
      // labelled, "a@qq.com-<IMEI>", it must not be one either).
      if (e < s.size() && (s[e] == '*' || LabelStartsAt(seg_.b[e]))) continue;
      while (e > at + 1 && (s[e - 1] == '.' || s[e - 1] == '-')) --e;
      while (b < at && s[b] == '.') ++b;
      if (b == at || e == at + 1) continue;
      // "a@b@c": a part shared with a neighbouring address makes the
      // candidates chain, and which of them wins would depend on text
      // arbitrarily far away; such runs are not addresses. (A lone '@' after
      // an address, as in "x@qq.com@ 客服", is not a chain.)
      // (A masked character, '*', stands for what it hid.)
      if ((b >= 2 && s[b - 1] == '@' && (EmailLocal(s[b - 2]) || s[b - 2] == '*' || LabelEndsAt(seg_.b[b - 1]))) ||
          (e + 1 < s.size() && s[e] == '@' &&
           (EmailDomain(s[e + 1]) || s[e + 1] == '*' || LabelStartsAt(seg_.b[e + 1])))) {
        continue;
      }
      std::string_view v(s.data() + b, e - b);
      for (const Pattern* p : impl_->emails) {
        if (v.size() < p->min_length || v.size() > p->max_length) continue;
        Try(*p, v, seg_.b[b], seg_.e[e - 1]);
      }
    }
  }

  void ColonHex() {
    const std::string& s = seg_.s;
    const size_t m = s.size();
    size_t k = 0;
    while (k < m) {
      if (!(IsHex(s[k]) || s[k] == ':')) {
        ++k;
        continue;
      }
      // Glued to a word, or to a masked character ('*': what was masked may
      // have been more of this run, and masking must not make new values).
      // (Right after a mask the whole run goes, colons, dots and other masks
      // too, as before one below: the mask may have hidden a word, after
      // which the run would start at its colon, or the run's first group --
      // "幢室4::5:1:1:0:5:1:1" masked to "****4::5:1:1:0:5:1:1", "300:5::1:…"
      // to "***:5::1:…". "::" right after a mask too: the first pass may
      // have skipped a run through the word the mask hid, glued to a '*'
      // further back: "a.*4:aav::4:0:5C0" to "a****::4:0:5C0".)
      // (A label there, or before the dots there, counts as a mask: what it
      // replaced may have been more of the run, "[IMEI1]::4:0:5:1:" the
      // label of a run's first group, "[IP地址1].C:0::8" of its IPv4 part.
      // So does a mask before the dots: "新村盟****.::21.94.110..7:11::9241"
      // was "新村盟*:21.94.11110..LRgLL.::…", one run glued to a '*'.)
      size_t dots = k;
      while (dots > 0 && s[dots - 1] == '.') --dots;
      bool masked =
          k > 0 && (s[k - 1] == '*' || (dots > 0 && (s[dots - 1] == '*' || LabelEndsAt(seg_.e[dots - 1]))));
      // (So does one before a word and dots before the colon: the word went
      // with the run the mask or label cut, "*:2.4.4.10.L:1:：a" labelled
      // "*:[IP地址1].L:1:：a". Finding less there is safe: what the first
      // pass found is redacted already.)
      if (!masked && k > 0 && s[k] == ':' && IsAlnum(s[k - 1])) [[unlikely]] masked = WordAfterMaskOrLabel(k);
      if (k > 0 && (IsAlnum(s[k - 1]) || s[k - 1] == '_' || masked) && (s[k] != ':' || masked)) {
        while (k < m && (IsAlnum(s[k]) || (masked && (s[k] == ':' || s[k] == '.' || s[k] == '*')))) ++k;
        continue;
      }
      size_t b = k;
      int colons = 0;
      bool dbl = false;
      // A masked '*' is part of the run, as the hex digit or dot it hid was
      // ("::21.94.11.*.C:0::8", the mask of "::21.94.11.5.C:0::8"): a run
      // holding one yields nothing, so what follows the mask is not read
      // as a run of its own.
      bool star = false;
      while (k < m && (IsHex(s[k]) || s[k] == ':' || s[k] == '.' || s[k] == '*')) {
        if (s[k] == ':') {
          ++colons;
          if (k > b && s[k - 1] == ':') dbl = true;
        }
        star |= s[k] == '*';
        ++k;
      }
      // So is a label right after the run ("aa1::4:<EMAIL>"): what it
      // replaced may have begun with more of the run ("a.a@…").
      if (star || (k < m && LabelStartsAt(seg_.b[k]))) {
        // And, as after a mask above, so is the rest of a word the run ends
        // in, with its colons and dots: in "note:****Address:220::4" the run
        // ":****Add" took the word's hex letters, and "ress:220::4" must not
        // start a run of its own (the first pass had "…QQ**1aa.note" before
        // "Address", and skipped it all).
        if (star) {
          while (k < m && (IsAlnum(s[k]) || s[k] == ':' || s[k] == '.' || s[k] == '*')) ++k;
        }
        continue;
      }
      size_t e = k;
      // A leading group longer than 4 hex digits cannot start an address
      // ("…bbbb3:2001:db8::2"): start at the colon, as when the run is glued
      // to a word -- the decision must not depend on how far back it goes.
      size_t first_colon = b;
      while (first_colon < e && s[first_colon] != ':') ++first_colon;
      // Likewise after a dot ("9....111::2"): judged on the group and the
      // character before it only, wherever the run began.
      size_t group = first_colon;
      while (group > b && IsHex(s[group - 1])) --group;
      if (first_colon < e && (first_colon - group > 4 || (group > 0 && s[group - 1] == '.'))) b = first_colon;
      // Nor can a longer group further on be in one ("r:bbbb3::1",
      // "1:bbbb3::1"): start at the colon after the last, so that a masked
      // '*' in place of what came before changes nothing.
      size_t after_long = b;
      for (size_t j = b, hex = 0; j < e; ++j) {
        if (s[j] == ':' && hex > 4) after_long = j;
        hex = IsHex(s[j]) ? hex + 1 : 0;
      }
      if (after_long > b) {
        colons -= static_cast<int>(std::count(s.begin() + b, s.begin() + after_long, ':'));
        b = after_long;
      }
      if (s[b] == ':' && (b + 1 >= m || s[b + 1] != ':')) {  // "IPv6:2001:db8::1"
        ++b;
        --colons;
      }
      while (e > b && s[e - 1] == '.') --e;
      if (e > b + 1 && s[e - 1] == ':' && s[e - 2] != ':') --e;
      if (e < m && (IsAlnum(s[e]) || s[e] == '_' || LabelStartsAt(seg_.b[e]))) continue;
      if (e <= b || colons < 2 || !(dbl || colons >= 5)) continue;
      std::string_view v(s.data() + b, e - b);
      for (const Pattern* p : impl_->colon_hex) {
        if (v.size() < p->min_length || v.size() > p->max_length) continue;
        Try(*p, v, seg_.b[b], seg_.e[e - 1]);
      }
    }
  }

  // Does the word that ends at segment index k (letters and digits) follow
  // a mask or a redaction label, with nothing or dots between? Out of line:
  // rare.
  [[gnu::noinline]] bool WordAfterMaskOrLabel(size_t k) const {
    const std::string& s = seg_.s;
    size_t j = k;
    while (j > 0 && IsAlnum(s[j - 1])) --j;
    while (j > 0 && s[j - 1] == '.') --j;
    // (On the original bytes: the segment may begin right after the label.)
    const size_t o = seg_.b[j];
    return j < k && o > 0 && (p_[o - 1] == '*' || LabelEndsAt(o));
  }

  // "39.9042, 116.4074" (either order), optional minus signs.
  void DecimalPairs() {
    const std::string& s = seg_.s;
    const size_t m = s.size();
    auto Decimal = [&](size_t k, size_t* end) {
      size_t j = k;
      if (j < m && s[j] == '-') ++j;
      size_t d = j;
      while (j < m && IsDigit(s[j]) && j - d < 4) ++j;
      if (j == d || j - d > 3 || j >= m || s[j] != '.') return false;
      ++j;
      size_t f = j;
      while (j < m && IsDigit(s[j])) ++j;
      if (j - f < 2 || j - f > 12) return false;
      *end = j;
      return true;
    };
    for (size_t k = 0; k < m; ++k) {
      if (!(IsDigit(s[k]) || s[k] == '-')) continue;
      if (k > 0 && (IsAlnumOrMasked(s[k - 1]) || s[k - 1] == '.' || s[k - 1] == '-' || LabelEndsAt(seg_.e[k - 1]))) {
        continue;
      }
      size_t e1;
      if (!Decimal(k, &e1)) continue;
      size_t j = e1;
      while (j < m && s[j] == ' ') ++j;
      if (j >= m || s[j] != ',') continue;
      ++j;
      while (j < m && s[j] == ' ') ++j;
      size_t e2;
      if (!Decimal(j, &e2)) continue;
      if (e2 < m && (IsAlnumOrMasked(s[e2]) || s[e2] == '.' || LabelStartsAt(seg_.b[e2]))) continue;
      value_.assign(s, k, e1 - k);
      value_.push_back(',');
      value_.append(s, j, e2 - j);
      for (const Pattern* p : impl_->decimal_pairs) {
        if (value_.size() < p->min_length || value_.size() > p->max_length) continue;
        Try(*p, value_, seg_.b[k], seg_.e[e2 - 1]);
      }
      k = e2;
    }
  }

  // 京A·12345 / 粤B 3X7K9 / 沪AD12345: the province character sits right
  // before the segment.
  void Plate() {
    size_t o = seg_.b[0];
    if (o < 3) return;
    std::string_view prov(reinterpret_cast<const char*>(p_ + o - 3), 3);
    bool known = false;
    for (const Pattern* p : impl_->plates) known |= p->InList(Pattern::KnownList::kProvinces, prov);
    if (!known) return;
    std::string v(prov);
    size_t i = o;
    NormChar c = NormAt(p_, n_, i, false);
    v.push_back(absl::ascii_toupper(c.c));
    i += c.len;
    // One optional separator after the authority letter.
    if (i + 2 <= n_ && p_[i] == 0xC2 && p_[i + 1] == 0xB7) {
      i += 2;
    } else if (i + 3 <= n_ && ((p_[i] == 0xE3 && p_[i + 1] == 0x83 && p_[i + 2] == 0xBB) ||
                               (p_[i] == 0xE2 && p_[i + 1] == 0x80 && p_[i + 2] == 0xA2))) {
      i += 3;
    } else if (i < n_) {
      NormChar sc = NormAt(p_, n_, i, false);
      if (sc.kind == NormKind::kChar && (sc.c == ' ' || sc.c == '-' || sc.c == '.')) i += sc.len;
    }
    size_t serial = 0;
    while (i < n_ && serial < 6) {
      NormChar sc = NormAt(p_, n_, i, false);
      if (sc.kind == NormKind::kChar && IsAlnum(sc.c)) {
        v.push_back(absl::ascii_toupper(sc.c));
        i += sc.len;
        ++serial;
        continue;
      }
      break;
    }
    // Usage marker (学 挂 警 港 澳 领) as the last character.
    if (serial == 4 && i + 3 <= n_) {
      static constexpr const char* kMarkers[] = {"\xE5\xAD\xA6", "\xE6\x8C\x82", "\xE8\xAD\xA6",
                                                 "\xE6\xB8\xAF", "\xE6\xBE\xB3", "\xE9\xA2\x86"};
      for (const char* mk : kMarkers) {
        if (std::memcmp(p_ + i, mk, 3) == 0) {
          v.append(mk, 3);
          i += 3;
          ++serial;
          break;
        }
      }
    }
    if (serial < 5) return;
    if (i < n_) {
      // Glued to more letters or digits -- or to a masked '*' or a label,
      // which stand for what they replaced ("苏aaaaaa******", a token's mask).
      NormChar after = NormAt(p_, n_, i, false);
      if (after.kind == NormKind::kChar && (IsAlnumOrMasked(after.c) || after.c == '_' || LabelStartsAt(i))) return;
    }
    for (const Pattern* p : impl_->plates) Try(*p, v, o - 3, i);
  }

  // 姓名：张三 / 收货地址：浙江省杭州市西湖区文三路90号
  void Anchors() {
    for (size_t k = 0; k < seg_.s.size(); ++k) {
      if (seg_.s[k] == ':') AnchorAt(seg_.b[k], seg_.e[k]);
    }
  }

  void AnchorAt(size_t colon, size_t after) {
    if (colon == 0) return;
    // Cheap test: the character before the colon ends some anchor keyword
    // (nearly always a Han character: the speaker's name in a chat).
    uint32_t tail = 0;
    if (colon >= 3 && p_[colon - 3] >= 0xE0 && p_[colon - 3] < 0xF0 && (p_[colon - 2] & 0xC0) == 0x80 &&
        (p_[colon - 1] & 0xC0) == 0x80) {
      tail = uint32_t{p_[colon - 3]} << 16 | uint32_t{p_[colon - 2]} << 8 | p_[colon - 1];
    } else {
      for (size_t t = internal::PrevCharStart(p_, colon); t < colon; ++t) tail = (tail << 8) | p_[t];
    }
    const size_t tail_index = impl_->anchor_tail_index.Find(tail);
    if (tail_index == SIZE_MAX) return;
    // Which patterns have an anchor ending right before the colon?
    labelled_.clear();
    for (const auto& [a, p] : impl_->anchors_by_tail[tail_index]) {
      if (a.size() > colon || !EndsAt(colon, a)) continue;
      if (std::find(labelled_.begin(), labelled_.end(), p) == labelled_.end()) labelled_.push_back(p);
    }
    if (labelled_.empty()) return;
    size_t value_at = after;
    for (int t = 0; t < 3 && value_at < n_; ++t) {  // up to 3 spaces
      NormChar c = NormAt(p_, n_, value_at, false);
      if (c.kind != NormKind::kChar || c.c != ' ') break;
      value_at += c.len;
    }
    for (const Pattern* p : impl_->anchored) {
      if (std::find(labelled_.begin(), labelled_.end(), p) == labelled_.end()) continue;
      if (p->extractor == Extractor::kAnchorName) {
        AnchoredName(*p, value_at);
      } else {
        AnchoredAddress(*p, value_at);
      }
    }
  }

  // 我叫张三 / 寄到浙江省… / 持卡人姓名 曹一国: a bare anchor ends at `after`.
  void BareAnchorAt(size_t after, const std::vector<Engine::BareAnchor>& bare) {
    // The label ends here?
    if (after < 6) return;
    const uint32_t before = uint32_t{p_[after - 6]} << 16 | uint32_t{p_[after - 5]} << 8 | p_[after - 4];
    const Engine::BareAnchor* hit = nullptr;
    for (const Engine::BareAnchor& a : bare) {
      if (a.before_tail != before) continue;  // cheap test first
      if (a.text.size() <= after && EndsAt(after, a.text)) {
        hit = &a;
        break;
      }
    }
    if (hit == nullptr) return;
    size_t value_at = after;
    for (int t = 0; t < 3 && value_at < n_; ++t) {  // up to 3 spaces
      NormChar c = NormAt(p_, n_, value_at, false);
      if (c.kind != NormKind::kChar || c.c != ' ') break;
      value_at += c.len;
    }
    if (value_at + 3 > n_ || !IsHan(p_ + value_at)) return;
    for (const Pattern* p : impl_->anchored) {
      bool label = false;
      for (const Engine::BareAnchor& a : bare) {
        label |= a.pattern == p && a.text.size() <= after &&
                 EndsAt(after, a.text);
      }
      if (!label || p->ListedPrefix(Pattern::KnownList::kTerminators, Rest(value_at))) continue;
      if (p->extractor == Extractor::kAnchorName) {
        // Without a colon the label may be part of a sentence: only a known
        // surname starts a name (联系人电话…, 我叫你…).
        if (!p->ListedPrefix(Pattern::KnownList::kSurnames, Rest(value_at)) && !p->ListedPrefix(Pattern::KnownList::kCompoundSurnames, Rest(value_at)) &&
            !DottedNameAt(value_at)) {
          continue;
        }
        AnchoredName(*p, value_at);
      } else {
        AnchoredAddress(*p, value_at);
      }
    }
  }

  // 古丽娜尔·阿不都: Han characters, then a middle dot.
  bool DottedNameAt(size_t at) const {
    size_t i = at;
    for (int chars = 0; chars < 8 && i + 3 <= n_; ++chars) {
      if (!IsHan(p_ + i)) break;
      i += 3;
    }
    if (i == at) return false;
    return (i + 2 <= n_ && p_[i] == 0xC2 && p_[i + 1] == 0xB7) ||
           (i + 3 <= n_ && (std::memcmp(p_ + i, "\xE3\x83\xBB", 3) == 0 || std::memcmp(p_ + i, "\xE2\x80\xA2", 3) == 0));
  }

  // 1..99 written as 三 / 十 / 十二 / 二十 / 二十一 at `*at`.
  int SmallCnNumber(size_t* at) const {
    auto Digit = [&](size_t i) -> int {
      if (i + 3 > n_) return -1;
      NormChar c = NormAt(p_, n_, i, true);
      if (c.kind != NormKind::kChar || !c.numeral || !IsDigit(c.c)) return -1;
      return c.c - '0';
    };
    auto Ten = [&](size_t i) { return i + 3 <= n_ && std::memcmp(p_ + i, "\xE5\x8D\x81", 3) == 0; };  // 十
    size_t i = *at;
    int v = -1;
    int d = Digit(i);
    if (Ten(i)) {
      i += 3;
      v = 10;
      int u = Digit(i);
      if (u > 0) {
        v += u;
        i += 3;
      }
    } else if (d > 0) {
      i += 3;
      v = d;
      if (Ten(i)) {
        i += 3;
        v *= 10;
        int u = Digit(i);
        if (u > 0) {
          v += u;
          i += 3;
        }
      }
    }
    if (v > 0) *at = i;
    return v;
  }

  // 一九八七年十二月二日 / 二〇〇四年四月: `year_end` is the offset of 年.
  void CnNumeralDate(size_t year_end) {
    if (year_end < 12) return;
    const size_t begin = year_end - 12;
    std::string v;
    for (size_t i = begin; i < year_end; i += 3) {
      NormChar c = NormAt(p_, n_, i, true);
      if (c.kind != NormKind::kChar || !c.numeral || c.len != 3 || !IsDigit(c.c)) return;
      v.push_back(c.c);
    }
    if (begin >= 3) {  // not the tail of a longer numeral run
      NormChar c = NormAt(p_, n_, internal::PrevCharStart(p_, begin), true);
      if (c.kind == NormKind::kChar && IsDigit(c.c)) return;
    }
    size_t o = year_end + 3;
    int month = SmallCnNumber(&o);
    if (month <= 0 || month > 12 || o + 3 > n_ || std::memcmp(p_ + o, "\xE6\x9C\x88", 3) != 0) return;  // 月
    o += 3;
    absl::StrAppend(&v, "-", month);
    size_t end = o;
    size_t d_at = o;
    int day = SmallCnNumber(&d_at);
    if (day > 0 && day <= 31 && d_at + 3 <= n_ &&
        (std::memcmp(p_ + d_at, "\xE6\x97\xA5", 3) == 0 || std::memcmp(p_ + d_at, "\xE5\x8F\xB7", 3) == 0)) {
      absl::StrAppend(&v, "-", day);
      end = d_at + 3;
    }
    for (const Pattern* p : impl_->cn_dates) {
      if (v.size() < p->min_length || v.size() > p->max_length) continue;
      Try(*p, v, begin, end);
    }
  }

  // A decimal (45.8117) or degrees-minutes-seconds (39°54'15.2") angle at
  // `*at`, as a decimal string with 6 fraction digits for D°M'S".
  bool Angle(size_t* at, std::string* out) const {
    size_t i = *at;
    auto Num = [&](std::string* digits, bool* dot) {
      size_t start = i;
      while (i < n_) {
        NormChar c = NormAt(p_, n_, i, false);
        if (c.kind != NormKind::kChar) break;
        if (IsDigit(c.c) || (c.c == '.' && !*dot && i > start)) {
          *dot |= c.c == '.';
          digits->push_back(c.c);
          i += c.len;
          continue;
        }
        break;
      }
      if (!digits->empty() && digits->back() == '.') return false;
      return !digits->empty() && digits->size() <= 16;
    };
    auto Mark = [&](std::initializer_list<std::string_view> marks) {
      for (std::string_view m : marks) {
        if (i + m.size() <= n_ && std::memcmp(p_ + i, m.data(), m.size()) == 0) {
          i += m.size();
          return true;
        }
      }
      return false;
    };
    std::string deg;
    bool dot = false;
    if (!Num(&deg, &dot)) return false;
    if (!Mark({"\xC2\xB0", "\xE5\xBA\xA6"})) {  // ° 度
      if (!dot) return false;
      *out = deg;
      *at = i;
      return true;
    }
    // Whole degrees (北纬39度) are too coarse to locate anyone: minutes are
    // required.
    if (dot || deg.size() > 3) return false;
    double value = std::atof(deg.c_str());
    std::string min;
    bool mdot = false;
    if (!Num(&min, &mdot) || min.size() > 7 || !Mark({"''", "'", "\xE2\x80\xB2", "\xE5\x88\x86", "\xE2\x80\x99"})) {  // ' ′ 分 ’
      return false;
    }
    if (i >= 2 && p_[i - 1] == '\'' && p_[i - 2] == '\'') return false;  // 39°54'' is seconds notation
    value += std::atof(min.c_str()) / 60;
    size_t after_min = i;
    std::string sec;
    bool sdot = false;
    if (!mdot && Num(&sec, &sdot) && sec.size() <= 8 &&
        Mark({"\"", "\xE2\x80\xB3", "\xE7\xA7\x92", "''", "\xE2\x80\x9D"})) {  // " ″ 秒 '' ”
      value += std::atof(sec.c_str()) / 3600;
    } else {
      i = after_min;
    }
    *out = absl::StrFormat("%.6f", value);
    *at = i;
    return true;
  }

  // 北纬45.8117 东经117.8378 (either order; 南纬/西经 negative). `k` is the
  // offset of 纬 or 经; the hemisphere character is right before it.
  void Hemisphere(size_t k) {
    if (k < 3) return;
    const bool lat_first = p_[k + 2] == 0xAC;  // 纬
    const uint8_t* h = p_ + k - 3;
    int sign;
    if (lat_first) {
      if (std::memcmp(h, "\xE5\x8C\x97", 3) == 0) sign = 1;        // 北
      else if (std::memcmp(h, "\xE5\x8D\x97", 3) == 0) sign = -1;  // 南
      else return;
    } else {
      if (std::memcmp(h, "\xE4\xB8\x9C", 3) == 0) sign = 1;        // 东
      else if (std::memcmp(h, "\xE8\xA5\xBF", 3) == 0) sign = -1;  // 西
      else return;
    }
    size_t i = k + 3;
    auto Skip = [&](int max_chars) {
      for (int t = 0; t < max_chars && i < n_; ++t) {
        NormChar c = NormAt(p_, n_, i, false);
        bool sep = c.kind == NormKind::kChar && (c.c == ' ' || c.c == ',' || c.c == ':');
        sep |= i + 3 <= n_ && (std::memcmp(p_ + i, "\xEF\xBC\x8C", 3) == 0 ||   // ，
                               std::memcmp(p_ + i, "\xE3\x80\x81", 3) == 0);  // 、
        if (!sep) break;
        i += c.kind == NormKind::kChar ? c.len : 3;
      }
    };
    Skip(1);
    std::string first, second;
    if (!Angle(&i, &first)) return;
    Skip(3);
    if (i + 6 > n_) return;
    const uint8_t* h2 = p_ + i;
    int sign2;
    if (lat_first) {
      if (std::memcmp(h2, "\xE4\xB8\x9C\xE7\xBB\x8F", 6) == 0) sign2 = 1;        // 东经
      else if (std::memcmp(h2, "\xE8\xA5\xBF\xE7\xBB\x8F", 6) == 0) sign2 = -1;  // 西经
      else return;
    } else {
      if (std::memcmp(h2, "\xE5\x8C\x97\xE7\xBA\xAC", 6) == 0) sign2 = 1;        // 北纬
      else if (std::memcmp(h2, "\xE5\x8D\x97\xE7\xBA\xAC", 6) == 0) sign2 = -1;  // 南纬
      else return;
    }
    i += 6;
    Skip(1);
    if (!Angle(&i, &second)) return;
    if (i < n_) {
      NormChar c = NormAt(p_, n_, i, false);
      if (c.kind == NormKind::kChar && (IsAlnum(c.c) || c.c == '.')) return;
    }
    value_.clear();
    if (sign < 0) value_.push_back('-');
    value_ += first;
    value_.push_back(',');
    if (sign2 < 0) value_.push_back('-');
    value_ += second;
    for (const Pattern* p : impl_->decimal_pairs) {
      if (value_.size() < p->min_length || value_.size() > p->max_length) continue;
      Try(*p, value_, k - 3, i);
    }
  }

  // The text from `at` to the end.
  std::string_view Rest(size_t at) const { return {reinterpret_cast<const char*>(p_ + at), n_ - at}; }

  static bool IsHan(const uint8_t* q) {
    // U+4E00..U+9FFF: E4 B8 80 .. E9 BF BF
    return q[0] >= 0xE4 && q[0] <= 0xE9 && (q[0] != 0xE4 || q[1] >= 0xB8) &&
           (q[1] & 0xC0) == 0x80 && (q[2] & 0xC0) == 0x80;
  }

  void AnchoredName(const Pattern& p, size_t at) {
    if (at < n_ && (p_[at] == '*' || LabelStartsAt(at))) return;  // masked or labelled already (see AnchoredAddress)
    const Pattern::ListSet* stops = p.FindListSet(Pattern::KnownList::kTerminators);
    size_t i = at;
    size_t chars = 0;
    bool dot = false;
    while (i + 3 <= n_ && chars < kNameLookahead) {
      if (chars > 0 && stops != nullptr && stops->HasPrefixOf(Rest(i))) break;
      if (IsHan(p_ + i)) {
        i += 3;
        ++chars;
        continue;
      }
      if (chars > 0 && i + 2 <= n_ && p_[i] == 0xC2 && p_[i + 1] == 0xB7) {
        i += 2;
        dot = true;
        continue;
      }
      if (chars > 0 && (std::memcmp(p_ + i, "\xE3\x83\xBB", 3) == 0 ||
                        std::memcmp(p_ + i, "\xE2\x80\xA2", 3) == 0)) {
        i += 3;
        dot = true;
        continue;
      }
      break;
    }
    if (chars < 2) return;
    if (!dot && chars > p.max_length) return;
    if (dot && chars > kNameLookahead - 1) return;
    // Glued to a mask or a label, the name went on into what it hid
    // ("姓名：联系人<PERSON_NAME>" was "姓名：联系人王小明", no name).
    if (i < n_ && (p_[i] == '*' || LabelStartsAt(i))) return;
    Try(p, std::string_view(reinterpret_cast<const char*>(p_ + at), i - at), at, i);
  }

  static bool ColonHexByte(uint8_t c) { return IsHex(static_cast<char>(c)) || c == ':' || c == '.' || c == '*'; }
  // Does the run of ColonHexByte from i hold "::" or five colons?
  // (A run that ends at a redaction label may have gone on into what the
  // label replaced: it counts, and *at_label says so.)
  bool ColonHexRunAhead(size_t i, bool* at_label) const {
    *at_label = false;
    int colons = 0;
    size_t j = i;
    for (; j < n_ && ColonHexByte(p_[j]); ++j) {
      if (p_[j] != ':') continue;
      if (++colons >= 5 || (j + 1 < n_ && p_[j + 1] == ':')) return true;
    }
    *at_label = j > i && LabelStartsAt(j);
    return *at_label;
  }

  // Does one of p's bare anchors (寄到) end at i, up to 3 spaces before it,
  // after `at`?
  bool BareAnchorEndsAt(const Pattern& p, size_t at, size_t i) const {
    for (int t = 0; t < 3 && i > at && p_[i - 1] == ' '; ++t) --i;
    for (const std::string& a : p.bare_anchors) {
      if (i >= at + a.size() && EndsAt(i, a)) return true;
    }
    return false;
  }

  // Where the run of ColonHexByte that holds i begins.
  size_t ColonHexRunStart(size_t i) const {
    while (i > 0 && ColonHexByte(p_[i - 1])) --i;
    return i;
  }

  // Is the '*' at i an IPv4 address's masked last octet: after a dot (or a
  // full-width '．') after a digit (or a full-width one)?
  bool MaskedOctetAt(size_t i) const {
    size_t d;
    if (i >= 1 && p_[i - 1] == '.') {
      d = i - 1;
    } else if (i >= 3 && p_[i - 3] == 0xEF && p_[i - 2] == 0xBC && p_[i - 1] == 0x8E) {
      d = i - 3;
    } else {
      return false;
    }
    return (d >= 1 && IsDigit(static_cast<char>(p_[d - 1]))) ||
           (d >= 3 && p_[d - 3] == 0xEF && p_[d - 2] == 0xBC && p_[d - 1] >= 0x90 && p_[d - 1] <= 0x99);
  }

  // Is q an administrative division's last character (省 市 区 县 旗 州 盟),
  // where the address mask (redact/mask.cc, MaskAddress) cuts?
  static bool IsDivision(const uint8_t* q) {
    for (const char* d : {"省", "市", "区", "县", "旗", "州", "盟"}) {
      if (std::memcmp(q, d, 3) == 0) return true;
    }
    return false;
  }

  // Is the colon at i (in a value that starts at `at`) a label's, one of
  // p's anchors right before it ("Addr:", "地址：")? Then *end is where the
  // label starts.
  bool LabelBefore(const Pattern& p, size_t at, size_t i, size_t* end) const {
    const std::string_view before(reinterpret_cast<const char*>(p_ + at), i - at);
    for (const std::string& a : p.anchors) {
      if (before.size() >= a.size() && before.substr(before.size() - a.size()) == a) {
        *end = i - a.size();
        while (*end > at && p_[*end - 1] == ' ') --*end;
        return true;
      }
    }
    return false;
  }

  void AnchoredAddress(const Pattern& p, size_t at) {
    // A label whose value is masked already ("地址：****"): what follows the
    // mask is not the value, and taking it would make redacting the output
    // again mask more.
    if (at < n_ && (p_[at] == '*' || LabelStartsAt(at))) return;  // (or labelled: "收货地址：<ADDRESS_2>")
    const Pattern::ListSet* stops = p.FindListSet(Pattern::KnownList::kTerminators);
    size_t i = at, last_good = at;
    size_t chars = 0;
    size_t masked_octets = 0;  // IPv4 masks in the run ("213.44.167.*")
    int spaces = 0;
    size_t before_space = 0;  // last_good before the last space, if any
    while (i < n_ && chars < p.max_length) {
      uint8_t b = p_[i];
      if (chars > 0 && stops != nullptr && stops->HasPrefixOf(Rest(i))) break;
      // A redaction label ends the run, and with nothing but a space
      // between, the address too: before it was redacted, the run went on
      // into the value the label replaced, and the longer address that made
      // was not taken (had it been, the label would have covered it too). A
      // shorter one must not be taken now, or a second pass would redact
      // more ("新村盟(((…eeee//<WECHAT_ID>": the first pass ran out of
      // characters inside the ASCII run and kept only 新村盟).
      if (i > at && LabelStartsAt(i)) {
        if (last_good == i || (spaces == 1 && last_good == before_space)) return;
        break;
      }
      if (b == '\n' || b == '\r' || b == '\t' || b == ',' || b == ';' || b == '|' || b == 0) break;
      // So does an e-mail address's '@': its mask is shorter ("a***@"), and
      // a window through one would reach further on a second pass. (A
      // masked character, '*', stands for what it hid.)
      if (b == '@' && i > at && i + 1 < n_ && (EmailLocal(static_cast<char>(p_[i - 1])) || p_[i - 1] == '*') &&
          (EmailDomain(static_cast<char>(p_[i + 1])) || p_[i + 1] == '*')) {
        break;
      }
      if (b == ' ') {
        if (++spaces > 1) break;
        before_space = last_good;
        ++i;
        continue;
      }
      spaces = 0;
      if (b < 0x80) {
        // "浙江省杭州市西湖区****": the redactor's own mask of an address (it
        // keeps the divisions, hides the rest behind ****). The value ends
        // with it, as one that is all mask yields nothing (above): cut by the
        // window and masked, a value is shorter, and the window reads on.
        if (b == '*' && i >= at + 3 && IsDivision(p_ + i - 3)) {
          size_t e = i;
          while (e < n_ && e < i + 4 && p_[e] == '*') ++e;
          if (e == i + 4) {  // exactly the mask's four: a '*' after them is not its own
            last_good = e;
            break;
          }
        }
        // Four '*' right after a bare anchor ("寄到****") are a whole
        // address masked, which was longer: the run went on into that value
        // and was not taken with it ("地址：…寄到****区" was "…寄到两IPV6#…西湖
        // 区", where the window ran out), so it yields nothing, as when it
        // runs into a label. (A colon anchor inside the run ends it anyway,
        // below; other masks keep the length of what they hid.)
        if (b == '*' && i > at && i + 4 <= n_ && std::memcmp(p_ + i, "****", 4) == 0 &&
            (i + 4 == n_ || p_[i + 4] != '*') && BareAnchorEndsAt(p, at, i)) {
          return;
        }
        // Nor does it run into the next label ("Addr:"): that label's value,
        // masked, is shorter, and a second pass would read further.
        if (b == ':' && LabelBefore(p, at, i, &last_good)) break;
        // Nor into what may be an IPv6 address (a run of hex digits, colons,
        // dots and masked '*' with "::" or five colons, as ColonHex wants):
        // its mask is shorter ("1912" -> "*"), and a window through one
        // would reach further on a second pass.
        // (Checked where the run starts, which may be a '.': "藏.0100::0:11";
        // at the value's start, where it starts before it: in "Addr::0:11"
        // the label's colon makes the "::" that the value's run lacks, and
        // the mask ":*:*" is two characters shorter.)
        // A run that counts only because it ends at a label is the address
        // running into the label, as above: nothing.
        bool at_label = false;
        if (ColonHexByte(b) && (i == at || !ColonHexByte(p_[i - 1])) &&
            ColonHexRunAhead(i == at ? ColonHexRunStart(at) : i, &at_label)) {
          if (at_label) return;
          break;
        }
        if (b == '*' && MaskedOctetAt(i)) ++masked_octets;
        ++i;
        ++chars;
        last_good = i;
        continue;
      }
      size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
      if (i + len > n_) break;
      if (len == 3) {
        // ， 。 ； ： ！ ？ end the address.
        if ((b == 0xEF && p_[i + 1] == 0xBC &&
             (p_[i + 2] == 0x8C || p_[i + 2] == 0x9B || p_[i + 2] == 0x9A || p_[i + 2] == 0x81 ||
              p_[i + 2] == 0x9F || p_[i + 2] == 0xA0)) ||  // ＠ as '@'
            (b == 0xE3 && p_[i + 1] == 0x80 && (p_[i + 2] == 0x82 || p_[i + 2] == 0x81))) {
          if (p_[i + 2] == 0x9A) LabelBefore(p, at, i, &last_good);  // "…地址：" (as "Addr:")
          break;
        }
      }
      bool valid = true;
      for (size_t t = 1; t < len; ++t) valid &= (p_[i + t] & 0xC0) == 0x80;
      if (!valid || len == 1) break;
      i += len;
      ++chars;
      last_good = i;
    }
    // An IPv4 address's mask is up to two characters shorter than what it
    // hid ("213.44.167.100" -> "213.44.167.*"): a run the window may have
    // cut shorter before it was masked yields nothing, or a second pass
    // would read further than the first.
    if (masked_octets > 0 && chars + 2 * masked_octets >= p.max_length) return;
    // The window ran out inside a run of ASCII ("…a0::4:|0:aa1::5:0:1"):
    // the value ends before the run. Cut inside it and masked, the run's
    // rest would be read anew on a second pass.
    if (chars >= p.max_length && last_good == i && i < n_ && i > at && p_[i] > 0x20 && p_[i] < 0x7F &&
        p_[i - 1] > 0x20 && p_[i - 1] < 0x7F) {
      while (last_good > at && p_[last_good - 1] > 0x20 && p_[last_good - 1] < 0x7F) --last_good;
    }
    if (before_space > at && before_space < last_good) {
      // "…2205室 对": words after a space that hold no digit and no
      // address level are speech, not address. (A masked '*' counts as the
      // digit it may have hid: "新村 盟****" is the address mask of
      // "新村 盟…57:18".)
      std::string_view tail(reinterpret_cast<const char*>(p_ + before_space), last_good - before_space);
      bool address_like = std::any_of(tail.begin(), tail.end(), IsDigitOrMasked);
      if (const std::vector<std::string>* levels = p.List("levels")) {
        for (const std::string& l : *levels) address_like |= tail.find(l) != std::string_view::npos;
      }
      if (!address_like) last_good = before_space;
    }
    if (last_good <= at) return;
    Try(p, std::string_view(reinterpret_cast<const char*>(p_ + at), last_good - at), at, last_good);
  }

  // ---------------------------------------------------------------- scoring
  // A cheap hash of a short value for the rejection memo (collisions only
  // cost a comparison: the memo keeps the value).
  static uint64_t MemoHash(std::string_view v) {
    uint64_t h = v.size() * 0x9E3779B97F4A7C15ull;
    size_t i = 0;
    for (; i + 8 <= v.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, v.data() + i, 8);
      h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    }
    uint64_t tail = 0;
    if (i < v.size() && v.size() >= 8) {
      std::memcpy(&tail, v.data() + v.size() - 8, 8);  // the last 8 bytes, in one load
    } else {
      for (; i < v.size(); ++i) tail = tail << 8 | static_cast<uint8_t>(v[i]);
    }
    h = (h ^ tail) * 0xC4CEB9FE1A85EC53ull;
    return h ^ (h >> 29);
  }

  // `shape_ok`: the caller knows p's regex accepts the value (see
  // TimestampMemo).
  void Try(const Pattern& p, std::string_view value, size_t begin, size_t end, bool shape_ok = false) {
    std::string_view v = value;
    if (p.uppercase && std::any_of(value.begin(), value.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
      upper_.clear();
      upper_.append(value.data(), value.size());
      for (char& c : upper_) c = absl::ascii_toupper(c);
      v = upper_;
    }
    // Most candidates fail the regex; the DFA says so in a table load per
    // byte, exactly as RE2 would.
    if (!shape_ok && p.shape && !p.shape->FullMatch(v)) return;
    if (shape_passed_ != nullptr) shape_passed_->emplace_back(&p, shape_passed_as_token_);
    // The date of a log line's header says when the message was sent (and a
    // birth-date question on the line before must not make it one).
    if (p.type == EntityType::kDateOfBirth && LogTimestampAt(begin, end)) return;
    float pos = 0, neg = 0, vetoed = 0;
    if (p.requires_context) {
      // Most candidates of context-only patterns (QQ, dates of birth, device
      // IDs) have no keyword nearby: check that before the validator, first
      // with the SIMD prefilter, then exactly.
      if (p.positive_prefilter >= 0 && !PositiveMayBeNear(p, begin, end)) return;
      Context(p, begin, end, &pos, &neg, &vetoed);
      if (pos <= 0 && vetoed <= 0) return;
      // (Sunk by a negative keyword: see Revive.)
      if (p.confidence + 0.1f + std::max(pos, vetoed) - (neg > 0 ? 0 : neg) < impl_->options.min_confidence) {
        return;  // no validator adds > 0.1
      }
    }
    // Values recur (today's date in every timestamp, the same order number):
    // remember recent regex/validator rejections.
    const uint64_t h = MemoHash(value) * 31 + reinterpret_cast<uintptr_t>(&p);
    RejectMemo& memo = memo_[h % kMemoSlots];
    if (memo.generation == generation_ && memo.hash == h && memo.pattern == &p && memo.value == value) return;
    const re2::RE2& re = *p.regex;
    const int ngroups = p.shape ? p.shape->num_captures() : re.NumberOfCapturingGroups();
    std::string_view picked = v;
    auto Remember = [&] {
      memo.generation = generation_;
      memo.hash = h;
      memo.pattern = &p;
      memo.value.clear();  // (clear + append: cheaper than assign, which allows for overlap)
      memo.value.append(value.data(), value.size());
    };
    if (ngroups == 0) {
      if (!p.shape && !re2::RE2::FullMatch(re2::StringPiece(v.data(), v.size()), re)) return Remember();
    } else if (internal::ShapeMatcher::CaptureResult r = CaptureByShape(p, v, &picked);
               r != internal::ShapeMatcher::CaptureResult::kUseRe2) {
      if (r == internal::ShapeMatcher::CaptureResult::kNoMatch) return Remember();
    } else {
      re2::StringPiece sub[9];  // the whole match and up to eight groups
      int ng = std::min(ngroups, 8);
      if (!re.Match(re2::StringPiece(v.data(), v.size()), 0, v.size(), re2::RE2::ANCHOR_BOTH, sub, ng + 1)) {
        return Remember();
      }
      for (int gi = 1; gi <= ng; ++gi) {
        if (sub[gi].data() != nullptr && !sub[gi].empty()) {
          picked = std::string_view(sub[gi].data(), sub[gi].size());
          break;
        }
      }
    }
    // Into a reused buffer: most values are rejected here, and IDs and card
    // numbers are too long for a std::string's inline storage.
    std::string& normalized = normalized_;
    normalized.clear();
    normalized.append(picked.data(), picked.size());
    if (!p.strip.empty()) {
      normalized.erase(std::remove_if(normalized.begin(), normalized.end(),
                                      [&](char c) { return p.strip.find(c) != std::string::npos; }),
                       normalized.end());
    }
    Verdict verdict = p.validator(normalized, p, &normalized);
    if (!verdict.ok) return Remember();
    if (!p.requires_context) {
      // A value its validator doubts (a card number failing Luhn) counts only
      // next to a positive keyword: most such look-alikes have none.
      if (verdict.needs_context && p.positive_prefilter >= 0 && !PositiveMayBeNear(p, begin, end)) return;
      Context(p, begin, end, &pos, &neg, &vetoed);
    }
    if ((p.requires_context || verdict.needs_context) && pos <= 0) {
      if (vetoed > 0) Sink(p, begin, end, vetoed, verdict);
      return;
    }
    float conf = p.confidence + verdict.adjust + pos - neg;
    conf = std::clamp(conf, 0.0f, 1.0f);
    if (conf < impl_->options.min_confidence) {
      if (neg > 0) Sink(p, begin, end, pos, verdict);
      return;
    }
    std::string_view by = verdict.validated_by.empty() ? p.validated_by : verdict.validated_by;
    if (by == "format" && pos > 0 && p.requires_context) by = "context";
    if (p.extension) Extension(&end, &normalized);
    if (OverlapsLabel(begin, end)) return;
    (to_tail_cands_ ? tail_cands_ : cands_).push_back({begin, end, conf, &p, normalized, by});
  }

  // A candidate a negative keyword sank (Try): its confidence before context
  // in `c.confidence`, the end its windows start at, whether it needs a
  // positive keyword.
  struct Sunk {
    Candidate c;
    size_t context_end;
    bool needs_positive;
  };
  // Try's end for a candidate that `pos` would have kept but a negative
  // keyword sank. Out of line: rare.
  [[gnu::noinline]] void Sink(const Pattern& p, size_t begin, size_t end, float pos, const Verdict& verdict) {
    const float confidence = p.confidence + verdict.adjust;
    if (confidence + pos < impl_->options.min_confidence) return;
    std::string_view by = verdict.validated_by.empty() ? p.validated_by : verdict.validated_by;
    if (by == "format" && pos > 0 && p.requires_context) by = "context";
    const size_t context_end = end;
    if (p.extension) Extension(&end, &normalized_);
    if (OverlapsLabel(begin, end)) return;
    sunk_.push_back({{begin, end, confidence, &p, normalized_, by}, context_end,
                     p.requires_context || verdict.needs_context});
  }

  // The text of another value is no keyword for this one: the redactor masks
  // it (a second pass over the output would not see the keyword). A
  // candidate sunk by a negative keyword is weighed again with the keywords
  // that lie in other candidates' spans left out, and kept if it passes
  // then ("Addr:市旗1藏@@qq,qq-882221": the "@qq" that sank the QQ number is
  // in the address, masked to "市旗****").
  // `order`: (begin, index) of every candidate, sorted; a candidate kept is
  // appended to cands_ and inserted there and in `by_begin` (the indexes).
  [[gnu::noinline]] void Revive(std::vector<std::pair<size_t, size_t>>* order, std::vector<size_t>* by_begin) {
    const size_t found = cands_.size();  // a candidate kept here is no span for the next
    for (Sunk& k : sunk_) {
      const size_t begin = k.c.begin, end = k.context_end;
      bool masked_stop = false;
      const size_t start = WindowStart(begin, &masked_stop);
      // Nothing of another candidate in the windows: the verdict stands.
      size_t stop = WindowEnd(end);
      const size_t star = MaskedWindowEnd(end, &stop);
      size_t lo = start, hi = stop;
      if (masked_stop) lo = SinksBeyondMask(start, begin, false);
      if (star != SIZE_MAX) hi = SinksBeyondMask(star, end, true);
      // The other candidates' spans in the windows, merged, so that the gaps
      // between them are found by one search. (No candidate is longer than
      // max_finding.)
      spans_.clear();
      auto it = std::lower_bound(order->begin(), order->end(),
                                 std::pair<size_t, size_t>(lo > impl_->max_finding ? lo - impl_->max_finding : 0, 0));
      for (; it != order->end() && it->first < hi; ++it) {
        if (it->second >= found) continue;
        const Candidate& c = cands_[it->second];
        if (c.end <= lo) continue;
        if (!spans_.empty() && c.begin <= spans_.back().second) {
          spans_.back().second = std::max(spans_.back().second, c.end);
        } else {
          spans_.emplace_back(c.begin, c.end);
        }
      }
      if (!SpanIn(lo, begin) && !SpanIn(end, hi)) continue;
      const size_t line = LineStartIn(start, begin);
      hits_earlier_line_.clear();
      hits_before_.clear();
      hits_after_.clear();
      sinks_before_.clear();
      sinks_after_.clear();
      earlier_sinks_.clear();
      FindOutsideSpans(start, line, &hits_earlier_line_, &earlier_sinks_);
      FindOutsideSpans(line, begin, &hits_before_, &sinks_before_);
      FindOutsideSpans(end, stop, &hits_after_, &sinks_after_);
      // (Sinks: from and to the span itself, as in FindKeywords.)
      if (start == line && lo < start) FindOutsideSpans(lo, begin, &sinks_before_, &sinks_before_);
      if (start < line && lo < start) FindOutsideSpans(lo, line, &earlier_sinks_, &earlier_sinks_);
      if (hi > stop) FindOutsideSpans(end, hi, &sinks_after_, &sinks_after_);
      float pos = 0, neg = 0;
      Weigh(*k.c.pattern, &pos, &neg);
      if (k.needs_positive && pos <= 0) continue;
      const float conf = std::clamp(k.c.confidence + pos - neg, 0.0f, 1.0f);
      if (conf < impl_->options.min_confidence) continue;
      k.c.confidence = conf;
      const std::pair<size_t, size_t> key(k.c.begin, cands_.size());
      cands_.push_back(std::move(k.c));
      const auto at = std::lower_bound(order->begin(), order->end(), key);
      by_begin->insert(by_begin->begin() + (at - order->begin()), key.second);
      order->insert(at, key);
    }
    before_of_ = after_of_ = SIZE_MAX;  // the hit lists above were not FindKeywords'
  }

  // Does a merged candidate span (spans_) overlap [lo, hi)?
  bool SpanIn(size_t lo, size_t hi) const {
    if (lo >= hi) return false;
    auto it = std::lower_bound(spans_.begin(), spans_.end(), std::pair<size_t, size_t>(lo, 0),
                               [](const auto& a, const auto& b) { return a.second <= b.first; });
    return it != spans_.end() && it->first < hi;
  }

  // FindIn over [lo, hi) but the merged candidate spans.
  void FindOutsideSpans(size_t lo, size_t hi, std::vector<uint32_t>* ids, std::vector<uint32_t>* sink_only) {
    ForEachGap(spans_, lo, hi, [&](size_t a, size_t b) { KeywordsIn(a, b, ids, sink_only); });
  }

  // The keywords in [lo, hi), leaving out those inside a redaction label
  // (Labels(): "MOBILE" in <CN_MOBILE> vouched for nothing on the first
  // pass, where a value stood).
  // A keyword wholly inside an e-mail address's domain ("qq" in
  // "x@aqqb.no") vouches for nothing: it goes to `sink_only`, where only
  // its negative weight counts ("@qq" still sinks). The address is a value
  // of its own, and its mask ("x***@aqqb.no") keeps the domain whether or
  // not the first pass let the keyword count, so a second pass must not
  // find a value the domain vouches for.
  void KeywordsIn(size_t lo, size_t hi, std::vector<uint32_t>* ids, std::vector<uint32_t>* sink_only) {
    const size_t first = ids->size();
    ForEachGap(Labels(), lo, hi, [&](size_t a, size_t b) { impl_->keywords.FindIn(p_, a, b, ids); });
    if (ids->size() == first || sink_only == ids) return;
    const std::vector<std::pair<size_t, size_t>>& domains = EmailDomains();
    if (domains.empty()) return;
    // The first domain that ends after lo, found from where the last call
    // left off (windows move little from one call to the next).
    size_t i = std::min(domain_hint_, domains.size());
    while (i > 0 && domains[i - 1].second > lo) --i;
    while (i < domains.size() && domains[i].second <= lo) ++i;
    domain_hint_ = i;
    for (; i < domains.size() && domains[i].first < hi; ++i)
      MoveToSinks(std::max(lo, domains[i].first), std::min(hi, domains[i].second), first, ids, sink_only);
  }
  // The keywords of [lo, hi) (part of a domain) leave ids[first..] (one
  // occurrence each) for *sink_only. Out of line: rare.
  [[gnu::noinline]] void MoveToSinks(size_t lo, size_t hi, size_t first, std::vector<uint32_t>* ids,
                                     std::vector<uint32_t>* sink_only) {
    domain_hits_.clear();
    ForEachGap(Labels(), lo, hi, [&](size_t a, size_t b) { impl_->keywords.FindIn(p_, a, b, &domain_hits_); });
    for (uint32_t id : domain_hits_) {
      auto at = std::find(ids->begin() + static_cast<std::ptrdiff_t>(first), ids->end(), id);
      if (at == ids->end()) continue;
      ids->erase(at);
      sink_only->push_back(id);
    }
  }

  // The e-mail addresses' domains in the text, each from its '@' to the end
  // of its top-level domain (the rule InEmailDomain applies), found once per
  // text on first need by a sweep for '@'.
  const std::vector<std::pair<size_t, size_t>>& EmailDomains() const {
    if (domains_generation_ != generation_) FindEmailDomains();
    return domains_;
  }
  [[gnu::noinline]] void FindEmailDomains() const {
    domains_generation_ = generation_;
    domains_.clear();
    const std::string_view text(reinterpret_cast<const char*>(p_), n_);
    for (size_t at = text.find('@'); at < n_; at = text.find('@', at + 1)) {
      size_t e = 0, tld = 0;
      if (DomainAfter(at, &e, &tld) && e - tld >= 2 && tld > at + 2 && p_[tld - 1] == '.') domains_.emplace_back(at, e);
    }
  }

  // Calls gap(a, b) for each stretch of [lo, hi) outside the sorted,
  // non-overlapping `spans`.
  template <typename Gap>
  static void ForEachGap(const std::vector<std::pair<size_t, size_t>>& spans, size_t lo, size_t hi, Gap gap) {
    if (lo >= hi) return;
    auto it = std::lower_bound(spans.begin(), spans.end(), std::pair<size_t, size_t>(lo, 0),
                               [](const auto& a, const auto& b) { return a.second <= b.first; });
    size_t q = lo;
    for (; it != spans.end() && it->first < hi; ++it) {
      if (it->first > q) gap(q, it->first);
      q = std::max(q, it->second);
    }
    if (q < hi) gap(q, hi);
  }

  // The redaction labels of the text in the default, angle style
  // (<CN_MOBILE>, <CN_MOBILE_2>), and those the redactor asked for
  // (RedactionLabels: [手机号], vault tokens, a policy's own), found once per
  // text on first need: a memchr sweep for '<', which is rare; one for '['
  // (which opens every chat timestamp: a label's name starts with a capital
  // or a Chinese character's lead byte, a timestamp with a digit) only for
  // the Chinese style, and a search for "tok_" and for each custom label
  // only when asked.
  const std::vector<std::pair<size_t, size_t>>& Labels() const {
    if (labels_generation_ != generation_) FindLabels();
    return labels_;
  }
  [[gnu::noinline]] void FindLabels() const {
    labels_generation_ = generation_;
    labels_.clear();
    const std::string_view text(reinterpret_cast<const char*>(p_), n_);
    for (size_t i = text.find('<'); i < n_; i = text.find('<', i + 1)) {
      if (i + 1 >= n_ || p_[i + 1] < 'A' || p_[i + 1] > 'Z') continue;  // every type name starts so
      if (const size_t e = internal::BuiltinLabelEnd(text, i); e != 0) labels_.emplace_back(i, e);
    }
    if (!chinese_labels_ && !any_byte_labels_) return;
    if (chinese_labels_) {
      for (size_t i = text.find('['); i < n_; i = text.find('[', i + 1)) {
        if (i + 1 >= n_ || (p_[i + 1] < 0xE4 && (p_[i + 1] < 'A' || p_[i + 1] > 'Z'))) continue;  // ("IMEI", "手机号")
        if (const size_t e = internal::BuiltinLabelEnd(text, i); e != 0) labels_.emplace_back(i, e);
      }
    }
    if (vault_tokens_) {
      for (size_t i = text.find("tok_"); i < n_; i = text.find("tok_", i + 1)) {
        if (const size_t e = internal::VaultTokenEnd(text, i); e != 0) labels_.emplace_back(i, e);
      }
    }
    if (custom_labels_ != nullptr) {
      for (const std::string& label : *custom_labels_) {
        const std::string_view stem = internal::CustomLabelStem(label);
        if (stem.empty()) continue;
        for (size_t i = text.find(stem); i < n_; i = text.find(stem, i + 1)) {
          if (const size_t e = internal::CustomLabelEnd(text, i, label); e != 0) labels_.emplace_back(i, e);
        }
      }
    }
    // Sorted by start; where labels overlap (a custom label that is also a
    // built-in one, or holds one), the one starting first, the longer of two.
    std::sort(labels_.begin(), labels_.end(),
              [](const auto& a, const auto& b) { return a.first != b.first ? a.first < b.first : a.second > b.second; });
    size_t kept = 0;
    for (const auto& l : labels_) {
      if (kept > 0 && l.first < labels_[kept - 1].second) continue;
      labels_[kept++] = l;
    }
    labels_.resize(kept);
  }

  // Does a redaction label start at original offset o, or end just before
  // it? A label stands for the value it replaced, so beside a value it is
  // glue, as that value's digits or letters were ("…0903,<CN_USCC_1>" was
  // "…0903,91110108MA01ABCD5T": a comma between digits, no boundary).
  // (The byte tests first, inline: most places hold no bracket.)
  [[gnu::always_inline]] bool LabelStartsAt(size_t o) const {
    return o < n_ && (p_[o] == '<' || p_[o] == '[' || any_byte_labels_) && LabelStartsAtSlow(o);
  }
  [[gnu::always_inline]] bool LabelEndsAt(size_t o) const {
    return o > 0 && o <= n_ && (p_[o - 1] == '>' || p_[o - 1] == ']' || any_byte_labels_) && LabelEndsAtSlow(o);
  }
  [[gnu::noinline]] bool LabelStartsAtSlow(size_t o) const { return LabelStartingAt(Labels(), o) != nullptr; }
  [[gnu::noinline]] bool LabelEndsAtSlow(size_t o) const { return LabelEndingAt(Labels(), o) != nullptr; }

  // The label (of `labels`, Labels()) that starts at o, ends at o, or holds
  // o; null if none.
  static const std::pair<size_t, size_t>* LabelStartingAt(const std::vector<std::pair<size_t, size_t>>& labels,
                                                           size_t o) {
    if (labels.empty()) return nullptr;
    auto it = std::lower_bound(labels.begin(), labels.end(), std::pair<size_t, size_t>(o, 0));
    return it != labels.end() && it->first == o ? &*it : nullptr;
  }
  static const std::pair<size_t, size_t>* LabelEndingAt(const std::vector<std::pair<size_t, size_t>>& labels,
                                                         size_t o) {
    if (labels.empty()) return nullptr;
    auto it = std::lower_bound(labels.begin(), labels.end(), o,
                               [](const std::pair<size_t, size_t>& a, size_t x) { return a.second < x; });
    return it != labels.end() && it->second == o ? &*it : nullptr;
  }
  static const std::pair<size_t, size_t>* LabelCovering(const std::vector<std::pair<size_t, size_t>>& labels,
                                                         size_t o) {
    if (labels.empty()) return nullptr;
    auto it = std::upper_bound(labels.begin(), labels.end(), std::pair<size_t, size_t>(o, SIZE_MAX));
    return it != labels.begin() && std::prev(it)->second > o ? &*std::prev(it) : nullptr;
  }

  // Does [begin, end) overlap a redaction label? Inside one, its name is no
  // token (the first pass had a value there); across one's edge, no value
  // (what the label replaced ended the first pass's value, or was part of
  // it: "tok_email_…_aaa-b@c.note" is no address).
  bool OverlapsLabel(size_t begin, size_t end) const {
    const std::vector<std::pair<size_t, size_t>>& labels = Labels();
    if (labels.empty()) return false;
    auto it = std::partition_point(labels.begin(), labels.end(),
                                   [begin](const std::pair<size_t, size_t>& l) { return l.second <= begin; });
    return it != labels.end() && it->first < end;
  }

  // 010-62345678转8021 / 分机 / ext / # / -801: extend a landline over its extension.
  void Extension(size_t* end, std::string* normalized) {
    size_t i = *end;
    while (i < n_ && p_[i] == ' ') ++i;
    static constexpr std::string_view kMarks[] = {"\xE8\xBD\xAC", "\xE5\x88\x86\xE6\x9C\xBA",
                                                  "ext.", "ext", "EXT", "-", "#", "x",
                                                  "\xEF\xBC\x8D" /*－*/, "\xEF\xBC\x83" /*＃*/};
    size_t mark_end = 0;
    for (std::string_view m : kMarks) {
      if (i + m.size() <= n_ && std::memcmp(p_ + i, m.data(), m.size()) == 0) {
        mark_end = i + m.size();
        break;
      }
    }
    if (mark_end == 0) return;
    size_t j = mark_end;
    while (j < n_ && p_[j] == ' ') ++j;
    std::string ext;
    while (j < n_ && ext.size() < 6) {
      NormChar c = NormAt(p_, n_, j, true);  // 转九二六六 in speech transcripts
      if (c.kind != NormKind::kChar || !IsDigit(c.c)) break;
      ext.push_back(c.c);
      j += c.len;
    }
    if (ext.empty() || ext.size() > 5) return;
    if (j < n_) {
      NormChar c = NormAt(p_, n_, j, false);
      if (c.kind == NormKind::kChar && IsAlnum(c.c)) return;
    }
    *end = j;
    normalized->push_back('-');
    *normalized += ext;
  }

  // Could one of p's positive keywords lie in a window around [begin, end)?
  // (A superset of the windows Context looks at, asked before it: exact
  // matching costs more.)
  bool PositiveMayBeNear(const Pattern& p, size_t begin, size_t end) {
    // The window before found already (another pattern's candidate with this
    // start): Context costs less than the filter.
    if (begin == before_of_) return true;
    const size_t f = static_cast<size_t>(p.positive_prefilter);
    if (cursors_.size() < impl_->prefilters.size()) cursors_.resize(impl_->prefilters.size());
    if (cursors_[f].generation != generation_) cursors_[f] = {{}, generation_};  // fresh for this text
    const size_t lo = begin > kBeforeWindow ? begin - kBeforeWindow : 0;
    const size_t hi = std::min(n_, end + kAfterWindow);
    return cursors_[f].cursor.MayStartIn(impl_->prefilters[f], p_, n_, lo, hi);  // the value itself holds no keyword
  }

  // Finds the strongest positive and negative keyword in the windows around
  // [begin, end). The keywords present are found once per span (a filter on
  // every pattern's keywords' first characters), then each pattern looks up
  // its own weights.
  // *vetoed: see Weigh.
  void Context(const Pattern& p, size_t begin, size_t end, float* pos, float* neg, float* vetoed) {
    *pos = 0;
    *neg = 0;
    *vetoed = 0;
    if (p.positive.empty() && p.negative.empty() && p.negative_after.empty()) return;
    FindKeywords(begin, end);
    Weigh(p, pos, neg, vetoed);
  }

  // Context's weights from the hit lists FindKeywords filled.
  // *vetoed (if asked): the earlier line's positive weight that a negative
  // keyword on that line outweighed, else 0. Such a candidate is sunk as
  // one a negative keyword sank, for Revive to weigh again without the
  // keywords in other candidates' spans ("q@qq.no}qq\n10180": the "@qq"
  // that vetoed "qq" is in the e-mail, hashed to "<EMAIL#…>").
  [[gnu::always_inline]] inline void Weigh(const Pattern& p, float* pos, float* neg, float* vetoed = nullptr) const {
    // The strongest weight of each kind among the keywords found (positive
    // and negative ones count on either side, negative_after ones after).
    // An earlier line can vouch for the value but not sink it (see
    // FindKeywords); it vouches if its strongest positive keyword beats its
    // strongest negative one ("qq" inside "@qq.com" does not).
    float earlier_pos = 0, earlier_neg = 0;
    for (uint32_t id : hits_earlier_line_) {
      earlier_pos = std::max(earlier_pos, p.positive_by_id[id]);
      earlier_neg = std::max(earlier_neg, p.negative_by_id[id]);
    }
    for (uint32_t id : earlier_sinks_) earlier_neg = std::max(earlier_neg, p.negative_by_id[id]);
    if (earlier_pos > earlier_neg) *pos = earlier_pos;
    if (vetoed != nullptr && earlier_pos > 0 && earlier_pos <= earlier_neg) *vetoed = earlier_pos;
    for (uint32_t id : hits_before_) {
      *pos = std::max(*pos, p.positive_by_id[id]);
      *neg = std::max(*neg, p.negative_by_id[id]);
    }
    for (uint32_t id : hits_after_) {
      *pos = std::max(*pos, p.positive_by_id[id]);
      *neg = std::max({*neg, p.negative_by_id[id], p.negative_after_by_id[id]});
    }
    // Beyond a masked character, on this line: negative keywords only.
    if (!sinks_before_.empty() || !sinks_after_.empty()) [[unlikely]] {
      for (uint32_t id : sinks_before_) *neg = std::max(*neg, p.negative_by_id[id]);
      for (uint32_t id : sinks_after_) *neg = std::max({*neg, p.negative_by_id[id], p.negative_after_by_id[id]});
    }
  }

  // The keyword windows around [begin, end): [WindowStart(begin), begin)
  // and [end, WindowEnd(end)). The window before stops at the previous
  // number, so a keyword that labels an earlier value does not count for
  // this one; the window after stops at the next number or field delimiter.
  // *masked_stop: it stopped at a '*', or at a digit whose word a '*' cut
  // (what it hid may have made the word a label).
  size_t WindowStart(size_t begin, bool* masked_stop) const {
    size_t lo = begin > kBeforeWindow ? begin - kBeforeWindow : 0;
    for (size_t to = begin;;) {
      const size_t q = internal::LastNumberByte(p_, lo, to);
      if (q == SIZE_MAX) break;
      // A masked character ('*') stops the window, wherever it is: what it
      // hid may have been a number ("q***@" hid "qqqq-8822qqqq@"). (Keywords
      // that sink a value are looked for beyond it: SinksBeyondMask.)
      if (IsDigit(static_cast<char>(p_[q]))) {
        size_t t = q;
        while (t > lo && p_[t - 1] < 0x80 && IsAlnum(static_cast<char>(p_[t - 1]))) --t;
        const bool cut = t > lo && p_[t - 1] == '*';
        if (IsAlpha(static_cast<char>(p_[t])) && !cut) {  // "IMEI1:" is a label, not a value
          to = t;
          continue;
        }
        *masked_stop = cut;
      } else {
        *masked_stop = p_[q] == '*';
      }
      lo = q + 1;
      // What a mask kept of its value ("蒙q***qq") is part of the value, no
      // keyword: the window starts after it.
      if (*masked_stop) {
        while (lo < begin && p_[lo] < 0x80 && IsAlnum(static_cast<char>(p_[lo]))) ++lo;
      }
      break;
    }
    // A redaction label stops the window as the value it replaced would
    // have (a number, for most types): a second pass must not read past it
    // to a keyword the first pass never reached. But the value may have been
    // a word the window read through ("宁qqqee0", a plate), so keywords that
    // sink a value are looked for beyond it, as beyond a '*'.
    if (const std::vector<std::pair<size_t, size_t>>& labels = Labels(); !labels.empty()) {
      auto it = std::upper_bound(labels.begin(), labels.end(), std::pair<size_t, size_t>(begin, 0));
      // (Or had stopped at it already: a vault token that ends in a digit
      // stops the window as a number, right at its end.)
      if (it != labels.begin() && std::prev(it)->second >= lo) {
        lo = std::prev(it)->second;
        *masked_stop = true;
      }
    }
    return lo;
  }
  // WindowEnd's stop at a '*' (and not at the window's size), else SIZE_MAX.
  // The window then ends before the word the '*' is in: what a mask kept of
  // its value is no keyword.
  // A stop at a redaction label counts as one at a '*' (what it replaced
  // may not have stopped the window), without the word before it.
  size_t MaskedWindowEnd(size_t end, size_t* stop) const {
    if (*stop < n_ && *stop < end + kAfterWindow && LabelStartsAt(*stop)) return *stop;
    if (*stop >= n_ || p_[*stop] != '*' || *stop >= end + kAfterWindow) return SIZE_MAX;
    const size_t at = *stop;
    while (*stop > end && p_[*stop - 1] < 0x80 && IsAlnum(static_cast<char>(p_[*stop - 1]))) --*stop;
    return at;
  }
  // Where the last line in [start, begin) begins: after its last line
  // break, or at `start` when there is none.
  size_t LineStartIn(size_t start, size_t begin) const {
    const void* nl = start < begin ? ::memrchr(p_ + start, '\n', begin - start) : nullptr;
    return nl == nullptr ? start : static_cast<size_t>(static_cast<const uint8_t*>(nl) - p_) + 1;
  }
  // Does a text at `begin` head a line: at its start, or after '[' or a '('
  // that starts it?
  bool HeadsLogLine(size_t begin) const {
    return begin == 0 || p_[begin - 1] == '\n' || p_[begin - 1] == '[' ||
           (p_[begin - 1] == '(' && (begin == 1 || p_[begin - 2] == '\n'));
  }
  // Is the date at [begin, end) the head of a chat or call log line: at the
  // start of a line (or after '['), followed by a time of day, as in
  // "[2024-02-15 17:18:00] 客户：…"?
  bool LogTimestampAt(size_t begin, size_t end) const {
    if (!HeadsLogLine(begin) || end + 5 > n_ || (p_[end] != ' ' && p_[end] != 'T')) return false;
    size_t q = end + 1;
    const size_t hour = q;
    while (q < n_ && q - hour < 3 && IsDigit(static_cast<char>(p_[q]))) ++q;
    return q > hour && q - hour <= 2 && q + 2 < n_ && p_[q] == ':' && IsDigit(static_cast<char>(p_[q + 1])) &&
           IsDigit(static_cast<char>(p_[q + 2]));
  }

  size_t WindowEnd(size_t end) const {
    if (end < n_ && internal::WindowStopAt(p_, n_, end)) return end;  // "，" or a line break right after the value
    const size_t stop = internal::FirstWindowStop(p_, n_, end, std::min(n_, end + kAfterWindow));
    // A redaction label stops it too (see WindowStart).
    if (const std::vector<std::pair<size_t, size_t>>& labels = Labels(); !labels.empty()) {
      auto it = std::lower_bound(labels.begin(), labels.end(), std::pair<size_t, size_t>(end, 0));
      if (it != labels.end() && it->first < stop) return it->first;
    }
    return stop;
  }

  // Each window depends on one end of the span only, so the sub-spans of
  // one number (which share a start or an end) reuse what was found.
  // Keywords in the window before that lie on an earlier line (the previous
  // turn of a chat without timestamps) are kept apart: a question there
  // ("请提供您的身份证号") labels the answer, but a negative keyword there
  // ("订单号") says nothing about a value on this line.
  void FindKeywords(size_t begin, size_t end) {
    if (begin != before_of_) {
      before_of_ = begin;
      hits_before_.clear();
      hits_earlier_line_.clear();
      sinks_before_.clear();
      earlier_sinks_.clear();
      bool masked_stop = false;
      const size_t start = WindowStart(begin, &masked_stop);
      const size_t line = LineStartIn(start, begin);
      if (line > start) KeywordsIn(start, line, &hits_earlier_line_, &earlier_sinks_);
      KeywordsIn(line, begin, &hits_before_, &sinks_before_);
      if (masked_stop && start == line) {
        // (To `begin`, not `start`: a keyword may straddle where the window
        // stopped, "@qq" in "q@qqaa***"; the negatives before `start` that
        // this counts again were counted already.)
        KeywordsIn(SinksBeyondMask(start, begin, false), begin, &sinks_before_, &sinks_before_);
      } else if (masked_stop) {
        // Stopped on an earlier line: its negatives beyond the mask still
        // veto its positives, as they did before the mask ("k@qq q***@…
        // qq\n5112511" was "k@qq q@… qq\n5112511").
        KeywordsIn(SinksBeyondMask(start, begin, false), line, &earlier_sinks_, &earlier_sinks_);
      }
    }
    if (end != after_of_) {
      after_of_ = end;
      hits_after_.clear();
      size_t stop = WindowEnd(end);
      const size_t star = MaskedWindowEnd(end, &stop);
      sinks_after_.clear();
      KeywordsIn(end, stop, &hits_after_, &sinks_after_);
      // (From `end`: a keyword may straddle the stop, as before.)
      if (star != SIZE_MAX) KeywordsIn(end, SinksBeyondMask(star, end, true), &sinks_after_, &sinks_after_);
    }
  }

  // A window that stopped at a masked character ('*') stops there for the
  // keywords that vouch for a value, as at a number; but what the mask hid
  // may have been letters, which did not stop the window, so the keywords
  // that sink a value are looked for further on, through '*' runs, to the
  // next number, delimiter or line break; up to kMaxMaskGrowth bytes of
  // those runs do not count against the window's size (a mask may be longer
  // than what it hid). A first pass that found a
  // value sunk by a keyword behind a word it then masked ("882222 q@qq.qq"
  // -> "q***@qq.qq", "晋qqqqqq@qq" -> "晋q***qq@qq") finds it sunk again.
  // Returns the other end of that stretch: `at` is where the window before
  // the span at `origin` began (after a '*') or where the window after the
  // span ending at `origin` stopped (at a '*').
  // A redaction label counts as such a run, all its bytes free (what it
  // replaced may have been one character).
  [[gnu::noinline]] size_t SinksBeyondMask(size_t at, size_t origin, bool after) const {
    const std::vector<std::pair<size_t, size_t>>& labels = Labels();
    if (after) {
      size_t budget_end = origin + kAfterWindow;
      size_t q = at, stop = at, credit = kMaxMaskGrowth;
      while (true) {
        const size_t run = q;
        while (q < n_ && p_[q] == '*') ++q;
        const size_t free = std::min(credit, q - run);
        credit -= free;
        budget_end = std::min(n_, budget_end + free);
        if (const auto* l = LabelStartingAt(labels, q)) {
          budget_end = std::min(n_, budget_end + (l->second - l->first));
          q = l->second;
          continue;
        }
        if (q >= budget_end) break;
        stop = internal::FirstWindowStop(p_, n_, q, budget_end);
        if (!labels.empty()) {
          auto it = std::lower_bound(labels.begin(), labels.end(), std::pair<size_t, size_t>(q, 0));
          if (it != labels.end() && it->first < stop) stop = it->first;
        }
        if (stop >= budget_end || (p_[stop] != '*' && LabelStartingAt(labels, stop) == nullptr)) break;
        q = stop;
      }
      return stop;
    }
    // Before: back from `at` (just after a '*', the window before the span
    // began there), on the same line, stopping where WindowStart would (a
    // number, a digit in a word that begins with a letter does not stop)
    // but not at a '*'.
    size_t stars = 0, label_bytes = 0, to = at, lo = at;
    size_t credited_from = SIZE_MAX;  // the labels starting here or later count for nothing already
    const auto limit = [&] {
      const size_t w = kBeforeWindow + std::min(kMaxMaskGrowth, stars) + label_bytes;
      return origin > w ? origin - w : 0;
    };
    const auto credit = [&](const std::pair<size_t, size_t>& l) {
      if (l.first >= credited_from) return;
      label_bytes += l.second - l.first;
      credited_from = l.first;
    };
    while (true) {
      while (to > limit() && p_[to - 1] == '*') {
        --to;
        ++stars;
      }
      if (const auto* l = LabelEndingAt(labels, to)) {
        credit(*l);
        to = l->first;
        continue;
      }
      // A label anywhere between the limit and `to` counts for nothing
      // either (what it replaced may have been one character).
      for (bool more = !labels.empty(); more;) {
        more = false;
        const size_t lim = limit();
        auto it = std::partition_point(labels.begin(), labels.end(),
                                       [lim](const std::pair<size_t, size_t>& l) { return l.second <= lim; });
        size_t lowest = SIZE_MAX;
        for (; it != labels.end() && it->first < to && it->first < credited_from; ++it) {
          label_bytes += it->second - it->first;
          lowest = std::min(lowest, it->first);
          more = true;
        }
        credited_from = std::min(credited_from, lowest);
      }
      const size_t lim = limit();
      if (to <= lim) {
        lo = std::min(to, at);
        break;
      }
      const size_t q = internal::LastNumberByte(p_, lim, to);
      if (q == SIZE_MAX) {
        lo = lim;
        break;
      }
      if (const auto* l = LabelCovering(labels, q)) {  // a digit in a label ("<CN_MOBILE_2>")
        credit(*l);
        to = std::min(to, l->first);
        continue;
      }
      if (p_[q] == '*') {
        to = q + 1;
        continue;
      }
      if (IsDigit(static_cast<char>(p_[q]))) {
        size_t t = q;
        while (t > lim && p_[t - 1] < 0x80 && (IsAlnum(static_cast<char>(p_[t - 1])) || p_[t - 1] == '*')) --t;
        // (A word that begins with a mask then a letter may have begun with
        // a letter or a Han character: "张*ebGL50…" was "张三ebGL50…".)
        size_t w = t;
        while (w < q && p_[w] == '*') ++w;
        if (IsAlpha(static_cast<char>(p_[w]))) {
          to = t;
          continue;
        }
      }
      lo = q + 1;
      break;
    }
    if (const void* nl = lo < at ? ::memrchr(p_ + lo, '\n', at - lo) : nullptr) {
      lo = static_cast<size_t>(static_cast<const uint8_t*>(nl) - p_) + 1;
    }
    return lo;
  }

  // ------------------------------------------------------------- overlaps
  // The first non-empty capturing group among the first eight (what the RE2
  // path takes), from the pattern's DFA when it can say exactly. Only after
  // FullMatch accepted v.
  static internal::ShapeMatcher::CaptureResult CaptureByShape(const Pattern& p, std::string_view v,
                                                              std::string_view* picked) {
    if (!p.shape || p.shape->num_captures() > 8) return internal::ShapeMatcher::CaptureResult::kUseRe2;
    return p.shape->FirstCaptureOfMatch(v, picked);  // Try has checked FullMatch
  }

  // Sorts [first, last), cheaply when it is nearly sorted: insertion sort,
  // with std::sort taking over if the elements turn out far from place.
  template <typename It>
  static void SortNearlySorted(It first, It last) {
    const auto budget = 8 * (last - first) + 64;
    std::ptrdiff_t moves = 0;
    for (It i = first; i != last && i + 1 != last; ++i) {
      if (!(*(i + 1) < *i)) continue;
      auto v = *(i + 1);
      It j = i + 1;
      while (j != first && v < *(j - 1)) {
        *j = *(j - 1);
        --j;
        if (++moves > budget) {
          *j = v;
          std::sort(first, last);
          return;
        }
      }
      *j = v;
    }
  }

  std::vector<Finding> Resolve(bool cover) {
    // Greedy: longest, then most confident, then highest priority, then
    // leftmost (then first found) wins; a candidate overlapping one already
    // chosen is dropped. A candidate can only clash with candidates of its
    // own cluster (a maximal chain of overlapping spans), so each cluster is
    // resolved on its own and the common lone candidate costs no sort.
    // With `cover`, a cluster yields one finding: its first winner, spanning
    // the whole cluster.
    auto Wins = [&](size_t x, size_t y) {
      const Candidate& a = cands_[x];
      const Candidate& b = cands_[y];
      size_t la = a.end - a.begin, lb = b.end - b.begin;
      if (la != lb) return la > lb;
      if (a.confidence != b.confidence) return a.confidence > b.confidence;
      if (a.pattern->priority != b.pattern->priority) return a.pattern->priority > b.pattern->priority;
      if (a.begin != b.begin) return a.begin < b.begin;
      return x < y;
    };
    // Candidates by (begin, discovery order). Each pass finds them in nearly
    // ascending order (a segment's extractors step back a little), so the
    // passes' runs are put in order by insertion and then merged.
    // (Member buffers: a reused scanner keeps their capacity.)
    std::vector<std::pair<size_t, size_t>>& order = order_;
    order.resize(cands_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = {cands_[i].begin, i};
    size_t run_begin = 0;
    for (size_t run_end : {pass_end_[0], pass_end_[1], order.size()}) {
      run_end = std::clamp(run_end, run_begin, order.size());
      SortNearlySorted(order.begin() + static_cast<std::ptrdiff_t>(run_begin),
                       order.begin() + static_cast<std::ptrdiff_t>(run_end));
      std::inplace_merge(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(run_begin),
                         order.begin() + static_cast<std::ptrdiff_t>(run_end));
      run_begin = run_end;
    }
    std::vector<size_t>& by_begin = by_begin_;
    by_begin.resize(order.size());
    for (size_t i = 0; i < order.size(); ++i) by_begin[i] = order[i].second;
    // Candidates a negative keyword in another's span sank (Revive).
    if (!sunk_.empty()) Revive(&order, &by_begin);
    std::vector<size_t>& chosen_idx = chosen_;
    chosen_idx.clear();
    std::vector<size_t>& cluster = cluster_;
    std::vector<size_t>& kept = kept_;
    for (size_t at = 0; at < by_begin.size();) {
      size_t stop = at + 1;
      size_t reach = cands_[by_begin[at]].end;
      while (stop < by_begin.size() && cands_[by_begin[stop]].begin < reach) {
        reach = std::max(reach, cands_[by_begin[stop]].end);
        ++stop;
      }
      if (stop == at + 1) {
        chosen_idx.push_back(by_begin[at]);
      } else {
        cluster.assign(by_begin.begin() + static_cast<std::ptrdiff_t>(at), by_begin.begin() + static_cast<std::ptrdiff_t>(stop));
        std::sort(cluster.begin(), cluster.end(), Wins);
        if (cover) {
          covered_.push_back({cluster[0], cands_[by_begin[at]].begin, reach, LoserInKeptPart(cluster)});
          chosen_idx.push_back(cluster[0]);
          at = stop;
          continue;
        }
        kept.clear();
        for (size_t idx : cluster) {
          const Candidate& c = cands_[idx];
          bool clash = std::any_of(kept.begin(), kept.end(), [&](size_t k) {
            return cands_[k].begin < c.end && c.begin < cands_[k].end;
          });
          if (!clash) kept.push_back(idx);
        }
        std::sort(kept.begin(), kept.end(), [&](size_t x, size_t y) { return cands_[x].begin < cands_[y].begin; });
        chosen_idx.insert(chosen_idx.end(), kept.begin(), kept.end());
      }
      at = stop;
    }
    std::vector<Finding> out;
    out.reserve(chosen_idx.size());
    for (size_t idx : chosen_idx) {
      Candidate& c = cands_[idx];
      Finding f;
      f.type = c.pattern->type;
      f.begin = c.begin;
      f.end = c.end;
      f.confidence = c.confidence;
      f.normalized = std::move(c.normalized);
      f.validated_by = c.validated_by;
      f.masked_as = c.pattern->masked_as;
      out.push_back(std::move(f));
    }
    // Clusters covered whole (cover): in begin order, as chosen_idx is.
    size_t next_cover = 0;
    for (size_t k = 0; k < out.size() && next_cover < covered_.size(); ++k) {
      if (chosen_idx[k] != covered_[next_cover].winner) continue;
      Finding& f = out[k];
      const Covered& c = covered_[next_cover++];
      if (f.begin != c.begin || f.end != c.end || c.loser_in_kept_part) f.normalized.clear();  // not the value alone
      f.begin = c.begin;
      f.end = c.end;
    }
    covered_.clear();
    return out;
  }

  // Resolve with `cover`: the clusters to widen (winner's index in cands_).
  // `loser_in_kept_part`: see LoserInKeptPart.
  struct Covered {
    size_t winner, begin, end;
    bool loser_in_kept_part;
  };

  // Does a losing candidate of the cluster (winner first) reach into the
  // part of the winner that its type's mask keeps: an e-mail's domain
  // ("4aaa@aaQQQ0aaaeta.111894111.note" holds a QQ number)? Then the
  // redactor must mask the span whole, or a second pass finds the loser.
  // (The digits that ID, phone and card masks keep are handled where digit
  // runs are read: see KeptByMask.)
  bool LoserInKeptPart(const std::vector<size_t>& cluster) const {
    const Candidate& w = cands_[cluster[0]];
    if (w.pattern->type == EntityType::kCnLandline) {
      // The landline mask keeps an extension (redact/mask.cc):
      // "02144422222分机11110" -> "021****2222分机11110", with a QQ number.
      const std::string_view raw(reinterpret_cast<const char*>(p_ + w.begin), w.end - w.begin);
      const size_t at = internal::LandlineExtensionAt(raw);
      if (at == std::string_view::npos) return false;
      // (A loser wholly inside it: one that straddles the number is cut
      // by the mask, and spoken numbers with an extension, "**** 四七七八
      // 转四四六二", keep theirs.)
      return std::any_of(cluster.begin() + 1, cluster.end(), [&](size_t k) { return cands_[k].begin >= w.begin + at; });
    }
    if (w.pattern->type != EntityType::kEmail) return false;
    const void* at = std::memchr(p_ + w.begin, '@', w.end - w.begin);
    if (at == nullptr) return false;
    const size_t domain = static_cast<size_t>(static_cast<const uint8_t*>(at) - p_);
    return std::any_of(cluster.begin() + 1, cluster.end(), [&](size_t k) { return cands_[k].end > domain; });
  }
  std::vector<Covered> covered_;

  const Engine* impl_ = nullptr;
  const uint8_t* p_ = nullptr;
  size_t n_ = 0;
  Segment seg_;
  std::vector<Group> groups_;
  std::string value_;
  std::vector<const Pattern*> labelled_;  // AnchorAt: patterns whose anchor precedes the colon
  std::string upper_;
  std::string joined_;
  std::vector<Candidate> cands_;
  // Candidates of the tail characters while ScanHan sweeps (see there).
  std::vector<Candidate> tail_cands_;
  bool to_tail_cands_ = false;
  size_t pass_end_[2] = {0, 0};  // cands_ found by the ASCII and numeral passes end here
  // The span starts and ends hits_before_ and hits_after_ were found for.
  size_t before_of_ = SIZE_MAX, after_of_ = SIZE_MAX;
  // Which Reset this is: memo entries and cursors of another generation are
  // treated as empty (no loop over them per text).
  uint64_t generation_ = 0;
  struct RejectMemo {
    uint64_t generation = 0;
    uint64_t hash = 0;
    const Pattern* pattern = nullptr;
    std::string value;
  };
  static constexpr size_t kMemoSlots = 64;
  static constexpr size_t kKeptCandidates = 4096;
  std::array<RejectMemo, kMemoSlots> memo_;
  // The last chat-timestamp date Timestamp() tried, and the patterns (with
  // whether as a token) whose regex accepted it, in the order tried. Kept
  // from one text to the next while the Detector is the same.
  struct TimestampMemo {
    uint64_t engine = 0;  // Engine::id of the patterns in `passed`
    std::string date;     // as written, "2024-02-15"
    bool left_ok = false;
    char digits[8] = {};
    size_t digit_count = 0;
    std::vector<std::pair<const Pattern*, bool>> passed;
  } ts_memo_;
  // While set, Try appends each pattern whose regex accepts the value.
  std::vector<std::pair<const Pattern*, bool>>* shape_passed_ = nullptr;
  bool shape_passed_as_token_ = false;
  struct CursorSlot {
    internal::KeywordPrefilter::Cursor cursor;
    uint64_t generation = 0;
  };
  std::vector<CursorSlot> cursors_;  // one per impl_->prefilters
  std::vector<uint32_t> hits_before_, hits_after_;
  std::vector<uint32_t> hits_earlier_line_;  // the window before, on earlier lines
  // Keywords beyond a masked character (SinksBeyondMask) before and after
  // the span: only their negative weights count.
  std::vector<uint32_t> sinks_before_, sinks_after_;
  // The same on the earlier lines of the window before: they veto its
  // positives (beyond a mask; in an e-mail domain, KeywordsIn).
  std::vector<uint32_t> earlier_sinks_;
  std::vector<uint32_t> domain_hits_;  // MoveToSinks
  mutable std::vector<std::pair<size_t, size_t>> domains_;  // EmailDomains()
  mutable uint64_t domains_generation_ = 0;
  size_t domain_hint_ = 0;  // KeywordsIn
  // Candidates a negative keyword sank, and the merged spans of the others
  // (Revive).
  std::vector<Sunk> sunk_;
  std::vector<std::pair<size_t, size_t>> spans_;
  mutable std::vector<std::pair<size_t, size_t>> labels_;  // Labels()
  bool chinese_labels_ = false;                              // look for [手机号] too,
  bool vault_tokens_ = false;                                // tok_mob_…,
  const std::vector<std::string>* custom_labels_ = nullptr;  // and these (RedactionLabels::custom)
  bool any_byte_labels_ = false;  // labels that may start or end with other bytes than <>[]
  mutable uint64_t labels_generation_ = 0;
  std::string normalized_;  // Try's value being validated
  // Resolve's work lists.
  std::vector<std::pair<size_t, size_t>> order_;
  std::vector<size_t> by_begin_, chosen_, cluster_, kept_;
};

}  // namespace

Detector::Detector(std::unique_ptr<const Impl> impl) : impl_(std::move(impl)) {}
Detector::Detector(Detector&&) noexcept = default;
Detector& Detector::operator=(Detector&&) noexcept = default;
Detector::~Detector() = default;

absl::StatusOr<Detector> Detector::Create(const DetectorOptions& options) {
  if (!(options.min_confidence >= 0 && options.min_confidence <= 1)) {
    return absl::InvalidArgumentError("min_confidence must be in [0, 1]");
  }
  std::vector<internal::PatternFile> files;
  if (options.use_builtin_patterns) {
    PIIVAULT_ASSIGN_OR_RETURN(files, internal::LoadBuiltinPatternFiles());
  }
  for (const std::string& path : options.pattern_files) {
    PIIVAULT_ASSIGN_OR_RETURN(std::string contents, internal::ReadFile(path, size_t{16} << 20));
    PIIVAULT_ASSIGN_OR_RETURN(internal::PatternFile pf, internal::ParsePatternFile(path, contents));
    // A user file replaces the built-in family of the same name.
    files.erase(std::remove_if(files.begin(), files.end(),
                               [&](const internal::PatternFile& f) { return f.family == pf.family; }),
                files.end());
    files.push_back(std::move(pf));
  }
  auto impl = std::make_unique<Impl>();
  static std::atomic<uint64_t> next_id{1};
  impl->id = next_id.fetch_add(1, std::memory_order_relaxed);
  impl->options = options;
  for (internal::PatternFile& f : files) {
    for (Pattern& p : f.patterns) {
      if (!options.types.empty() &&
          std::find(options.types.begin(), options.types.end(), p.type) == options.types.end()) {
        continue;
      }
      p.validated_by = ValidatorLabel(p.validator_name);
      impl->owned.push_back(std::make_unique<Pattern>(std::move(p)));
    }
  }
  absl::flat_hash_map<std::string, uint32_t> keyword_ids;
  std::vector<std::string> keyword_texts;
  for (auto& up : impl->owned) {
    for (std::vector<Keyword>* list : {&up->positive, &up->negative, &up->negative_after}) {
      for (Keyword& k : *list) {
        if (k.text.size() < 2) return absl::InvalidArgumentError(
            absl::StrCat(up->file, ":", up->line, ": keywords must be at least 2 bytes"));
        auto [it, fresh] = keyword_ids.try_emplace(k.text, static_cast<uint32_t>(keyword_texts.size()));
        if (fresh) keyword_texts.push_back(k.text);
        k.id = it->second;
      }
    }
  }
  for (auto& up : impl->owned) {
    for (auto [list, by_id] : {std::pair{&up->positive, &up->positive_by_id}, std::pair{&up->negative, &up->negative_by_id},
                               std::pair{&up->negative_after, &up->negative_after_by_id}}) {
      by_id->assign(keyword_texts.size(), 0.0f);
      for (const Keyword& k : *list) (*by_id)[k.id] = std::max((*by_id)[k.id], k.weight);
    }
  }
  impl->keywords = internal::KeywordIndex(std::move(keyword_texts));
  for (auto& up : impl->owned) {
    if (up->positive.empty()) continue;
    std::vector<std::string> texts;
    for (const Keyword& k : up->positive) texts.push_back(k.text);
    internal::KeywordPrefilter filter(texts);
    if (!filter.usable()) continue;
    up->positive_prefilter = static_cast<int>(impl->prefilters.size());
    impl->prefilters.push_back(std::move(filter));
  }
  size_t max_anchor = 0;
  for (const auto& up : impl->owned) {
    const Pattern* p = up.get();
    switch (p->extractor) {
      case Extractor::kDigits:
        impl->digits.push_back(p);
        impl->digits_min = std::min(impl->digits_min, p->min_length);
        impl->digits_max = std::max(impl->digits_max, p->max_length);
        break;
      case Extractor::kToken:
        impl->tokens.push_back(p);
        impl->tokens_min = std::min(impl->tokens_min, p->min_length);
        impl->tokens_max = std::max(impl->tokens_max, p->max_length);
        break;
      case Extractor::kEmail: impl->emails.push_back(p); break;
      case Extractor::kColonHex: impl->colon_hex.push_back(p); break;
      case Extractor::kDecimalPair: impl->decimal_pairs.push_back(p); break;
      case Extractor::kCnDate: impl->cn_dates.push_back(p); break;
      case Extractor::kPlate: impl->plates.push_back(p); break;
      case Extractor::kAnchorName:
      case Extractor::kAnchorAddress:
        impl->anchored.push_back(p);
        for (const std::string& a : p->bare_anchors) {
          max_anchor = std::max(max_anchor, a.size());
          const size_t t = a.size();  // >= 6, ends with a 3-byte character (pattern_set.cc)
          uint32_t tail = uint32_t{static_cast<uint8_t>(a[t - 3])} << 16 |
                          uint32_t{static_cast<uint8_t>(a[t - 2])} << 8 | static_cast<uint8_t>(a[t - 1]);
          if (std::find(impl->tails.begin(), impl->tails.end(), tail) == impl->tails.end()) {
            impl->tails.push_back(tail);
          }
        }
        for (const std::string& a : p->anchors) {
          max_anchor = std::max(max_anchor, a.size());
          size_t t = a.size();
          if (t == 0) continue;
          size_t s = internal::CharStart(reinterpret_cast<const uint8_t*>(a.data()), t - 1);
          uint32_t tail = 0;
          for (size_t q = s; q < t; ++q) tail = (tail << 8) | static_cast<uint8_t>(a[q]);
          if (std::find(impl->anchor_tails.begin(), impl->anchor_tails.end(), tail) == impl->anchor_tails.end()) {
            impl->anchor_tails.push_back(tail);
          }
        }
        break;
    }
    for (const Keyword& k : p->positive) {
      if (k.text.size() > 12 ||
          !std::all_of(k.text.begin(), k.text.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
        continue;
      }
      std::vector<std::string>& same_length = impl->glue_by_length[k.text.size()];
      if (std::find(same_length.begin(), same_length.end(), k.text) == same_length.end()) same_length.push_back(k.text);
    }
    impl->max_finding = std::max(impl->max_finding, p->MaxSpanBytes());
  }
  if (!impl->cn_dates.empty()) impl->tails.push_back(0xE5B9B4);  // 年
  if (!impl->decimal_pairs.empty()) {
    impl->tails.push_back(0xE7BAAC);  // 纬
    impl->tails.push_back(0xE7BB8F);  // 经
  }
  std::sort(impl->tails.begin(), impl->tails.end());
  impl->tails.erase(std::unique(impl->tails.begin(), impl->tails.end()), impl->tails.end());
  impl->anchors_by_tail.resize(impl->anchor_tails.size());
  impl->anchor_tail_index = CharIndex(impl->anchor_tails);
  impl->tail_index = CharIndex(impl->tails);
  for (uint32_t t : impl->tails) {
    const uint8_t bytes[3] = {static_cast<uint8_t>(t >> 16), static_cast<uint8_t>(t >> 8), static_cast<uint8_t>(t)};
    impl->numeral_tails |= internal::IsChineseNumeral(bytes, 3, 0);
  }
  for (const Pattern* p : impl->anchored) {
    for (const std::string& a : p->anchors) {
      if (a.empty()) continue;
      size_t s = internal::CharStart(reinterpret_cast<const uint8_t*>(a.data()), a.size() - 1);
      uint32_t tail = 0;
      for (size_t q = s; q < a.size(); ++q) tail = (tail << 8) | static_cast<uint8_t>(a[q]);
      size_t at = static_cast<size_t>(std::find(impl->anchor_tails.begin(), impl->anchor_tails.end(), tail) -
                                      impl->anchor_tails.begin());
      impl->anchors_by_tail[at].emplace_back(a, p);
    }
  }
  {
    std::vector<std::string> tail_texts;
    for (uint32_t t : impl->tails) {
      tail_texts.push_back({static_cast<char>(t >> 16), static_cast<char>(t >> 8), static_cast<char>(t)});
    }
    if (!impl->digits.empty()) {
      const std::vector<std::string>& numerals = internal::ChineseNumerals();
      tail_texts.insert(tail_texts.end(), numerals.begin(), numerals.end());
    }
    // The built-in patterns need 24 prefixes; patterns a user adds may need
    // up to the SIMD form's 32 before the filter passes every position.
    // Sharing buckets by the second byte, their 24 prefixes fit two tables
    // (13 second bytes), at ~10% more positions to check on chat text.
    impl->han_filter =
        internal::KeywordPrefilter(tail_texts, internal::KeywordPrefilter::kMaxSimdPrefixes, /*share_first_byte=*/true);
  }
  impl->bare_by_tail.resize(impl->tails.size());
  for (const Pattern* p : impl->anchored) {
    for (const std::string& a : p->bare_anchors) {
      const size_t t = a.size();
      uint32_t tail = uint32_t{static_cast<uint8_t>(a[t - 3])} << 16 |
                      uint32_t{static_cast<uint8_t>(a[t - 2])} << 8 | static_cast<uint8_t>(a[t - 1]);
      size_t at = static_cast<size_t>(std::find(impl->tails.begin(), impl->tails.end(), tail) - impl->tails.begin());
      uint32_t before = uint32_t{static_cast<uint8_t>(a[t - 6])} << 16 |
                        uint32_t{static_cast<uint8_t>(a[t - 5])} << 8 | static_cast<uint8_t>(a[t - 4]);
      impl->bare_by_tail[at].push_back({a, p, before});
    }
  }
  impl->timestamp_fast_path =
      impl->digits_min > 2 && impl->tokens_min > 2 &&
      std::none_of(impl->anchor_tails.begin(), impl->anchor_tails.end(),
                   [](uint32_t t) { return (t & 0xFF) >= '0' && (t & 0xFF) <= '9'; });
  if (!impl->tokens.empty()) impl->tokens_by_length.resize(impl->tokens_max + 1);
  for (const Pattern* p : impl->tokens) {
    for (size_t len = p->min_length; len <= p->max_length; ++len) impl->tokens_by_length[len].push_back(p);
  }
  impl->digits_by_length.resize(impl->digits_max + 2);
  impl->digits_raw_by_length.resize(impl->digits_max + 2);
  for (const Pattern* p : impl->digits) {
    auto& buckets = p->value_raw ? impl->digits_raw_by_length : impl->digits_by_length;
    for (size_t len = std::max<size_t>(p->min_length, 1); len <= p->max_length && len < buckets.size(); ++len) {
      buckets[len].push_back(p);
    }
  }
  // Everything that can change a finding lies within this many bytes of it:
  // keyword windows, the anchor keyword + colon + spaces before a value, the
  // lookahead that decides where a name ends, and the look-behind that
  // decides whether text before an '@' is too long to be a local part (the
  // '@' of an address that contains this finding's start).
  impl->context_window = std::max({kBeforeWindow + kMaxMaskGrowth, kAfterWindow + kMaxMaskGrowth, max_anchor + 3 + 9,
                                   kNameLookahead * 3 + 3, kMaxEmailLocal + 2});
  return Detector(std::move(impl));
}

absl::StatusOr<std::vector<Finding>> Detector::Scan(std::string_view text) const {
  return ScanImpl(text, false, nullptr);
}

absl::StatusOr<std::vector<Finding>> Detector::ScanCovering(std::string_view text) const {
  return ScanImpl(text, true, nullptr);
}

absl::StatusOr<std::vector<Finding>> Detector::ScanCovering(std::string_view text,
                                                            const RedactionLabels& labels) const {
  return ScanImpl(text, true, &labels);
}

absl::StatusOr<std::vector<Finding>> Detector::ScanImpl(std::string_view text, bool cover,
                                                        const RedactionLabels* labels) const {
  if (text.size() > impl_->options.max_input_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("input is ", text.size(),
                                                   " bytes; limit is ", impl_->options.max_input_bytes));
  }
  // One Scanner per thread, reused (its buffers keep their capacity); a
  // Scan that somehow runs inside another on the same thread gets its own.
  thread_local Scanner reused;
  thread_local bool in_use = false;
  if (in_use) {
    Scanner scanner;
    scanner.Reset(*impl_, text, labels);
    return scanner.Run(cover);
  }
  struct InUse {
    InUse() { in_use = true; }
    ~InUse() { in_use = false; }
  } guard;
  reused.Reset(*impl_, text, labels);
  return reused.Run(cover);
}

size_t Detector::max_finding_bytes() const { return impl_->max_finding; }
size_t Detector::context_window_bytes() const { return impl_->context_window; }

}  // namespace piivault
