// Scan throughput on generated customer-service transcripts (Chinese chat
// with timestamps, order numbers, amounts, phone numbers, IDs, cards, spoken
// numerals), all types on, one core; and in the same binary the baseline the
// issue asks for: the same pattern regexes in one RE2::Set pass, then for
// each pattern that matched, RE2::FindAndConsume extraction plus the same
// validator. The ratio is the figure that matters.
//
//   build/<dir>/bench/piivault_detect_benchmark
#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "benchmark/benchmark.h"
#include "detect/checksum.h"
#include "detect/pattern_set.h"
#include "detect/text_scan.h"
#include "piivault/detector.h"
#include "re2/re2.h"
#include "re2/set.h"

namespace piivault {
namespace {

class TranscriptGen {
 public:
  // `timestamps`: start each line with "[2024-02-15 17:MM:SS] ";
  // `values`: let sentences carry numbers (else only the plain ones).
  // `only_kind` >= 0: every sentence of that kind (0-9 carry values, 10+
  // are plain).
  explicit TranscriptGen(uint32_t seed, bool timestamps = true, bool values = true, int only_kind = -1)
      : rng_(seed), timestamps_(timestamps), values_(values), only_kind_(only_kind) {}

  std::string Make(size_t bytes) {
    std::string out;
    out.reserve(bytes + 256);
    int minute = 0, second = 0;
    while (out.size() < bytes) {
      second += Int(3, 40);
      minute += second / 60;
      second %= 60;
      char ts[32];
      std::snprintf(ts, sizeof ts, "[2024-02-15 17:%02d:%02d] ", minute % 60, second);
      if (timestamps_) out += ts;
      out += Int(0, 1) ? "客服：" : "客户：";
      out += Sentence();
      out += "\n";
    }
    return out;
  }

 private:
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::string Digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + Int(0, 9)));
    return s;
  }
  std::string Mobile() { return std::string(kMobilePrefixes[Int(0, 7)]) + Digits(8); }
  std::string Id() {
    std::string body = std::string(kRegions[Int(0, 5)]) + std::to_string(Int(1950, 2005)) + "0" +
                       std::to_string(Int(1, 9)) + std::to_string(Int(10, 28)) + Digits(3);
    return body + internal::ResidentIdCheckChar(body);
  }
  std::string Card() {
    std::string body = "622202" + Digits(12);
    for (char c = '0'; c <= '9'; ++c) {
      if (internal::LuhnValid(body + c)) return body + c;
    }
    return body + "0";
  }
  std::string Spoken(const std::string& digits) {
    static const char* kNum[] = {"零", "幺", "二", "三", "四", "五", "六", "七", "八", "九"};
    std::string s;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i == 3 || i == 7) s += " ";
      s += kNum[digits[i] - '0'];
    }
    return s;
  }
  std::string Sentence() {
    static const char* kPlain[] = {
        "您好，很高兴为您服务，请问有什么可以帮您？", "好的，我这边帮您查询一下，请稍等。",
        "我买的东西到现在还没有收到，物流一直没有更新。", "非常抱歉给您带来不便，我们会尽快为您处理。",
        "这个问题我已经反馈给相关部门了，预计两个工作日内回复您。", "那我什么时候能收到退款呢？",
        "退款会原路返回，一般三到五个工作日到账。", "还有其他可以帮您的吗？", "没有了，谢谢。",
        "感谢您的耐心等待，祝您生活愉快！", "我想修改一下收货地址可以吗？", "可以的，请您提供一下新的地址。",
        "麻烦您核实一下下单时使用的手机号。", "您的快递已经到达派送网点，今天会派送。",
        "这个商品支持七天无理由退货。", "请问您是本人操作的吗？"};
    switch (only_kind_ >= 0 ? only_kind_ : values_ ? Int(0, 19) : 19) {
      case 0: return "我的订单号是" + Digits(18) + "，麻烦查一下。";
      case 1: return "这单一共是" + std::to_string(Int(10, 999)) + "." + Digits(2) + "元，优惠了" + std::to_string(Int(1, 50)) + "元。";
      case 2: return "我的手机号是" + Mobile() + "，有问题打我电话。";
      case 3: return "身份证号" + Id() + "，名字是张三。";
      case 4: return "运单号SF" + Digits(12) + "，显示在" + std::to_string(Int(1, 28)) + "号已经发出。";
      case 5: return "退款" + std::to_string(Int(10, 999)) + "元，卡号" + Card() + "，尾号" + Digits(4) + "。";
      case 6: return "我的电话是" + Spoken(Mobile()) + "。";
      case 7: return "交易时间20240215" + Digits(6) + "，流水号" + Digits(20) + "。";
      case 8: return "验证码" + Digits(6) + "，请在" + std::to_string(Int(1, 10)) + "分钟内输入。";
      case 9: return "我" + std::to_string(Int(1, 12)) + "月" + std::to_string(Int(1, 28)) + "号下的单，买了" + std::to_string(Int(1, 5)) + "件。";
      default: return kPlain[Int(0, 15)];
    }
  }

  static constexpr const char* kMobilePrefixes[] = {"138", "139", "150", "186", "199", "166", "177", "191"};
  static constexpr const char* kRegions[] = {"110105", "320102", "440305", "510104", "650102", "330106"};
  std::mt19937 rng_;
  bool timestamps_, values_;
  int only_kind_;
};

const std::string& Text() {
  static const std::string* text = new std::string(TranscriptGen(42).Make(size_t{4} << 20));
  return *text;
}

// Cost breakdown: the same kind of transcript with only one of the two
// sources of digits (chat timestamps; values in sentences).
void BM_DetectorScanVariant(benchmark::State& state) {
  static const std::string* timestamps_only = new std::string(TranscriptGen(42, true, false).Make(size_t{4} << 20));
  static const std::string* values_only = new std::string(TranscriptGen(42, false, true).Make(size_t{4} << 20));
  const std::string& text = state.range(0) == 0 ? *timestamps_only : *values_only;
  state.SetLabel(state.range(0) == 0 ? "timestamps, no values" : "values, no timestamps");
  absl::StatusOr<Detector> detector = Detector::Create({});
  if (!detector.ok()) return state.SkipWithError("patterns failed to load");
  for (auto _ : state) benchmark::DoNotOptimize(detector->Scan(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_DetectorScanVariant)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);


// Where the time goes, per line: transcripts made of one kind of sentence
// (0 order number, 1 amounts, 2 mobile, 3 ID number and name, 4 waybill,
// 5 refund to a card, 6 mobile in spoken numerals, 7 transaction time and
// serial, 8 verification code, 9 order date, 10 plain), without timestamps;
// and (11) plain sentences each after a chat timestamp. items_per_second
// counts lines.
void BM_DetectorScanSentence(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  const std::string text = TranscriptGen(42, /*timestamps=*/kind == 11, true, kind == 11 ? 10 : kind).Make(size_t{1} << 20);
  const int64_t lines = std::count(text.begin(), text.end(), '\n');
  absl::StatusOr<Detector> detector = Detector::Create({});
  if (!detector.ok()) return state.SkipWithError("patterns failed to load");
  for (auto _ : state) benchmark::DoNotOptimize(detector->Scan(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * lines);
}
BENCHMARK(BM_DetectorScanSentence)->DenseRange(0, 11)->Unit(benchmark::kMillisecond);

// The same transcript without timestamps, digits or ASCII: the floor set by
// the skip loop and punctuation.
const std::string& PlainText() {
  static const std::string* text = [] {
    const std::string& t = Text();
    auto* out = new std::string;
    for (size_t i = 0; i < t.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(t[i]);
      if (c >= 0x80 || c == '\n') out->push_back(t[i]);
    }
    return out;
  }();
  return *text;
}

void BM_DetectorScanNoDigits(benchmark::State& state) {
  const std::string& text = PlainText();
  absl::StatusOr<Detector> detector = Detector::Create({});
  if (!detector.ok()) return state.SkipWithError("patterns failed to load");
  for (auto _ : state) benchmark::DoNotOptimize(detector->Scan(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_DetectorScanNoDigits)->Unit(benchmark::kMillisecond);

// The vectorised skip loop alone (SSE2; what the scanner runs between
// places worth looking at) over the transcript without digits or ASCII:
// the ceiling for Chinese text, against which BM_DetectorScanNoDigits shows
// the cost of the places (full-width punctuation, labels, numeral runs).
void BM_SkipLoopOnly(benchmark::State& state) {
  const std::string& text = PlainText();
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  size_t places = 0;
  for (auto _ : state) {
    places = 0;
    for (size_t i = internal::NextInteresting(p, text.size(), 0); i < text.size();
         i = internal::NextInteresting(p, text.size(), i + 1)) {
      ++places;
    }
    benchmark::DoNotOptimize(places);
  }
  state.counters["places"] = static_cast<double>(places);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_SkipLoopOnly)->Unit(benchmark::kMillisecond);

void BM_DetectorScan(benchmark::State& state) {
  const std::string& text = Text();
  absl::StatusOr<Detector> detector = Detector::Create({});
  if (!detector.ok()) return state.SkipWithError("patterns failed to load");
  size_t findings = 0;
  for (auto _ : state) {
    absl::StatusOr<std::vector<Finding>> f = detector->Scan(text);
    findings = f->size();
    benchmark::DoNotOptimize(f);
  }
  state.counters["findings"] = static_cast<double>(findings);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_DetectorScan)->Unit(benchmark::kMillisecond);

// The baseline: the same regexes through one RE2::Set pass, then extraction
// and validation for each pattern the set reported.
struct Baseline {
  std::vector<const internal::Pattern*> patterns;
  std::vector<std::unique_ptr<RE2>> extract;
  std::unique_ptr<RE2::Set> set;
  std::vector<internal::PatternFile> files;
};

std::unique_ptr<Baseline> MakeBaseline() {
  auto b = std::make_unique<Baseline>();
  absl::StatusOr<std::vector<internal::PatternFile>> files = internal::LoadBuiltinPatternFiles();
  if (!files.ok()) return nullptr;
  b->files = *std::move(files);
  RE2::Options opts;
  opts.set_max_mem(int64_t{512} << 20);
  opts.set_log_errors(false);
  b->set = std::make_unique<RE2::Set>(opts, RE2::UNANCHORED);
  for (const internal::PatternFile& f : b->files) {
    for (const internal::Pattern& p : f.patterns) {
      std::string re = p.regex->pattern();
      if (!p.anchors.empty()) {  // names/addresses: anchor keyword, colon, value
        std::string alt;
        for (const std::string& a : p.anchors) alt += (alt.empty() ? "" : "|") + RE2::QuoteMeta(a);
        re = "(?:" + alt + ")[:：]\\s*[^，。,\\n]{2," + std::to_string(p.max_length) + "}";
      }
      if (b->set->Add(re, nullptr) < 0) continue;
      b->patterns.push_back(&p);
      b->extract.push_back(std::make_unique<RE2>("(" + re + ")", opts));
    }
  }
  if (!b->set->Compile()) return nullptr;
  return b;
}

void BM_Re2SetBaseline(benchmark::State& state) {
  const std::string& text = Text();
  std::unique_ptr<Baseline> b = MakeBaseline();
  if (b == nullptr) return state.SkipWithError("baseline failed to build");
  size_t validated = 0;
  for (auto _ : state) {
    validated = 0;
    std::vector<int> matched;
    RE2::Set::ErrorInfo info;
    if (!b->set->Match(text, &matched, &info) && info.kind != RE2::Set::kNoError) {
      return state.SkipWithError("RE2::Set ran out of memory");
    }
    for (int idx : matched) {
      const internal::Pattern& p = *b->patterns[idx];
      re2::StringPiece input(text);
      re2::StringPiece m;
      while (RE2::FindAndConsume(&input, *b->extract[idx], &m)) {
        std::string v(m.data(), m.size());
        if (p.uppercase) v = absl::AsciiStrToUpper(v);
        std::string norm = v;
        if (p.validator(v, p, &norm).ok) ++validated;
        if (m.empty()) {
          if (input.empty()) break;
          input.remove_prefix(1);
        }
      }
    }
    benchmark::DoNotOptimize(validated);
  }
  state.counters["validated"] = static_cast<double>(validated);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_Re2SetBaseline)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace piivault

BENCHMARK_MAIN();
