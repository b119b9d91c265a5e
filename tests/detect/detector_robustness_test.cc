// Pattern-file loading errors, user pattern files, thread safety, and
// property tests: random text with planted values, streaming-window
// semantics of max_finding_bytes() / context_window_bytes().
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "detect/checksum.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "piivault/detector.h"

namespace piivault {
namespace {

using ::testing::HasSubstr;

std::string WriteTemp(const std::string& name, const std::string& contents) {
  std::string path = std::string(PIIVAULT_BINARY_DIR) + "/detect_test_" + name;
  std::ofstream out(path, std::ios::binary);
  out << contents;
  return path;
}

constexpr char kGoodFile[] = R"(family = "custom_ids"
[[pattern]]
id = "employee_no"
type = "CUSTOM"
extractor = "token"
regex = 'EMP\d{6}'
uppercase = true
confidence = 0.8
min_length = 9
max_length = 9
match = ["工号EMP123456"]
no_match = ["EMP12345"]
)";

TEST(PatternFileErrors, SyntaxErrorNamesFileAndLine) {
  std::string path = WriteTemp("syntax.toml", "family = \"x\"\n\n[[pattern]]\nid = \"a\nfoo\n");
  absl::StatusOr<Detector> d = Detector::Create({.pattern_files = {path}});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("detect_test_syntax.toml:4"));
}

TEST(PatternFileErrors, SemanticErrorsNameTheLine) {
  struct Case {
    const char* body;
    const char* want;
  };
  const Case cases[] = {
      {"family = \"x\"\n[[pattern]]\nid = \"a\"\ntype = \"NOPE\"\nextractor = \"digits\"\nregex = 'a'\n", ":4: unknown entity type"},
      {"family = \"x\"\n[[pattern]]\nid = \"a\"\ntype = \"QQ\"\nextractor = \"digits\"\nregex = '(a'\n", ":6: bad regex"},
      {"family = \"x\"\n[[pattern]]\nid = \"a\"\ntype = \"QQ\"\nextractor = \"digits\"\nregex = 'a'\nvalidator = \"zzz\"\n", ":7: unknown validator"},
      {"family = \"x\"\n[[pattern]]\nid = \"a\"\ntype = \"QQ\"\nextractor = \"nope\"\nregex = 'a'\n", ":5: unknown extractor"},
      {"family = \"x\"\n[[pattern]]\nid = \"a\"\ntype = \"QQ\"\nextractor = \"digits\"\nregex = 'a'\nconfidence = 3\n", ":7: 'confidence' out of range"},
      {"family = \"x\"\n[[pattern]]\nid = \"a\"\ntype = \"QQ\"\nextractor = \"digits\"\nregex = 'a'\ncolour = 1\n", ":7: unknown key 'colour'"},
      {"family = \"x\"\n[[pattern]]\nid = \"a\"\nextractor = \"digits\"\nregex = 'a'\n", ":2: missing required key 'type'"},
      {"family = \"x\"\n[[pattern]]\nid = \"a\"\ntype = \"QQ\"\nextractor = \"digits\"\nregex = 'a'\npositive = { \"qq\" = 2 }\n", ":7: keyword weight"},
      {"family = \"x\"\n", "expected one or more [[pattern]]"},
  };
  for (const Case& c : cases) {
    std::string path = WriteTemp("semantic.toml", c.body);
    absl::StatusOr<Detector> d = Detector::Create({.pattern_files = {path}});
    ASSERT_FALSE(d.ok()) << c.body;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(d.status().message()), HasSubstr(c.want)) << c.body;
  }
}

TEST(PatternFileErrors, MissingFileIsNotFound) {
  absl::StatusOr<Detector> d = Detector::Create({.pattern_files = {"/nonexistent/x.toml"}});
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
}

TEST(PatternFileErrors, NothingHalfLoaded) {
  // A good file followed by a bad one: Create fails as a whole.
  std::string good = WriteTemp("good.toml", kGoodFile);
  std::string bad = WriteTemp("bad.toml", "family = \"y\"\n[[pattern]]\n");
  absl::StatusOr<Detector> d = Detector::Create({.pattern_files = {good, bad}});
  EXPECT_FALSE(d.ok());
}

TEST(UserPatterns, LoadedAndReplacingFamilies) {
  std::string good = WriteTemp("good.toml", kGoodFile);
  absl::StatusOr<Detector> d = Detector::Create({.pattern_files = {good}});
  ASSERT_TRUE(d.ok()) << d.status();
  absl::StatusOr<std::vector<Finding>> f = d->Scan("工号emp123456，手机13812345678");
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->size(), 2u);
  EXPECT_EQ((*f)[0].type, EntityType::kCustom);
  EXPECT_EQ((*f)[0].normalized, "EMP123456");

  // Same family name as the built-in phone file: it replaces it.
  std::string phone = WriteTemp("phone.toml", std::string(kGoodFile).replace(10, 11, "phone\""));
  absl::StatusOr<Detector> r = Detector::Create({.pattern_files = {phone}});
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<std::vector<Finding>> g = r->Scan("手机13812345678");
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g->empty());

  // Only user files.
  absl::StatusOr<Detector> only = Detector::Create({.use_builtin_patterns = false, .pattern_files = {good}});
  ASSERT_TRUE(only.ok());
  absl::StatusOr<std::vector<Finding>> h = only->Scan("工号EMP123456 身份证11010519491231002X");
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 1u);
}

// ------------------------------------------------------------ generators
struct Planted {
  std::string text;
  EntityType type;
  std::string normalized;
};

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::string Digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + Int(0, 9)));
    return s;
  }
  std::string ResidentId() {
    static const char* kRegions[] = {"110105", "320102", "440305", "510104", "650102", "330106"};
    std::string body = kRegions[Int(0, 5)];
    char date[16];
    std::snprintf(date, sizeof date, "%04d%02d%02d", Int(1950, 2010), Int(1, 12), Int(1, 28));
    body += date;
    body += Digits(3);
    return body + internal::ResidentIdCheckChar(body);
  }
  std::string Mobile() {
    static const char* kPrefixes[] = {"138", "139", "150", "186", "199", "166", "177", "191"};
    return std::string(kPrefixes[Int(0, 7)]) + Digits(8);
  }
  std::string Card() {
    std::string body = std::string("622202") + Digits(12);
    for (char c = '0'; c <= '9'; ++c) {
      if (internal::LuhnValid(body + c)) return body + c;
    }
    return body;
  }
  std::string Filler() {
    static const char* kWords[] = {"您好", "请问", "有什么可以帮您", "我想查一下", "好的", "稍等",
                                   "已经为您处理", "谢谢", "客服：", "客户：", "。", "，", "\n",
                                   "10:32:15 ", "金额 299 元", "第3次", "订单已发货", "收到"};
    return kWords[Int(0, 17)];
  }
  Planted Value() {
    switch (Int(0, 2)) {
      case 0: {
        std::string v = ResidentId();
        return {v, EntityType::kCnResidentId, v};
      }
      case 1: {
        std::string v = Mobile();
        return {v, EntityType::kCnMobile, v};
      }
      default: {
        std::string v = Card();
        return {v, EntityType::kBankCard, v};
      }
    }
  }

 private:
  std::mt19937 rng_;
};

TEST(Property, PlantedValuesFoundAtExactOffsets) {
  absl::StatusOr<Detector> d = Detector::Create({});
  ASSERT_TRUE(d.ok());
  Gen g(7);
  for (int round = 0; round < 300; ++round) {
    std::string text;
    struct Want {
      size_t begin, end;
      EntityType type;
      std::string norm;
    };
    std::vector<Want> want;
    int values = g.Int(1, 4);
    for (int v = 0; v < values; ++v) {
      for (int k = g.Int(1, 4); k > 0; --k) text += g.Filler();
      text += v % 2 ? "号码" : "：";
      Planted p = g.Value();
      want.push_back({text.size(), text.size() + p.text.size(), p.type, p.normalized});
      text += p.text;
      text += "，";
    }
    absl::StatusOr<std::vector<Finding>> f = d->Scan(text);
    ASSERT_TRUE(f.ok());
    for (const Want& w : want) {
      bool hit = false;
      for (const Finding& x : *f) {
        hit |= x.begin == w.begin && x.end == w.end && x.type == w.type && x.normalized == w.norm;
      }
      EXPECT_TRUE(hit) << "missing " << EntityTypeName(w.type) << " at " << w.begin << " in: " << text;
    }
  }
}

TEST(Property, RandomBytesKeepInvariants) {
  absl::StatusOr<Detector> d = Detector::Create({});
  ASSERT_TRUE(d.ok());
  std::mt19937 rng(11);
  const std::string alphabet[] = {"1", "3", "8", "0", "X", " ", "-", "\n", "@", ".", ":", "a", "F",
                                  "*", "一", "三", "幺", "两", "１", "：", "\xE3\x80\x80", "\xE2\x80\x8B",
                                  "\xFF", "\xE4", "姓名", "：", "身份证", "手机", "QQ", "京A"};
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    int len = std::uniform_int_distribution<int>(0, 80)(rng);
    for (int i = 0; i < len; ++i) text += alphabet[std::uniform_int_distribution<size_t>(0, std::size(alphabet) - 1)(rng)];
    absl::StatusOr<std::vector<Finding>> f = d->Scan(text);
    ASSERT_TRUE(f.ok());
    size_t prev_end = 0;
    for (const Finding& x : *f) {
      ASSERT_LT(x.begin, x.end);
      ASSERT_LE(x.end, text.size());
      ASSERT_GE(x.begin, prev_end);
      ASSERT_LE(x.end - x.begin, d->max_finding_bytes());
      prev_end = x.end;
    }
  }
}

// A streaming redactor sees a finding's bytes plus context_window_bytes()
// on each side: the same finding must come out of that window alone.
TEST(Property, FindingsAreDecidedWithinTheirWindow) {
  absl::StatusOr<Detector> d = Detector::Create({});
  ASSERT_TRUE(d.ok());
  const size_t ctx = d->context_window_bytes();
  Gen g(3);
  std::vector<std::string> texts = {
      "姓名：张三，电话：010-62345678转8021，收货地址：浙江省杭州市西湖区文三路90号3幢201室，"
      "身份证11010519491231002X 卡号6222 0252 6018 1590 832 邮箱zhang.san@example.com",
      "我的手机是一三八 幺二三四 五六七八，QQ 12345678，微信号：zhangsan_88，IMEI:861234007114716",
      "出生日期：1990年3月7日 车牌京A·12345 位置 39.9042, 116.4074 MAC 3C:22:FB:12:34:56",
  };
  for (int i = 0; i < 100; ++i) {
    std::string t;
    for (int k = 0; k < 12; ++k) {
      t += g.Filler();
      if (g.Int(0, 2) == 0) t += g.Value().text;
    }
    texts.push_back(t);
  }
  for (const std::string& text : texts) {
    absl::StatusOr<std::vector<Finding>> all = d->Scan(text);
    ASSERT_TRUE(all.ok());
    for (const Finding& f : *all) {
      EXPECT_LE(f.end - f.begin, d->max_finding_bytes());
      size_t lo = f.begin > ctx ? f.begin - ctx : 0;
      size_t hi = std::min(text.size(), f.end + ctx);
      absl::StatusOr<std::vector<Finding>> part = d->Scan(std::string_view(text).substr(lo, hi - lo));
      ASSERT_TRUE(part.ok());
      bool same = false;
      for (const Finding& p : *part) {
        same |= p.begin + lo == f.begin && p.end + lo == f.end && p.type == f.type &&
                p.normalized == f.normalized && p.confidence == f.confidence;
      }
      EXPECT_TRUE(same) << EntityTypeName(f.type) << " at " << f.begin << " not reproduced in its window of: " << text;
    }
  }
}

void ExpectScansFromOtherBytesAgree(const Detector& d, const std::string& text, const std::vector<size_t>& starts,
                                    const std::vector<Finding>& all);

// A stretch of text longer than one segment (4096 characters of ASCII with
// no Chinese character or line break: logs, CSV, encoded data) is scanned in
// overlapping pieces. Every value in it is found, wherever it falls
// relative to the pieces' cuts, and the same findings come out whichever
// byte the scan starts at (a stream's window, a second pass over masked
// output): a piece's cut used to depend on where the stretch began, and a
// value straddling it was lost.
TEST(Property, LongStretchesAreScannedLikeShortOnes) {
  absl::StatusOr<Detector> d = Detector::Create({});
  ASSERT_TRUE(d.ok());
  struct Unit {
    std::string before, value, after;
    EntityType type;
  };
  // Unit texts whose values are found on their own (a comma or a space on
  // each side), of lengths that put values across every offset of a cut.
  const std::vector<Unit> units = {
      {"a,", "1381234", ",", EntityType::kCnMobile},  // + 4 digits below
      {"tel ", "1391234", " ok ", EntityType::kCnMobile},
      {"id,", "11010519491231002X", ",", EntityType::kCnResidentId},
      {"mail ", "", " x,", EntityType::kEmail},
  };
  std::mt19937 rng(5);
  for (int variant = 0; variant < 3; ++variant) {
    std::string text;
    struct Want {
      size_t begin, end;
      EntityType type;
    };
    std::vector<Want> want;
    for (int i = 0; text.size() < 15000; ++i) {
      const Unit& u = units[std::uniform_int_distribution<size_t>(0, variant == 0 ? 0 : units.size() - 1)(rng)];
      std::string value = u.value;
      char digits[8];
      std::snprintf(digits, sizeof digits, "%04d", i % 10000);
      if (u.type == EntityType::kCnMobile) value += digits;
      if (u.type == EntityType::kEmail) value = std::string("user") + digits + "@example.com";
      text += u.before;
      want.push_back({text.size(), text.size() + value.size(), u.type});
      text += value;
      text += u.after;
      // Filler of random length shifts the values against the cuts.
      text += std::string(std::uniform_int_distribution<size_t>(0, 9)(rng), 'z') + ",";
    }
    absl::StatusOr<std::vector<Finding>> all = d->Scan(text);
    ASSERT_TRUE(all.ok());
    for (const Want& w : want) {
      bool hit = false;
      for (const Finding& f : *all) hit |= f.begin == w.begin && f.end == w.end && f.type == w.type;
      EXPECT_TRUE(hit) << "variant " << variant << ": " << EntityTypeName(w.type) << " at " << w.begin
                       << " not found in a stretch of " << text.size() << " bytes";
    }
    ExpectScansFromOtherBytesAgree(*d, text, {1, 333, 2047, 4095, 5000}, *all);
  }
  // A run of spoken digits longer than a segment (numerals and spaces).
  std::string run;
  std::vector<size_t> starts;
  const char* const numerals[] = {"一", "三", "八", "幺", "二", "四", "五", "六", "七", "两", "零", " "};
  for (size_t i = 0; run.size() < 30000; ++i) {
    if (i % 1700 == 5) starts.push_back(run.size());
    run += numerals[std::uniform_int_distribution<size_t>(0, std::size(numerals) - 1)(rng)];
    if (run.size() > 2 && run[run.size() - 1] == ' ' && run[run.size() - 2] == ' ') run.pop_back();
  }
  absl::StatusOr<std::vector<Finding>> all = d->Scan(run);
  ASSERT_TRUE(all.ok());
  ExpectScansFromOtherBytesAgree(*d, run, starts, *all);
}

// Scans of `text` from each of `starts` find what the scan of all of it
// found (`all`) among the findings they see with a context window's worth of
// text before them.
void ExpectScansFromOtherBytesAgree(const Detector& d, const std::string& text, const std::vector<size_t>& starts,
                                    const std::vector<Finding>& all) {
  const size_t margin = d.max_finding_bytes() + d.context_window_bytes();
  {
    for (size_t start : starts) {
      absl::StatusOr<std::vector<Finding>> part = d.Scan(std::string_view(text).substr(start));
      ASSERT_TRUE(part.ok());
      std::vector<std::pair<size_t, size_t>> expected, got;
      for (const Finding& f : all)
        if (f.begin >= start + margin) expected.emplace_back(f.begin, f.end);
      for (const Finding& f : *part)
        if (f.begin + start >= start + margin) got.emplace_back(f.begin + start, f.end + start);
      EXPECT_EQ(got, expected) << "scan from byte " << start << " of a stretch of " << text.size() << " bytes";
    }
  }
}

TEST(ThreadSafety, ManyThreadsOneDetector) {
  absl::StatusOr<Detector> d = Detector::Create({});
  ASSERT_TRUE(d.ok());
  const std::string text =
      "客户手机号13812345678，身份证11010519491231002X，卡号6222025260181590832，"
      "我的电话是一三八幺二三四五六七八，邮箱a@example.com，姓名：张三";
  absl::StatusOr<std::vector<Finding>> expected = d->Scan(text);
  ASSERT_TRUE(expected.ok());
  ASSERT_GE(expected->size(), 6u);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        absl::StatusOr<std::vector<Finding>> f = d->Scan(text);
        if (!f.ok() || f->size() != expected->size()) {
          ++mismatches[t];
          continue;
        }
        for (size_t k = 0; k < f->size(); ++k) {
          if ((*f)[k].begin != (*expected)[k].begin || (*f)[k].normalized != (*expected)[k].normalized) ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

// Scan reuses one scanner per thread. Whatever was scanned before on the
// thread (other texts, the same dates and values, another Detector, a text
// with many candidates), a text's findings are those a fresh thread gets.
TEST(ThreadSafety, ScannerReuseLeavesNoTrace) {
  absl::StatusOr<Detector> all = Detector::Create({});
  absl::StatusOr<Detector> phones = Detector::Create({.types = {EntityType::kCnMobile}, .min_confidence = 0.2f});
  // Takes chat timestamps down the fast path like `all`, with no pattern
  // that accepts their dates.
  absl::StatusOr<Detector> codes = Detector::Create({.types = {EntityType::kCnOrgCode}});
  ASSERT_TRUE(all.ok() && phones.ok() && codes.ok());
  const std::vector<std::string> texts = {
      "[2024-02-15 17:18:00] 客户：出生日期\n[2024-02-15 17:19:00] 客服：好的",
      "[2024-02-15 17:20:00] 客服：您好\n2024-02-15 9:05 生日",
      "手机号13812345678，身份证11010519491231002X",
      "订单号13812345678 卡号6222025260181590832",
      "我的电话是一三八幺二三四五六七八，qq 12345678",
      "姓名：张三，地址：北京市朝阳区建国路88号",
      std::string(3000, '1') + " 13812345678",
      "",
      "13812345678",
  };
  auto Fresh = [&](const Detector& d, const std::string& text) {
    absl::StatusOr<std::vector<Finding>> out;
    std::thread([&] { out = d.Scan(text); }).join();
    return out;
  };
  // Every (detector, text) after every other on this thread.
  std::vector<std::pair<const Detector*, const std::string*>> runs;
  for (const Detector* d : {&*all, &*phones, &*codes}) {
    for (const std::string& t : texts) runs.emplace_back(d, &t);
  }
  for (const auto& [before_d, before_text] : runs) {
    for (const auto& [d, text] : runs) {
      ASSERT_TRUE(before_d->Scan(*before_text).ok());
      absl::StatusOr<std::vector<Finding>> reused = d->Scan(*text);
      absl::StatusOr<std::vector<Finding>> fresh = Fresh(*d, *text);
      ASSERT_TRUE(reused.ok() && fresh.ok());
      ASSERT_EQ(reused->size(), fresh->size()) << before_text->substr(0, 60) << " then " << text->substr(0, 60);
      for (size_t k = 0; k < fresh->size(); ++k) {
        EXPECT_EQ((*reused)[k].begin, (*fresh)[k].begin);
        EXPECT_EQ((*reused)[k].end, (*fresh)[k].end);
        EXPECT_EQ((*reused)[k].type, (*fresh)[k].type);
        EXPECT_EQ((*reused)[k].normalized, (*fresh)[k].normalized);
        EXPECT_EQ((*reused)[k].confidence, (*fresh)[k].confidence);
      }
    }
  }
}

TEST(Limits, WindowFiguresAreComputedFromPatterns) {
  absl::StatusOr<Detector> d = Detector::Create({});
  ASSERT_TRUE(d.ok());
  EXPECT_GE(d->max_finding_bytes(), 11u * 3 + 2 * 3);  // spoken mobile with ideographic spaces
  EXPECT_GE(d->context_window_bytes(), 60u);
  absl::StatusOr<Detector> phones = Detector::Create({.types = {EntityType::kCnMobile}});
  ASSERT_TRUE(phones.ok());
  EXPECT_LT(phones->max_finding_bytes(), d->max_finding_bytes());
  // The longest spoken mobile with separators everywhere still fits.
  std::string spoken = "一\xE3\x80\x80三\xE3\x80\x80八\xE3\x80\x80幺\xE3\x80\x80二\xE3\x80\x80三\xE3\x80\x80四";
  spoken += "五六七八";
  absl::StatusOr<std::vector<Finding>> f = phones->Scan("手机" + spoken);
  ASSERT_TRUE(f.ok());
  for (const Finding& x : *f) EXPECT_LE(x.end - x.begin, phones->max_finding_bytes());
}

}  // namespace
}  // namespace piivault
