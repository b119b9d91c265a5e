// PLACEHOLDER: replaced by the detection engine (issue #2).
#include "piivault/detector.h"

namespace piivault {

struct Detector::Impl {
  DetectorOptions options;
};

Detector::Detector(std::unique_ptr<const Impl> impl) : impl_(std::move(impl)) {}
Detector::Detector(Detector&&) noexcept = default;
Detector& Detector::operator=(Detector&&) noexcept = default;
Detector::~Detector() = default;

absl::StatusOr<Detector> Detector::Create(const DetectorOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  return Detector(std::move(impl));
}

absl::StatusOr<std::vector<Finding>> Detector::Scan(std::string_view text) const {
  return std::vector<Finding>{};
}

size_t Detector::max_finding_bytes() const { return 256; }
size_t Detector::context_window_bytes() const { return 64; }

}  // namespace piivault
