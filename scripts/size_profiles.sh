#!/usr/bin/env bash
# Measures what each release-profile choice buys in package size: builds the `sign` (largest,
# with the PDF code) and `survey` (smallest HTTP function) functions for arm64 with cargo lambda
# under profile variants, in a separate target directory, and prints the zip sizes.
#
#   scripts/size_profiles.sh [target-dir]      (about 5 minutes per variant on 2 cores)
#
# The figures are in docs/performance.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
TARGET="${1:-$ROOT/target/size-profiles}"
export PATH="${PD_TOOLS:-$ROOT/.tools}/venv/bin:$PATH"
variant() {
  local name="$1"; shift
  echo "== $name ($*)"
  env "$@" CARGO_TARGET_DIR="$TARGET/$name" \
    cargo lambda build --release --arm64 --output-format zip -p sign -p survey >/dev/null 2>"$TARGET/$name.log" \
    || { echo "build failed, see $TARGET/$name.log"; return; }
  for f in sign survey; do
    printf '  %-8s %10d bytes zip\n' "$f" "$(stat -c %s "$TARGET/$name/lambda/$f/bootstrap.zip")"
  done
  rm -rf "$TARGET/$name/aarch64-unknown-linux-gnu/release/deps" "$TARGET/$name/aarch64-unknown-linux-gnu/release/build"
}
mkdir -p "$TARGET"
variant chosen-z-fatlto-cgu1-strip-abort
variant opt-s CARGO_PROFILE_RELEASE_OPT_LEVEL=s
variant opt-3 CARGO_PROFILE_RELEASE_OPT_LEVEL=3
variant no-lto-cgu16 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
variant panic-unwind CARGO_PROFILE_RELEASE_PANIC=unwind
