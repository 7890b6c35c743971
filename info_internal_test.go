package rampart

import (
	"bytes"
	"testing"
	"unsafe"
)

// The context that carries the Info is allocated by every request; its
// size decides the size class the allocator rounds it up to.
func TestInfoContextFitsItsSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(infoCtx{}); n > 640 {
		t.Errorf("infoCtx is %d bytes: past the 640-byte size class, every request pays the next one", n)
	}
}

// The counters are bytes: the storage they count must fit them, and
// filling the text storage exactly must neither wrap nor overrun.
func TestInfoStorageBounds(t *testing.T) {
	if len(Info{}.txt) > 255 || len(Info{}.hdr) > 255 {
		t.Fatal("storage larger than its uint8 counter can count")
	}
	var info Info
	full := bytes.Repeat([]byte{'a'}, len(info.txt)-1)
	if s := info.Text(full); s != string(full) || unsafe.StringData(s) != &info.txt[0] {
		t.Fatalf("Text did not use the storage")
	}
	if s := info.Text([]byte("b")); s != "b" || unsafe.StringData(s) != &info.txt[len(info.txt)-1] {
		t.Fatalf("the last byte of storage was not used")
	}
	if s := info.Text([]byte("c")); s != "c" || int(info.ntxt) != len(info.txt) {
		t.Fatalf("Text past the storage: %q, ntxt %d", s, info.ntxt)
	}
	for range len(info.hdr) + 3 {
		info.HeaderValue("v")
	}
	if int(info.nhdr) != len(info.hdr) {
		t.Fatalf("nhdr %d after filling %d slots", info.nhdr, len(info.hdr))
	}
}
