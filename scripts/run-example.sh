#!/usr/bin/env bash
# The main job on the shipped example, end to end:
#   1. install what is missing and build the piivault CLI (release preset);
#   2. create an embedded vault in examples/out/vault (key file 0600 + default purpose policy);
#   3. redact examples/transcript.txt, storing each ID / card / phone / licence / e-mail in the
#      vault and writing its token;
#   4. restore the redacted transcript for two purposes and show what each may see;
#   5. verify the tamper-evident audit log that recorded all of it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target piivault_cli -j "$(nproc)"
PIIVAULT=build/release/src/cli/piivault
OUT=examples/out
VAULT=$OUT/vault
mkdir -p "$OUT"

if [[ ! -d $VAULT ]]; then
  echo "=== piivault vault init --dir $VAULT"
  "$PIIVAULT" vault init --dir "$VAULT"
fi

echo "=== piivault scan examples/transcript.txt   (byte offsets, no values)"
"$PIIVAULT" scan examples/transcript.txt

echo "=== piivault redact --vault $VAULT   -> $OUT/transcript.redacted.txt"
"$PIIVAULT" redact --vault "$VAULT" --principal example-job \
  --policy examples/vault-redact-policy.toml --stats \
  -o "$OUT/transcript.redacted.txt" examples/transcript.txt
cat "$OUT/transcript.redacted.txt"

echo "=== piivault restore --purpose customer_service   (phone numbers only)"
"$PIIVAULT" restore --vault "$VAULT" --purpose customer_service --principal agent-li \
  "$OUT/transcript.redacted.txt" || echo "(some tokens refused for this purpose, as the policy says)"

echo "=== piivault restore --purpose identity_verification   (ID numbers only)"
"$PIIVAULT" restore --vault "$VAULT" --purpose identity_verification --principal kyc-service \
  "$OUT/transcript.redacted.txt" || echo "(some tokens refused for this purpose, as the policy says)"

echo "=== piivault vault audit verify"
"$PIIVAULT" vault audit verify --dir "$VAULT"
