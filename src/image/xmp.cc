// XMP packets: a bounded RDF/XML property extractor (not a validating XML
// parser). Every property with a text value goes to the sink, in attribute
// form (<rdf:Description dc:format="..."/>) and element form
// (<dc:creator><rdf:Seq><rdf:li>...</rdf:li></rdf:Seq></dc:creator>); the item
// is named after the property (the innermost element that is not an RDF
// container). Entities are decoded; UTF-16/UTF-32 packets are converted.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "image/image_internal.h"

namespace piivault::image_internal {
namespace {

constexpr size_t kMaxXmpItems = 20000;
constexpr size_t kMaxXmpDepth = 256;

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string Utf32ToUtf8(std::string_view bytes, bool big_endian) {
  std::string out;
  out.reserve(bytes.size() / 4);
  for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + i);
    uint32_t cp = big_endian ? (uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3])
                             : (uint32_t{p[3]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0]);
    AppendUtf8(out, cp);
  }
  return out;
}

// Converts a packet to UTF-8 if it is UTF-16/32 (BOM or NUL pattern of "<").
std::string_view ToUtf8(std::string_view xmp, std::string& storage) {
  auto at = [&](size_t i) { return i < xmp.size() ? static_cast<unsigned char>(xmp[i]) : 0x100u; };
  if (xmp.size() >= 4) {
    if (at(0) == 0 && at(1) == 0 && (at(2) == 0xFE || at(2) == 0) && (at(3) == 0xFF || at(3) == '<')) {
      storage = Utf32ToUtf8(xmp, true);
      return storage;
    }
    if ((at(0) == 0xFF || at(0) == '<') && (at(1) == 0xFE || at(1) == 0) && at(2) == 0 && at(3) == 0) {
      storage = Utf32ToUtf8(xmp, false);
      return storage;
    }
  }
  if (xmp.size() >= 2) {
    if ((at(0) == 0xFE && at(1) == 0xFF) || (at(0) == 0 && at(1) == '<')) {
      storage = DecodeUtf16(xmp, true, false);
      return storage;
    }
    if ((at(0) == 0xFF && at(1) == 0xFE) || (at(0) == '<' && at(1) == 0)) {
      storage = DecodeUtf16(xmp, false, false);
      return storage;
    }
  }
  return xmp;
}

// Decodes XML entities and character references.
std::string DecodeEntities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    size_t semi = s.find(';', i + 1);
    if (semi == std::string_view::npos || semi - i > 12) {
      out.push_back('&');
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") {
      out.push_back('&');
    } else if (ent == "lt") {
      out.push_back('<');
    } else if (ent == "gt") {
      out.push_back('>');
    } else if (ent == "quot") {
      out.push_back('"');
    } else if (ent == "apos") {
      out.push_back('\'');
    } else if (ent.size() >= 2 && ent[0] == '#') {
      uint32_t cp = 0;
      bool ok = true;
      bool hex = ent[1] == 'x' || ent[1] == 'X';
      std::string_view digits = ent.substr(hex ? 2 : 1);
      if (digits.empty()) ok = false;
      for (char c : digits) {
        int d;
        if (c >= '0' && c <= '9') {
          d = c - '0';
        } else if (hex && c >= 'a' && c <= 'f') {
          d = c - 'a' + 10;
        } else if (hex && c >= 'A' && c <= 'F') {
          d = c - 'A' + 10;
        } else {
          ok = false;
          break;
        }
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        if (cp > 0x10FFFF) {
          ok = false;
          break;
        }
      }
      if (!ok) {
        out.push_back('&');
        continue;
      }
      AppendUtf8(out, cp);
    } else {
      out.push_back('&');
      continue;
    }
    i = semi;
  }
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// RDF syntax names that are structure, not properties.
bool IsRdfStructure(std::string_view qname) {
  return qname == "rdf:li" || qname == "rdf:Seq" || qname == "rdf:Bag" || qname == "rdf:Alt" ||
         qname == "rdf:Description" || qname == "rdf:RDF" || qname == "x:xmpmeta" ||
         qname == "x:xapmeta" || qname == "rdf:value";
}

bool IsSyntaxAttribute(std::string_view qname) {
  return qname.substr(0, 6) == "xmlns:" || qname == "xmlns" || qname == "rdf:about" ||
         qname == "rdf:parseType" || qname == "xml:lang" || qname == "rdf:resource" ||
         qname == "rdf:ID" || qname == "rdf:nodeID" || qname == "rdf:datatype" || qname == "x:xmptk" ||
         qname == "x:xaptk";
}

class XmpParser {
 public:
  XmpParser(std::string_view text, uint64_t file_offset, bool offsets_exact, std::string_view location,
            MetadataSink& sink)
      : s_(text), base_(file_offset), exact_(offsets_exact), location_(location), sink_(sink) {}

  absl::Status Run() {
    size_t i = 0;
    while (i < s_.size()) {
      if (items_ >= kMaxXmpItems) break;
      size_t lt = s_.find('<', i);
      if (lt == std::string_view::npos) break;
      if (lt > i) Text(i, lt);
      i = lt;
      if (s_.compare(i, 4, "<!--") == 0) {
        size_t e = s_.find("-->", i + 4);
        i = e == std::string_view::npos ? s_.size() : e + 3;
      } else if (s_.compare(i, 9, "<![CDATA[") == 0) {
        size_t e = s_.find("]]>", i + 9);
        size_t end = e == std::string_view::npos ? s_.size() : e;
        if (!stack_.empty()) {
          stack_.back().text.append(s_.substr(i + 9, end - i - 9));
          if (stack_.back().text_begin == 0) stack_.back().text_begin = i + 9;
        }
        i = e == std::string_view::npos ? s_.size() : e + 3;
      } else if (s_.compare(i, 2, "<?") == 0) {
        size_t e = s_.find("?>", i + 2);
        i = e == std::string_view::npos ? s_.size() : e + 2;
      } else if (s_.compare(i, 2, "<!") == 0) {
        size_t e = s_.find('>', i + 2);
        i = e == std::string_view::npos ? s_.size() : e + 1;
      } else if (s_.compare(i, 2, "</") == 0) {
        size_t e = s_.find('>', i + 2);
        std::string_view name = Trim(s_.substr(i + 2, (e == std::string_view::npos ? s_.size() : e) - i - 2));
        EndElement(name);
        i = e == std::string_view::npos ? s_.size() : e + 1;
      } else {
        i = StartElement(i);
      }
    }
    return absl::OkStatus();
  }

 private:
  struct Element {
    std::string name;
    std::string text;  // raw (entities not yet decoded)
    size_t text_begin = 0;
    bool has_child = false;
  };

  uint64_t Offset(size_t pos) const { return exact_ ? base_ + pos : base_; }

  // The property an element's text belongs to: innermost non-structural name.
  std::string PropertyName() const {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      if (!IsRdfStructure(it->name)) return it->name;
    }
    return "";
  }

  void Emit(std::string name, std::string_view raw, size_t pos) {
    std::string value = DecodeEntities(Trim(raw));
    if (value.empty() || name.empty()) return;
    MetadataItem item;
    item.location = location_;
    item.name = std::move(name);
    item.offset = Offset(pos);
    item.size = exact_ ? raw.size() : 0;
    ++items_;
    sink_.AddTextItem(std::move(item), value);
  }

  void Text(size_t b, size_t e) {
    if (stack_.empty()) return;
    Element& top = stack_.back();
    if (top.text.empty()) top.text_begin = b;
    if (top.text.size() < (size_t{1} << 20)) top.text.append(s_.substr(b, e - b));
  }

  void EndElement(std::string_view name) {
    // Pop to the matching element (tolerates unbalanced markup).
    size_t k = stack_.size();
    while (k > 0 && stack_[k - 1].name != name) --k;
    if (k == 0) return;
    while (stack_.size() >= k) {
      Element el = std::move(stack_.back());
      stack_.pop_back();
      if (!el.has_child && !IsRdfStructure(el.name)) {
        Emit(el.name, el.text, el.text_begin);
      } else if (!el.has_child && (el.name == "rdf:li" || el.name == "rdf:value")) {
        std::string prop = PropertyName();
        Emit(prop.empty() ? el.name : prop, el.text, el.text_begin);
      }
    }
  }

  size_t StartElement(size_t lt) {
    // Find the end of the tag, respecting quotes.
    size_t i = lt + 1;
    char quote = 0;
    while (i < s_.size()) {
      char c = s_[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        break;
      }
      ++i;
    }
    size_t gt = i;
    std::string_view tag = s_.substr(lt + 1, gt - lt - 1);
    bool self_closing = !tag.empty() && tag.back() == '/';
    if (self_closing) tag.remove_suffix(1);
    size_t n = 0;
    while (n < tag.size() && !IsSpace(tag[n])) ++n;
    std::string name(tag.substr(0, n));
    if (!stack_.empty()) stack_.back().has_child = true;
    // Attributes: properties in attribute form.
    size_t a = n;
    while (a < tag.size()) {
      while (a < tag.size() && IsSpace(tag[a])) ++a;
      size_t eq = tag.find('=', a);
      if (eq == std::string_view::npos) break;
      std::string_view aname = Trim(tag.substr(a, eq - a));
      size_t q = eq + 1;
      while (q < tag.size() && IsSpace(tag[q])) ++q;
      if (q >= tag.size() || (tag[q] != '"' && tag[q] != '\'')) break;
      char qc = tag[q];
      size_t qe = tag.find(qc, q + 1);
      if (qe == std::string_view::npos) break;
      std::string_view aval = tag.substr(q + 1, qe - q - 1);
      if (!IsSyntaxAttribute(aname)) {
        std::string prop(aname);
        if (name == "rdf:li" || name == "rdf:Description") {
          // struct field in attribute form: e.g. stEvt:softwareAgent inside xmpMM:History
          prop = std::string(aname);
        }
        Emit(std::move(prop), aval, lt + 1 + q + 1);
        if (items_ >= kMaxXmpItems) break;
      }
      a = qe + 1;
    }
    if (!self_closing && stack_.size() < kMaxXmpDepth) {
      Element el;
      el.name = std::move(name);
      stack_.push_back(std::move(el));
    }
    return gt < s_.size() ? gt + 1 : s_.size();
  }

  std::string_view s_;
  uint64_t base_;
  bool exact_;
  std::string location_;
  MetadataSink& sink_;
  std::vector<Element> stack_;
  size_t items_ = 0;
};

}  // namespace

std::string DecodeUtf16(std::string_view bytes, bool big_endian, bool stop_at_nul) {
  std::string out;
  out.reserve(bytes.size() / 2);
  size_t i = 0;
  auto unit = [&](size_t at) -> uint32_t {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
    return big_endian ? (uint32_t{p[0]} << 8 | p[1]) : (uint32_t{p[1]} << 8 | p[0]);
  };
  // Skip a BOM.
  if (bytes.size() >= 2 && unit(0) == 0xFEFF) i = 2;
  for (; i + 2 <= bytes.size(); i += 2) {
    uint32_t u = unit(i);
    if (u == 0 && stop_at_nul) return out;
    if (u >= 0xD800 && u <= 0xDBFF && i + 4 <= bytes.size()) {
      uint32_t lo = unit(i + 2);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        AppendUtf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
        i += 2;
        continue;
      }
    }
    AppendUtf8(out, u);
  }
  if (i < bytes.size()) AppendUtf8(out, 0xFFFD);
  return out;
}

std::string DecodeLatin1(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) AppendUtf8(out, static_cast<unsigned char>(c));
  return out;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char lead = static_cast<unsigned char>(s[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t continuation;
    uint32_t cp;
    if ((lead & 0xE0) == 0xC0) {
      continuation = 1;
      cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      continuation = 2;
      cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      continuation = 3;
      cp = lead & 0x07;
    } else {
      return false;
    }
    if (i + continuation >= s.size()) return false;
    for (size_t k = 1; k <= continuation; ++k) {
      const unsigned char next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[continuation] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += continuation + 1;
  }
  return true;
}

std::string Utf8OrLatin1(std::string_view s) {
  return IsValidUtf8(s) ? std::string(s) : DecodeLatin1(s);
}

absl::Status ParseXmpMetadata(std::string_view xmp, uint64_t file_offset, std::string_view location,
                              const ParseLimits& limits, MetadataSink& sink) {
  if (xmp.size() > limits.max_decompressed_bytes && limits.max_decompressed_bytes > 0) {
    xmp = xmp.substr(0, limits.max_decompressed_bytes);
  }
  std::string storage;
  std::string_view text = ToUtf8(xmp, storage);
  XmpParser parser(text, file_offset, text.data() == xmp.data(), location, sink);
  return parser.Run();
}

}  // namespace piivault::image_internal
