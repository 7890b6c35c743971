// Package buildinfo reads what the Go toolchain recorded about the
// running binary: module version, VCS revision and time, whether the tree
// was modified, and the Go version. rampart version, the startup log line
// and the rampart_build_info metric all print it.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Info is what the binary knows about its build. Empty fields were not
// recorded (a test binary, or a build with -buildvcs=false).
type Info struct {
	// Version is the main module's version: a tag such as v1.2.0, a
	// pseudo-version, or "(devel)" for a build from a work tree.
	Version string
	// Revision is the VCS commit the binary was built from.
	Revision string
	// Time is the commit's time, RFC 3339.
	Time string
	// Modified is true when the work tree had uncommitted changes.
	Modified bool
	// GoVersion is the toolchain that built the binary.
	GoVersion string
}

// Read returns the running binary's build information. override, when
// not empty, replaces the module version (a version set at link time).
func Read(override string) Info {
	i := Info{GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		i.Version = bi.Main.Version
		i.GoVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				i.Revision = s.Value
			case "vcs.time":
				i.Time = s.Value
			case "vcs.modified":
				i.Modified = s.Value == "true"
			}
		}
	}
	if override != "" {
		i.Version = override
	}
	if i.Version == "" {
		i.Version = "(devel)"
	}
	return i
}

// ShortRevision is the revision's first 12 characters, with "-dirty"
// when the tree was modified; "unknown" when none was recorded.
func (i Info) ShortRevision() string {
	r := i.Revision
	if r == "" {
		return "unknown"
	}
	if len(r) > 12 {
		r = r[:12]
	}
	if i.Modified {
		r += "-dirty"
	}
	return r
}

// String is the one-line form rampart version prints:
// "rampart v1.2.0 (revision 0123456789ab, 2026-11-30T05:00:00Z, go1.27.3)".
func (i Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rampart %s (revision %s", i.Version, i.ShortRevision())
	if i.Time != "" {
		fmt.Fprintf(&b, ", %s", i.Time)
	}
	fmt.Fprintf(&b, ", %s)", i.GoVersion)
	return b.String()
}
