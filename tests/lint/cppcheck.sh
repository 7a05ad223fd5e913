#!/usr/bin/env bash
# Static analysis over the lane's compile_commands.json (STYLE.md's lint lane).
set -euo pipefail
build=${1:?usage: cppcheck.sh BUILD_DIR}
command -v cppcheck >/dev/null || { echo "SKIP: cppcheck not installed"; exit 77; }
# unknownMacro: cppcheck does not read system headers, so jansson's foreach macros look unknown.
exec cppcheck --project="$build/compile_commands.json" --enable=warning,performance,portability \
	--suppress=unknownMacro --inline-suppr --quiet --error-exitcode=1 -i "$build"
