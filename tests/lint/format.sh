#!/usr/bin/env bash
# Every C source is formatted as .clang-format says (STYLE.md: "CI checks it").
set -euo pipefail
src=${1:?usage: format.sh SOURCE_DIR}
command -v clang-format >/dev/null || { echo "SKIP: clang-format not installed"; exit 77; }
cd "$src"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find src tests fuzz -name '*.[ch]')
# shellcheck disable=SC2086
clang-format --dry-run -Werror $files
