// Test helpers for the redact component: a small, strictly local fake
// detector (so chunking properties can be tested independently of the real
// engine's quality) and transcript generators.
#ifndef PIIVAULT_TESTS_REDACT_TEST_UTIL_H_
#define PIIVAULT_TESTS_REDACT_TEST_UTIL_H_

#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "detect/detector_test_util.h"
#include "gtest/gtest.h"
#include "piivault/detector.h"
#include "piivault/vault.h"
#include "vault/vault_test_util.h"

namespace piivault::redact_test {

// One Detector with the built-in patterns, shared by the tests of a binary.
inline const Detector& TheDetector() {
  return test::BuiltinDetector();
}

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Finds maximal ASCII digit runs (a single space or '-' may separate groups):
// 11 digits starting with 1 -> CN_MOBILE, 18 (or 17 + X) -> CN_RESIDENT_ID,
// 16/19 -> BANK_CARD; a run with '*' inside a digit group of total length 11
// -> MASKED. Confidence 0.9 if "手机" or "卡号" or "身份证" occurs within 24
// bytes before the value, else 0.6. "姓名：" + 2 or 3 CJK characters ->
// PERSON_NAME. Findings depend only on bytes within 24 bytes of the value.
inline constexpr size_t kFakeMaxFinding = 40;
inline constexpr size_t kFakeContext = 24;

inline std::vector<Finding> FakeScan(std::string_view t) {
  std::vector<Finding> out;
  size_t i = 0;
  auto ctx_conf = [&](size_t b) {
    size_t from = b >= kFakeContext ? b - kFakeContext : 0;
    std::string_view ctx = t.substr(from, b - from);
    for (std::string_view kw : {"手机", "卡号", "身份证"})
      if (ctx.find(kw) != std::string_view::npos) return 0.9f;
    return 0.6f;
  };
  while (i < t.size()) {
    if (t.compare(i, 9, "姓名：") == 0) {
      size_t j = i + 9, n = 0;
      while (n < 3 && j + 3 <= t.size() && static_cast<unsigned char>(t[j]) >= 0xE4 &&
             static_cast<unsigned char>(t[j]) <= 0xE9) {
        j += 3;
        ++n;
      }
      if (n >= 2) {
        Finding f;
        f.type = EntityType::kPersonName;
        f.begin = i + 9;
        f.end = j;
        f.confidence = 0.8f;
        f.normalized = std::string(t.substr(f.begin, f.end - f.begin));
        out.push_back(f);
        i = j;
        continue;
      }
    }
    bool starts = (IsDigit(t[i]) || t[i] == '*') &&
                  (i == 0 || !(IsDigit(t[i - 1]) || t[i - 1] == '*' || t[i - 1] == 'X')) &&
                  !(i >= 2 && (t[i - 1] == ' ' || t[i - 1] == '-') && IsDigit(t[i - 2]));
    if (!starts) {
      ++i;
      continue;
    }
    size_t j = i;
    std::string norm;
    bool star = false;
    while (j < t.size()) {
      if (IsDigit(t[j]) || t[j] == '*' || (t[j] == 'X' && norm.size() == 17)) {
        star |= t[j] == '*';
        norm.push_back(t[j]);
        ++j;
      } else if ((t[j] == ' ' || t[j] == '-') && j + 1 < t.size() && IsDigit(t[j + 1]) && !norm.empty()) {
        ++j;
      } else {
        break;
      }
    }
    if (j - i > kFakeMaxFinding) {  // too long for any value: nothing here
      i = j;
      continue;
    }
    Finding f;
    f.begin = i;
    f.end = j;
    f.confidence = ctx_conf(i);
    f.normalized = norm;
    if (star && norm.size() == 11) {
      f.type = EntityType::kMasked;
      f.masked_as = EntityType::kCnMobile;
    } else if (star) {
      i = j;
      continue;
    } else if (norm.size() == 11 && norm[0] == '1') {
      f.type = EntityType::kCnMobile;
    } else if (norm.size() == 18) {
      f.type = EntityType::kCnResidentId;
    } else if (norm.size() == 16 || norm.size() == 19) {
      f.type = EntityType::kBankCard;
    } else {
      i = j;
      continue;
    }
    // Trailing separators are not part of the value.
    out.push_back(f);
    i = j;
  }
  return out;
}

inline absl::StatusOr<std::vector<Finding>> FakeScanOr(std::string_view t) { return FakeScan(t); }

inline std::string RandomDigits(std::mt19937_64& rng, size_t n, char first = 0) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + rng() % 10));
  if (first != 0 && n > 0) s[0] = first;
  return s;
}

// A synthetic customer-service transcript with mobiles, IDs, cards, names,
// masked values, emoji, full-width text and stray bytes.
inline std::string GenerateTranscript(uint64_t seed, size_t min_bytes, bool invalid_utf8 = false) {
  std::mt19937_64 rng(seed);
  static const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "欧阳"};
  static const char* kGiven[] = {"建国", "小红", "伟", "秀英", "明", "子涵"};
  std::string out;
  int line = 0;
  while (out.size() < min_bytes) {
    ++line;
    out += "[2026-03-14 09:" + std::to_string(10 + line % 50) + "] ";
    switch (rng() % 9) {
      case 0:
        out += "客户：手机号" + RandomDigits(rng, 11, '1') + "，谢谢😀";
        break;
      case 1: {
        std::string d = RandomDigits(rng, 11, '1');
        out += "客户：我的手机 " + d.substr(0, 3) + " " + d.substr(3, 4) + " " + d.substr(7) + "。";
        break;
      }
      case 2:
        out += "客户：身份证号" + RandomDigits(rng, 17, '3') + (rng() % 2 ? "X" : "7") + "，姓名：" +
               kSurnames[rng() % 6] + kGiven[rng() % 6];
        break;
      case 3:
        out += "客服：卡号是 " + RandomDigits(rng, 4, '6') + " " + RandomDigits(rng, 4) + " " +
               RandomDigits(rng, 4) + " " + RandomDigits(rng, 4) + " " + RandomDigits(rng, 3);
        break;
      case 4:
        out += "客服：您之前登记的号码是138****" + RandomDigits(rng, 4) + "吗？";
        break;
      case 5:
        out += "客户（语音转写）：订单号" + RandomDigits(rng, 14) + "，金额１２８.５０元";
        break;
      case 6:
        out += "客服小李：好的，请稍等，正在为您查询。";
        break;
      case 7:
        out += "客户：" + RandomDigits(rng, 11, '1') + "\n" + RandomDigits(rng, 11, '1');
        break;
      default:
        out += "客户：号码是" + RandomDigits(rng, 5 + rng() % 30);
        if (invalid_utf8) out += std::string("\xff\xc3(\xe4\xb8", 5);
        break;
    }
    out += "\n";
  }
  return out;
}

// Splits `text` into random chunks; sizes drawn from {1, small, large}.
inline std::vector<std::string_view> RandomChunks(std::string_view text, std::mt19937_64& rng,
                                                  size_t max_chunk) {
  std::vector<std::string_view> chunks;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t n;
    switch (rng() % 3) {
      case 0: n = 1; break;
      case 1: n = 1 + rng() % 16; break;
      default: n = 1 + rng() % max_chunk; break;
    }
    n = std::min(n, text.size() - pos);
    chunks.push_back(text.substr(pos, n));
    pos += n;
  }
  return chunks;
}

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
using ::piivault::testing_util::TempDir;

// A vault in a temp directory with the key passed as hex (no env, no file).
struct TestVault {
  TempDir tmp;
  std::optional<Vault> vault;
  explicit TestVault(const std::string& policy) {
    const std::string dir = tmp.path() + "/v";
    const std::string key(64, 'a');
    absl::Status st = Vault::Init({.dir = dir, .master_key_hex = key, .policy_toml = policy});
    EXPECT_TRUE(st.ok()) << st;
    absl::StatusOr<Vault> v = Vault::Open(
        {.dir = dir, .key = {.master_key_hex = key, .use_env = false}, .fsync_every_commit = false});
    EXPECT_TRUE(v.ok()) << v.status();
    if (v.ok()) vault.emplace(*std::move(v));
  }
};

}  // namespace piivault::redact_test

#endif  // PIIVAULT_TESTS_REDACT_TEST_UTIL_H_
