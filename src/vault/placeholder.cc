// PLACEHOLDER: the vault component is being written; this keeps the library target non-empty.
namespace piivault::internal {
int vault_placeholder = 0;
}
