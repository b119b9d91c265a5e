// Uses the installed C++ API: detect, then redact with the default policy.
#include <iostream>
#include <string>
#include <vector>

#include "piivault/detector.h"
#include "piivault/entity_type.h"
#include "piivault/redactor.h"

int main() {
  const std::string text = "客户手机号13812345678，身份证11010519491231002X";
  absl::StatusOr<piivault::Detector> detector = piivault::Detector::Create({});
  if (!detector.ok()) {
    std::cerr << "detector: " << detector.status() << "\n";
    return 1;
  }
  absl::StatusOr<std::vector<piivault::Finding>> found = detector->Scan(text);
  if (!found.ok()) {
    std::cerr << "scan: " << found.status() << "\n";
    return 1;
  }
  for (const piivault::Finding& f : *found) {
    std::cout << piivault::EntityTypeName(f.type) << " " << f.begin << ".." << f.end << "\n";
  }
  absl::StatusOr<piivault::Redactor> redactor = piivault::Redactor::Create(*detector, {});
  if (!redactor.ok()) {
    std::cerr << "redactor: " << redactor.status() << "\n";
    return 1;
  }
  piivault::RedactionReport report;
  absl::StatusOr<std::string> clean = redactor->Redact(text, &report);
  if (!clean.ok()) {
    std::cerr << "redact: " << clean.status() << "\n";
    return 1;
  }
  std::cout << *clean << "\n";
  const bool ok = found->size() == 2 &&
                  *clean == "客户手机号138****5678，身份证110105********002X" &&
                  report.Redacted() == 2;
  std::cout << (ok ? "consumer_cxx: ok" : "consumer_cxx: UNEXPECTED OUTPUT") << "\n";
  return ok ? 0 : 1;
}
