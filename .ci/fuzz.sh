#!/usr/bin/env bash
# Runs every fuzz target in the module, one at a time, for FUZZTIME each
# (default 60s), with one worker so that it shares a small machine.
# Usage: .ci/fuzz.sh [FUZZTIME] [PACKAGE_PATTERN]
# A failing input is written under the package's testdata/fuzz and the
# script stops with the target's exit status.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fuzztime=${1:-60s}
pattern=${2:-./...}
parallel=${FUZZ_PARALLEL:-1}

targets=()
while IFS= read -r line; do
	targets+=("$line")
done < <(
	for pkg in $(go list "$pattern"); do
		dir=$(go list -f '{{.Dir}}' "$pkg")
		grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null |
			sed "s|^func |$pkg |" || true
	done
)

printf 'fuzzing %d targets for %s each\n' "${#targets[@]}" "$fuzztime"
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	printf '\n=== %s %s (%s)\n' "$pkg" "$name" "$(date +%T)"
	go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -parallel "$parallel"
done
printf '\nall %d targets ran %s clean\n' "${#targets[@]}" "$fuzztime"
