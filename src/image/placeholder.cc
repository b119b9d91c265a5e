// PLACEHOLDER: the image component is being written; this keeps the library target non-empty.
namespace piivault::internal {
int image_placeholder = 0;
}
