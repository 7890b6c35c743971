// Command vulndb builds an offline Go vulnerability database for govulncheck
// from the OSV files shipped in the golang.org/x/vulndb module, so that CI can
// run govulncheck with no network access beyond the Go module proxy.
//
// It reads <src>/data/osv/GO-YYYY-NNNN.json and writes the layout that
// govulncheck reads from a file:// URL (https://go.dev/security/vuln/database):
//
//	index/db.json       {"modified": ...}
//	index/modules.json  [{"path", "vulns": [{"id", "modified", "fixed"}]}]
//	index/vulns.json    [{"id", "modified", "aliases"}]
//	ID/<id>.json        the OSV entry itself
//
// Every entry is validated first; a single entry that cannot be parsed stops
// the conversion with an error naming the file, so a half-understood database
// never reaches CI. The output directory appears atomically (built in a
// temporary sibling, then renamed) and is never overwritten.
//
//	dir=$(go mod download -json golang.org/x/vulndb@$V | jq -r .Dir)
//	go run ./internal/vulndb -src "$dir" -out "$HOME/.cache/rampart/vulndb/$V" -version "$V"
//	govulncheck -db "file://$HOME/.cache/rampart/vulndb/$V" ./...
package main
