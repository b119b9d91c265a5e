// Accuracy of the Detector on the labelled corpus written by
// scripts/gen_corpus.py (JSON Lines: {"text":..., "labels":[{"start","end",
// "type"}]}, byte offsets). Prints per-type precision and recall, exact span
// match and overlap match, and exits 1 when an issue #2 target is missed:
//   P and R >= 0.995  CN_RESIDENT_ID, CN_USCC, BANK_CARD, IMEI
//   P and R >= 0.99   CN_MOBILE, EMAIL, IPV4, CN_PASSPORT
//   P and R >= 0.95   CN_LANDLINE
// (exact span match). Other types are printed, not asserted.
//
// Usage: accuracy_eval CORPUS.jsonl [--examples N] [--no-assert]
//   --examples N  print up to N missed / spurious findings per type, with
//                 the surrounding text (the corpus is synthetic).
// Exit: 0 targets met, 1 a target missed, 2 usage or corpus errors.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "piivault/detector.h"
#include "piivault/entity_type.h"
#include "simdjson.h"

namespace {

struct Span {
  size_t start = 0;
  size_t end = 0;
  std::string type;
};

struct Counts {
  size_t labels = 0;
  size_t found = 0;
  size_t exact = 0;          // findings whose span and type equal a label
  size_t overlap_label = 0;  // labels overlapped by a same-type finding
  size_t overlap_found = 0;  // findings overlapping a same-type label
  std::vector<std::string> missed;    // examples
  std::vector<std::string> spurious;  // examples
};

struct Target {
  const char* type;
  double min;
};
constexpr Target kTargets[] = {
    {"CN_RESIDENT_ID", 0.995}, {"CN_USCC", 0.995}, {"BANK_CARD", 0.995},
    {"IMEI", 0.995},           {"CN_MOBILE", 0.99}, {"EMAIL", 0.99},
    {"IPV4", 0.99},            {"CN_PASSPORT", 0.99}, {"CN_LANDLINE", 0.95},
};

// Text around [start, end) on one line for examples: the value in ⟦ ⟧,
// line breaks shown as ⏎, cut on UTF-8 character boundaries.
std::string Excerpt(std::string_view text, size_t start, size_t end) {
  auto back = [&](size_t p, size_t n) {
    p = p > n ? p - n : 0;
    while (p > 0 && (static_cast<unsigned char>(text[p]) & 0xC0) == 0x80) --p;
    return p;
  };
  auto fwd = [&](size_t p, size_t n) {
    p = std::min(text.size(), p + n);
    while (p < text.size() &&
           (static_cast<unsigned char>(text[p]) & 0xC0) == 0x80) {
      ++p;
    }
    return p;
  };
  const size_t a = back(start, 36), b = fwd(end, 24);
  std::string out;
  auto add = [&](std::string_view s) {
    for (char c : s) {
      if (c == '\n') {
        out += "⏎";
      } else {
        out += c;
      }
    }
  };
  add(text.substr(a, start - a));
  out += "⟦";
  add(text.substr(start, end - start));
  out += "⟧";
  add(text.substr(end, b - end));
  return out;
}

bool Overlaps(const Span& a, const Span& b) {
  return a.start < b.end && b.start < a.end;
}

std::string Ratio(size_t num, size_t den) {
  if (den == 0) return "   -  ";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%6.4f", static_cast<double>(num) / den);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus_path;
  size_t examples = 0;
  bool assert_targets = true;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--examples" && i + 1 < argc) {
      examples = std::strtoul(argv[++i], nullptr, 10);
    } else if (a == "--no-assert") {
      assert_targets = false;
    } else if (corpus_path.empty() && !a.starts_with("--")) {
      corpus_path = std::string(a);
    } else {
      std::fprintf(stderr, "usage: accuracy_eval CORPUS.jsonl [--examples N] "
                           "[--no-assert]\n");
      return 2;
    }
  }
  if (corpus_path.empty()) {
    std::fprintf(stderr, "accuracy_eval: no corpus given\n");
    return 2;
  }

  absl::StatusOr<piivault::Detector> detector =
      piivault::Detector::Create({});
  if (!detector.ok()) {
    std::fprintf(stderr, "accuracy_eval: %s\n",
                 std::string(detector.status().message()).c_str());
    return 2;
  }

  simdjson::dom::parser parser;
  simdjson::dom::document_stream stream;
  simdjson::padded_string json;
  if (simdjson::padded_string::load(corpus_path).get(json) !=
      simdjson::SUCCESS) {
    std::fprintf(stderr, "accuracy_eval: cannot read %s\n",
                 corpus_path.c_str());
    return 2;
  }
  if (parser.parse_many(json).get(stream) != simdjson::SUCCESS) {
    std::fprintf(stderr, "accuracy_eval: bad corpus %s\n",
                 corpus_path.c_str());
    return 2;
  }

  std::map<std::string, Counts> by_type;
  size_t records = 0, bytes = 0;
  for (auto doc_result : stream) {
    simdjson::dom::element doc;
    std::string_view text;
    simdjson::dom::array labels_json;
    if (doc_result.get(doc) != simdjson::SUCCESS ||
        doc["text"].get_string().get(text) != simdjson::SUCCESS ||
        doc["labels"].get_array().get(labels_json) != simdjson::SUCCESS) {
      std::fprintf(stderr, "accuracy_eval: malformed record %zu\n",
                   records + 1);
      return 2;
    }
    ++records;
    bytes += text.size();
    std::vector<Span> labels;
    for (simdjson::dom::element l : labels_json) {
      Span s;
      uint64_t start = 0, end = 0;
      std::string_view type;
      if (l["start"].get_uint64().get(start) != simdjson::SUCCESS ||
          l["end"].get_uint64().get(end) != simdjson::SUCCESS ||
          l["type"].get_string().get(type) != simdjson::SUCCESS ||
          start >= end || end > text.size()) {
        std::fprintf(stderr, "accuracy_eval: bad label in record %zu\n",
                     records);
        return 2;
      }
      s.start = start;
      s.end = end;
      s.type = std::string(type);
      labels.push_back(std::move(s));
    }
    absl::StatusOr<std::vector<piivault::Finding>> found =
        detector->Scan(text);
    if (!found.ok()) {
      std::fprintf(stderr, "accuracy_eval: Scan failed on record %zu: %s\n",
                   records, std::string(found.status().message()).c_str());
      return 2;
    }
    std::vector<Span> findings;
    for (const piivault::Finding& f : *found) {
      findings.push_back(
          {f.begin, f.end, std::string(piivault::EntityTypeName(f.type))});
    }

    for (const Span& l : labels) ++by_type[l.type].labels;
    for (const Span& f : findings) ++by_type[f.type].found;

    // Exact matches.
    std::vector<bool> label_exact(labels.size()), found_exact(findings.size());
    for (size_t i = 0; i < labels.size(); ++i) {
      for (size_t j = 0; j < findings.size(); ++j) {
        if (!found_exact[j] && findings[j].type == labels[i].type &&
            findings[j].start == labels[i].start &&
            findings[j].end == labels[i].end) {
          label_exact[i] = found_exact[j] = true;
          ++by_type[labels[i].type].exact;
          break;
        }
      }
    }
    // Overlap matches (one-to-one, same type).
    std::vector<bool> label_ov(labels.size()), found_ov(findings.size());
    for (size_t i = 0; i < labels.size(); ++i) {
      for (size_t j = 0; j < findings.size(); ++j) {
        if (!found_ov[j] && findings[j].type == labels[i].type &&
            Overlaps(findings[j], labels[i])) {
          label_ov[i] = found_ov[j] = true;
          ++by_type[labels[i].type].overlap_label;
          ++by_type[labels[i].type].overlap_found;
          break;
        }
      }
    }
    if (examples > 0) {
      for (size_t i = 0; i < labels.size(); ++i) {
        if (label_exact[i]) continue;
        Counts& c = by_type[labels[i].type];
        if (c.missed.size() >= examples) continue;
        std::string got = "nothing";
        for (const Span& f : findings) {
          if (Overlaps(f, labels[i])) {
            got = f.type + " " + Excerpt(text, f.start, f.end);
            break;
          }
        }
        c.missed.push_back(Excerpt(text, labels[i].start, labels[i].end) +
                           "   found: " + got);
      }
      for (size_t j = 0; j < findings.size(); ++j) {
        if (found_exact[j]) continue;
        Counts& c = by_type[findings[j].type];
        if (c.spurious.size() >= examples) continue;
        std::string want = "no label";
        for (const Span& l : labels) {
          if (Overlaps(l, findings[j])) {
            want = "label " + l.type + " " + Excerpt(text, l.start, l.end);
            break;
          }
        }
        c.spurious.push_back(Excerpt(text, findings[j].start, findings[j].end) +
                             "   " + want);
      }
    }
  }

  std::printf("accuracy on %s: %zu transcripts, %zu bytes\n",
              corpus_path.c_str(), records, bytes);
  std::printf("%-19s %6s %6s | %-6s %-6s | %-6s %-6s | %s\n", "type", "labels",
              "found", "P", "R", "P~", "R~", "target (exact P and R)");
  std::printf("%s\n", std::string(86, '-').c_str());
  std::vector<std::string> failed;
  for (const auto& [type, c] : by_type) {
    double min = -1;
    for (const Target& t : kTargets) {
      if (type == t.type) min = t.min;
    }
    std::string verdict;
    if (min >= 0) {
      const double p = c.found ? static_cast<double>(c.exact) / c.found : 1.0;
      const double r = c.labels ? static_cast<double>(c.exact) / c.labels : 1.0;
      char buf[64];
      std::snprintf(buf, sizeof(buf), ">= %.3f ", min);
      verdict = buf;
      if (p < min || r < min) {
        verdict += "MISSED";
        failed.push_back(type);
      } else {
        verdict += "ok";
      }
    }
    std::printf("%-19s %6zu %6zu | %s %s | %s %s | %s\n", type.c_str(),
                c.labels, c.found, Ratio(c.exact, c.found).c_str(),
                Ratio(c.exact, c.labels).c_str(),
                Ratio(c.overlap_found, c.found).c_str(),
                Ratio(c.overlap_label, c.labels).c_str(), verdict.c_str());
  }
  std::printf("P/R: exact span and type; P~/R~: overlapping span, same type\n");
  for (const Target& t : kTargets) {
    if (by_type.find(t.type) == by_type.end()) {
      std::printf("target type %s has no labels in the corpus\n", t.type);
      failed.push_back(t.type);
    }
  }
  if (examples > 0) {
    for (const auto& [type, c] : by_type) {
      for (const std::string& m : c.missed) {
        std::printf("MISSED   %-15s %s\n", type.c_str(), m.c_str());
      }
      for (const std::string& s : c.spurious) {
        std::printf("SPURIOUS %-15s %s\n", type.c_str(), s.c_str());
      }
    }
  }
  if (!failed.empty()) {
    std::printf("targets missed:");
    for (const std::string& f : failed) std::printf(" %s", f.c_str());
    std::printf("\n");
    return assert_targets ? 1 : 0;
  }
  std::printf("all targets met\n");
  return 0;
}
