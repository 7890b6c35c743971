#!/usr/bin/env bash
# Runs govulncheck against an offline Go vulnerability database, built from
# the golang.org/x/vulndb module (fetched through the Go module proxy like any
# module) by ./internal/vulndb and cached per vulndb version. Exits non-zero
# when a vulnerability is reachable from our code (govulncheck's exit 3), or
# when the database or the scan cannot be completed.
#
#   .ci/govulncheck.sh                     # scan ./... of this repository
#   .ci/govulncheck.sh -C /some/mod ./...  # arguments replace ./...
#
# Environment: RAMPART_CACHE (default ~/.cache/rampart) holds the database
# under vulndb/<version> and govulncheck under bin/govulncheck-<version>-<go>.
set -euo pipefail

# Bump to take newer advisories; the module has no tags, so ask for the
# newest pseudo-version with `go list -m golang.org/x/vulndb@latest` (outside a module).
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018
GOVULNCHECK_VERSION=v1.9.0

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${RAMPART_CACHE:-$HOME/.cache/rampart}
db=$cache/vulndb/$VULNDB_VERSION
# govulncheck type-checks the standard library of the Go that builds this
# repository, so it must itself be built by that Go (a go1.26 binary cannot
# read go1.27 sources): one binary per govulncheck and Go version.
goversion=$(cd "$root" && go env GOVERSION)
bindir=$cache/bin/govulncheck-$GOVULNCHECK_VERSION-$goversion
govulncheck=$bindir/govulncheck

# Module downloads and installs run outside any module so that they neither
# read nor touch this repository's go.mod and go.sum.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
outside() { (cd "$scratch" && GOWORK=off GOFLAGS=-mod=mod "$@"); }

now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1fs", e - s }'; }

complete_db() { [[ -f $db/index/db.json && -f $db/index/modules.json && -f $db/index/vulns.json ]]; }

if complete_db; then
	echo "govulncheck.sh: using cached database $db" >&2
else
	start=$(now)
	outside go mod download golang.org/x/vulndb@"$VULNDB_VERSION"
	src=$(outside go list -m -f '{{.Dir}}' golang.org/x/vulndb@"$VULNDB_VERSION")
	if [[ -z $src || ! -d $src/data/osv ]]; then
		echo "govulncheck.sh: golang.org/x/vulndb@$VULNDB_VERSION has no data/osv (got '$src')" >&2
		exit 1
	fi
	# A concurrent run may finish the same cache entry first; the converter
	# then refuses to overwrite it, and its database is as good as ours.
	if ! (cd "$root" && go run ./internal/vulndb -src "$src" -out "$db" -version "$VULNDB_VERSION") && ! complete_db; then
		exit 1
	fi
	echo "govulncheck.sh: built $db in $(since "$start")" >&2
fi

if [[ ! -x $govulncheck ]]; then
	start=$(now)
	GOBIN=$bindir GOTOOLCHAIN=$goversion outside go install golang.org/x/vuln/cmd/govulncheck@"$GOVULNCHECK_VERSION"
	echo "govulncheck.sh: installed govulncheck $GOVULNCHECK_VERSION ($goversion) in $(since "$start")" >&2
fi

if (($# == 0)); then
	set -- ./...
fi
start=$(now)
status=0
(cd "$root" && "$govulncheck" -db "file://$db" "$@") || status=$?
echo "govulncheck.sh: scan took $(since "$start"), exit $status" >&2
case $status in
0) ;;
3) echo "govulncheck.sh: a vulnerability is reachable from the code scanned; see above" >&2 ;;
*) echo "govulncheck.sh: govulncheck failed" >&2 ;;
esac
exit "$status"
