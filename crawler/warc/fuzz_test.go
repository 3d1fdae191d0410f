package warc

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// FuzzScan feeds arbitrary bytes to Scan and Open as a .warc and a
// .warc.gz file: no panic, and every failure is a documented error.
func FuzzScan(f *testing.F) {
	dir := f.TempDir()
	w, err := NewWriter(Options{Dir: dir})
	if err != nil {
		f.Fatal(err)
	}
	var refs []Ref
	for _, r := range testResponses(f, 3) {
		ref, err := w.WriteResponse(f.Context(), r)
		if err != nil {
			f.Fatal(err)
		}
		p, _ := ParseRef(ref)
		refs = append(refs, p)
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	gz, err := os.ReadFile(filepath.Join(dir, refs[0].File))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(gz[:refs[1].Offset], int64(refs[0].Offset))
	f.Add([]byte("WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 5\r\nContent-Type: application/http;msgtype=response\r\n\r\nHTTP/\r\n\r\n"), int64(0))
	f.Add([]byte("WARC/1.0\r\n\r\n"), int64(0))
	f.Fuzz(func(t *testing.T, data []byte, offset int64) {
		dir := t.TempDir()
		for _, name := range []string{"f.warc", "f.warc.gz"} {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			err := Scan(path, func(ref string, r *Response) error {
				if r.Header == nil {
					t.Fatalf("nil header at %s", ref)
				}
				return nil
			})
			if err != nil && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Scan: undocumented error %v", err)
			}
			if offset < 0 {
				offset = -offset
			}
			_, err = Open(dir, Ref{File: name, Offset: offset % int64(len(data)+1)}.String())
			if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotResponse) {
				t.Fatalf("Open: undocumented error %v", err)
			}
		}
	})
}

// FuzzDecodePayload: arbitrary payloads and codings never panic, and a
// payload without codings comes back unchanged.
func FuzzDecodePayload(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\n\r\n"), "chunked", "gzip")
	f.Add([]byte{0x1f, 0x8b, 8, 0}, "", "gzip")
	f.Add([]byte("x"), "", "deflate, zstd")
	f.Fuzz(func(t *testing.T, body []byte, te, ce string) {
		h := http.Header{}
		if te != "" {
			h.Set("Transfer-Encoding", te)
		}
		if ce != "" {
			h.Set("Content-Encoding", ce)
		}
		got, decoded, err := decodePayload(h, body)
		if err == nil && !decoded && !bytes.Equal(got, body) {
			t.Fatalf("undecoded payload changed: %q -> %q", body, got)
		}
		if len(got) > MaxPayload {
			t.Fatal("payload over MaxPayload")
		}
	})
}
