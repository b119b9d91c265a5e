// PLACEHOLDER: the redact component is being written; this keeps the library target non-empty.
namespace piivault::internal {
int redact_placeholder = 0;
}
