package extract

import (
	"bytes"
	"fmt"
	"strings"
)

// htmlMarkers are tag openings that make a document HTML when they occur
// near its start.
var htmlMarkers = []string{
	"<!doctype", "<html", "<head", "<body", "<meta", "<title", "<div", "<p>", "<p ",
	"<br", "<table", "<span", "<a ", "<article", "<section", "<h1", "<h2", "<ul",
	"<li", "<script", "<style", "<link", "<!--", "<font", "<td", "<img", "<center",
	"<b>", "<strong", "<em>", "<i>", "<section", "<form",
}

// detectFormat tells HTML from plain text: a document is HTML if it
// starts with a tag, or holds at least two known tags in its first 4 KiB.
func detectFormat(s string) Format {
	head := s
	if len(head) > 4096 {
		head = head[:4096]
	}
	var buf [4096]byte
	lower := asciiLower(buf[:0], strings.TrimSpace(head))
	if bytes.HasPrefix(lower, []byte("<!doctype")) || bytes.HasPrefix(lower, []byte("<html")) || bytes.HasPrefix(lower, []byte("<?xml")) {
		return FormatHTML
	}
	n := 0
	for _, m := range htmlMarkers {
		if bytes.Contains(lower, []byte(m)) {
			n++
			if n >= 2 || (bytes.HasPrefix(lower, []byte("<")) && n >= 1) {
				return FormatHTML
			}
		}
	}
	return FormatText
}

// binaryEvidence returns why b looks like binary data, "" if it does not.
func binaryEvidence(b []byte) string {
	for _, sig := range []struct {
		magic []byte
		name  string
	}{
		{[]byte{0x1F, 0x8B}, "gzip data"},
		{[]byte("%PDF-"), "a PDF document"},
		{[]byte{0x89, 'P', 'N', 'G'}, "a PNG image"},
		{[]byte("GIF8"), "a GIF image"},
		{[]byte{0xFF, 0xD8, 0xFF}, "a JPEG image"},
		{[]byte("PK\x03\x04"), "a ZIP archive"},
		{[]byte{0x28, 0xB5, 0x2F, 0xFD}, "zstd data"},
		{[]byte("\x7fELF"), "an executable"},
	} {
		if bytes.HasPrefix(b, sig.magic) {
			return sig.name
		}
	}
	if len(b) >= 2 && ((b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE)) {
		return "" // UTF-16 with a BOM has NUL bytes
	}
	head := b
	if len(head) > 8192 {
		head = head[:8192]
	}
	var nul, ctl int
	for _, c := range head {
		switch {
		case c == 0:
			nul++
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1B:
			ctl++
		}
	}
	if nul > 0 {
		return fmt.Sprintf("%d NUL bytes in the first %d", nul, len(head))
	}
	if ctl*20 > len(head) {
		return fmt.Sprintf("%d control bytes in the first %d", ctl, len(head))
	}
	return ""
}

// asciiLower appends s to dst with ASCII letters lower-cased (tags are
// ASCII; the text around them need not be touched).
func asciiLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		dst = append(dst, lowerASCII(s[i]))
	}
	return dst
}
