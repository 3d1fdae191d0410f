package warc

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlnwa/gowarc/v3"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func newWriter(t *testing.T, opts Options) *Writer {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	w, err := NewWriter(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

func gbk(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testResponses returns n varied responses: GBK and UTF-8 HTML, random
// binary bodies (with CRLFs and a fake WARC header inside), empty bodies,
// redirects and errors, multi-valued headers.
func testResponses(t testing.TB, n int) []Response {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2024, 5, 17, 8, 30, 0, 123456789, time.UTC)
	var out []Response
	for i := range n {
		r := Response{
			URL:        fmt.Sprintf("http://news.example.com/news/local/2024-05/17/story-%d.html?x=%d", i, i%3),
			Method:     "GET",
			StatusCode: http.StatusOK,
			Proto:      "HTTP/1.1",
			Header: http.Header{
				"Content-Type": {"text/html; charset=gbk"},
				"Set-Cookie":   {"a=1; Path=/", "b=2; Path=/"},
				"Date":         {base.Format(http.TimeFormat)},
			},
			FetchedAt:  base.Add(time.Duration(i) * time.Second),
			RemoteAddr: "203.0.113.7",
		}
		switch i % 5 {
		case 0: // GBK page
			r.Body = gbk(t, strings.Repeat(fmt.Sprintf("<p>梧州新闻第%d段：市政法机关扎实开展实践活动。</p>\n", i), 20+i%50))
		case 1: // binary with line breaks and a fake record header
			r.Header = http.Header{"Content-Type": {"application/octet-stream"}}
			b := make([]byte, 1000+rng.IntN(40000))
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			copy(b[10:], "\r\n\r\nWARC/1.1\r\nWARC-Type: response\r\n\r\n")
			r.Body = b
		case 2: // UTF-8 page, HTTP/1.0, IPv6 with port
			r.Proto = "HTTP/1.0"
			r.RemoteAddr = "[2001:db8::1]:443"
			r.Header = http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Etag": {`"abc"`}}
			r.Body = []byte(strings.Repeat("<li>續寫更多政法干警“春天的故事”</li>\n", 30))
		case 3: // redirect without body
			r.StatusCode = http.StatusMovedPermanently
			r.Header = http.Header{"Location": {"/news/"}}
			r.Body = nil
		case 4: // error page, HEAD-less POST, unknown status
			r.Method = "POST"
			r.StatusCode = 599
			r.Header = http.Header{"Content-Type": {"text/plain"}}
			r.Body = []byte("upstream exploded\n")
		}
		out = append(out, r)
	}
	return out
}

// wantRead is what reading r back must give.
func wantRead(r Response) Response {
	r.RemoteAddr = remoteIP(r.RemoteAddr)
	if r.Header == nil {
		r.Header = http.Header{}
	}
	if r.Body == nil {
		r.Body = []byte{}
	}
	return r
}

// bytesEqual compares bodies quickly (cmp diffs []byte element by element).
var bytesEqual = cmp.Comparer(bytes.Equal)

func TestRoundTripAcrossRotation(t *testing.T) {
	dir := t.TempDir()
	w := newWriter(t, Options{Dir: dir, Prefix: "test", MaxFileSize: 64 << 10})
	in := testResponses(t, 60)
	refs := make([]string, len(in))
	for i, r := range in {
		ref, err := w.WriteResponse(t.Context(), r)
		if err != nil {
			t.Fatalf("WriteResponse %d: %v", i, err)
		}
		refs[i] = ref
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) < 3 {
		t.Fatalf("want several files after rotation, got %v", files)
	}
	nameRE := regexp.MustCompile(`^test-\d{14}-\d{5}\.warc\.gz$`)
	for _, f := range files {
		if !nameRE.MatchString(filepath.Base(f)) {
			t.Errorf("file name %s does not match %s", f, nameRE)
		}
		if st, _ := os.Stat(f); st.Size() > 64<<10 {
			t.Errorf("%s has %d bytes, over MaxFileSize", f, st.Size())
		}
	}
	if st := w.Stats(); st.Files != len(files) || st.Responses != int64(len(in)) {
		t.Errorf("Stats = %+v, want %d files, %d responses", st, len(files), len(in))
	}

	// By ref.
	seen := map[string]bool{}
	for i, ref := range refs {
		if seen[ref] {
			t.Fatalf("ref %s returned twice", ref)
		}
		seen[ref] = true
		got, err := Open(dir, ref)
		if err != nil {
			t.Fatalf("Open(%s): %v", ref, err)
		}
		if diff := cmp.Diff(wantRead(in[i]), *got, bytesEqual); diff != "" {
			t.Fatalf("Open(%s) mismatch (-want +got):\n%s", ref, diff)
		}
	}

	// By Scan, file after file.
	var scanned []string
	for _, f := range files {
		err := Scan(f, func(ref string, r *Response) error {
			i := indexOf(refs, ref)
			if i < 0 {
				return fmt.Errorf("Scan gave unknown ref %s", ref)
			}
			if diff := cmp.Diff(wantRead(in[i]), *r, bytesEqual); diff != "" {
				return fmt.Errorf("Scan %s mismatch (-want +got):\n%s", ref, diff)
			}
			scanned = append(scanned, ref)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(refs, scanned); diff != "" {
		t.Errorf("Scan refs (-want +got):\n%s", diff)
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// TestLibraryReaderAndDigests reads the files with gowarc's own reader,
// strictly, and checks the digests against independently computed ones.
func TestLibraryReaderAndDigests(t *testing.T) {
	dir := t.TempDir()
	w := newWriter(t, Options{Dir: dir, MaxFileSize: 32 << 10})
	in := testResponses(t, 20)
	byURL := map[string]Response{}
	for _, r := range in {
		if _, err := w.WriteResponse(t.Context(), r); err != nil {
			t.Fatal(err)
		}
		byURL[r.URL] = r
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.warc.gz"))
	counts := map[string]int{}
	for _, f := range files {
		rd, err := gowarc.NewWarcFileReader(f, 0, gowarc.WithStrictValidation())
		if err != nil {
			t.Fatal(err)
		}
		first := true
		for rec, err := range rd.Records() {
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if len(rec.Validation) > 0 {
				t.Errorf("%s@%d: validation: %v", f, rec.Offset, rec.Validation)
			}
			h := rec.WarcRecord.WarcHeader()
			typ := rec.WarcRecord.Type().String()
			counts[typ]++
			if first != (typ == "warcinfo") {
				t.Errorf("%s@%d: %s record; a file starts with its single warcinfo", f, rec.Offset, typ)
			}
			if typ == "warcinfo" && h.Get(gowarc.WarcFilename) != filepath.Base(f) {
				t.Errorf("warcinfo names %q in %s", h.Get(gowarc.WarcFilename), f)
			}
			first = false
			if typ == "response" {
				r := byURL[h.Get(gowarc.WarcTargetURI)]
				sum := sha1.Sum(r.Body)
				want := "sha1:" + base32.StdEncoding.EncodeToString(sum[:])
				if got := h.Get(gowarc.WarcPayloadDigest); got != want {
					t.Errorf("%s: payload digest %s, want %s", r.URL, got, want)
				}
				if !strings.HasPrefix(h.Get(gowarc.WarcBlockDigest), "sha1:") {
					t.Errorf("%s: block digest %q", r.URL, h.Get(gowarc.WarcBlockDigest))
				}
				if h.Get(gowarc.WarcWarcinfoID) == "" || h.Get(gowarc.WarcIPAddress) == "" {
					t.Errorf("%s: header %v", r.URL, h)
				}
				if ct := h.Get(gowarc.ContentType); ct != "application/http;msgtype=response" {
					t.Errorf("%s: Content-Type %q", r.URL, ct)
				}
			}
			_ = rec.Close()
		}
		_ = rd.Close()
	}
	if diff := cmp.Diff(map[string]int{"warcinfo": len(files), "response": 20, "request": 20}, counts); diff != "" {
		t.Errorf("record counts (-want +got):\n%s", diff)
	}
}

// TestStandardGzip decompresses a file with the standard library's
// multi-member gzip reader (what zcat does) and checks the WARC text.
func TestStandardGzip(t *testing.T) {
	dir := t.TempDir()
	w := newWriter(t, Options{Dir: dir})
	in := testResponses(t, 6)
	in = append(in[:1], in[2:]...) // not the binary body, which holds a fake WARC header
	for _, r := range in {
		if _, err := w.WriteResponse(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.warc.gz"))
	if len(files) != 1 {
		t.Fatalf("files = %v", files)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(text, []byte("WARC/1.1\r\nWARC-Type: warcinfo\r\n")) && !bytes.HasPrefix(text, []byte("WARC/1.1\r\n")) {
		t.Errorf("file starts with %q", text[:min(40, len(text))])
	}
	if n := bytes.Count(text, []byte("\r\nWARC-Type: response\r\n")); n != 5 {
		t.Errorf("%d response records in the decompressed text, want 5", n)
	}
	if !bytes.Contains(text, []byte("\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html; charset=gbk\r\n")) {
		t.Error("no HTTP status line and header after a WARC header")
	}
}

func TestConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	w := newWriter(t, Options{Dir: dir, MaxFileSize: 48 << 10})
	const goroutines, each = 8, 25
	in := testResponses(t, goroutines*each)
	refs := make([]string, len(in))
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for i := g * each; i < (g+1)*each; i++ {
				ref, err := w.WriteResponse(t.Context(), in[i])
				if err != nil {
					errs <- err
					return
				}
				refs[i] = ref
			}
		})
	}
	// Sync and Stats concurrently with the writers.
	for range 5 {
		if err := w.Sync(); err != nil {
			t.Error(err)
		}
		_ = w.Stats()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for i, ref := range refs {
		got, err := Open(dir, ref)
		if err != nil {
			t.Fatalf("Open(%s): %v", ref, err)
		}
		if diff := cmp.Diff(wantRead(in[i]), *got, bytesEqual); diff != "" {
			t.Fatalf("Open(%s) (-want +got):\n%s", ref, diff)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.warc.gz"))
	total := 0
	for _, f := range files {
		if err := Scan(f, func(string, *Response) error { total++; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if total != len(in) || len(files) < 2 {
		t.Errorf("Scan found %d responses in %d files, want %d in several", total, len(files), len(in))
	}
}

// writeFile writes responses to a fresh archive and returns the file and
// the refs.
func writeFile(t *testing.T, n int) (dir, file string, refs []string) {
	t.Helper()
	dir = t.TempDir()
	w := newWriter(t, Options{Dir: dir})
	for _, r := range testResponses(t, n) {
		ref, err := w.WriteResponse(t.Context(), r)
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ref, _ := ParseRef(refs[0])
	return dir, filepath.Join(dir, ref.File), refs
}

func TestDamagedFiles(t *testing.T) {
	t.Run("truncated", func(t *testing.T) {
		dir, file, refs := writeFile(t, 4)
		last, _ := ParseRef(refs[3])
		if err := os.Truncate(file, last.Offset+100); err != nil {
			t.Fatal(err)
		}
		n := 0
		err := Scan(file, func(string, *Response) error { n++; return nil })
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), file) {
			t.Errorf("Scan of truncated file: %v", err)
		}
		if n != 3 {
			t.Errorf("Scan delivered %d responses before the damage, want 3", n)
		}
		if _, err := Open(dir, refs[3]); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), filepath.Base(file)) {
			t.Errorf("Open of truncated record: %v", err)
		}
		if _, err := Open(dir, refs[2]); err != nil {
			t.Errorf("Open of an intact record before the damage: %v", err)
		}
	})
	t.Run("flipped byte in a gzip member", func(t *testing.T) {
		dir, file, refs := writeFile(t, 3)
		r1, _ := ParseRef(refs[1])
		r2, _ := ParseRef(refs[2])
		data, _ := os.ReadFile(file)
		data[(r1.Offset+r2.Offset)/2] ^= 0x55
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		err := Scan(file, func(string, *Response) error { return nil })
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), file) {
			t.Errorf("Scan: %v", err)
		}
		if _, err := Open(dir, refs[1]); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Open: %v", err)
		}
	})
	t.Run("garbage appended", func(t *testing.T) {
		_, file, _ := writeFile(t, 2)
		f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = f.WriteString("this is not a warc record")
		_ = f.Close()
		n := 0
		err = Scan(file, func(string, *Response) error { n++; return nil })
		if !errors.Is(err, ErrCorrupt) || n != 2 {
			t.Errorf("Scan: %d responses, err %v", n, err)
		}
	})
	t.Run("body altered in a plain warc", func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "plain.warc")
		writePlain(t, file, plainRecord{body: []byte("original body"), ce: ""})
		data, _ := os.ReadFile(file)
		data = bytes.Replace(data, []byte("original body"), []byte("Original body"), 1)
		_ = os.WriteFile(file, data, 0o644)
		err := Scan(file, func(string, *Response) error { return nil })
		var de *gowarc.DigestError
		if !errors.Is(err, ErrCorrupt) || !errors.As(err, &de) || !strings.Contains(err.Error(), file) {
			t.Errorf("Scan: %v", err)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	dir, file, refs := writeFile(t, 2)
	base := filepath.Base(file)
	r0, _ := ParseRef(refs[0])
	tests := []struct {
		ref  string
		want error
	}{
		{"", ErrBadRef},
		{base, ErrBadRef},
		{base + "#", ErrBadRef},
		{base + "#-1", ErrBadRef},
		{base + "#x", ErrBadRef},
		{"../" + base + "#0", ErrBadRef},
		{"/etc/passwd#0", ErrBadRef},
		{"..#0", ErrBadRef},
		{"missing.warc.gz#0", fs.ErrNotExist},
		{base + "#0", ErrNotResponse}, // the warcinfo record
		{fmt.Sprintf("%s#%d", base, r0.Offset+1), ErrCorrupt},
		{base + "#999999999", ErrCorrupt},
	}
	for _, tt := range tests {
		_, err := Open(dir, tt.ref)
		if !errors.Is(err, tt.want) {
			t.Errorf("Open(%q) = %v, want %v", tt.ref, err, tt.want)
		}
	}
}

func TestParseRef(t *testing.T) {
	got, err := ParseRef("winnow-20240517083000-00001.warc.gz#1234")
	want := Ref{File: "winnow-20240517083000-00001.warc.gz", Offset: 1234}
	if err != nil || got != want || got.String() != "winnow-20240517083000-00001.warc.gz#1234" {
		t.Errorf("ParseRef = %+v, %v", got, err)
	}
}

func TestFramingHeaders(t *testing.T) {
	body := []byte("<html>解码后的正文</html>")
	tests := []struct {
		name       string
		header     http.Header
		body       []byte
		wantHeader http.Header
	}{
		{
			name:   "transfer-encoding is renamed: the body is stored de-chunked",
			header: http.Header{"Transfer-Encoding": {"chunked"}, "Content-Type": {"text/html"}},
			body:   body,
			wantHeader: http.Header{
				"X-Archive-Orig-Transfer-Encoding": {"chunked"},
				"Content-Type":                     {"text/html"},
			},
		},
		{
			name:   "gzip named but the body was decoded (colly)",
			header: http.Header{"Content-Encoding": {"gzip"}, "Content-Length": {"12"}, "Content-Type": {"text/html"}},
			body:   body,
			wantHeader: http.Header{
				"X-Archive-Orig-Content-Encoding": {"gzip"},
				"X-Archive-Orig-Content-Length":   {"12"},
				"Content-Length":                  {fmt.Sprint(len(body))},
				"Content-Type":                    {"text/html"},
			},
		},
		{
			name:       "gzip named and the body is gzip: stored as is, decoded on read",
			header:     http.Header{"Content-Encoding": {"gzip"}, "Content-Type": {"text/html"}},
			body:       gzipBytes(t, body),
			wantHeader: http.Header{"Content-Encoding": {"gzip"}, "Content-Type": {"text/html"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			w := newWriter(t, Options{Dir: dir})
			r := Response{URL: "https://a.example/x", StatusCode: 200, Header: tt.header, Body: tt.body}
			before := tt.header.Clone()
			ref, err := w.WriteResponse(t.Context(), r)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Open(dir, ref)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantHeader, got.Header); diff != "" {
				t.Errorf("stored header (-want +got):\n%s", diff)
			}
			if !bytes.Equal(got.Body, body) || got.Method != "GET" {
				t.Errorf("body %q method %q", got.Body, got.Method)
			}
			if diff := cmp.Diff(before, tt.header); diff != "" {
				t.Errorf("WriteResponse modified the caller's header: %s", diff)
			}
		})
	}
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestResponseMatchesExchange pins Response's fields: crawler.Exchange
// converts to it, which needs the same names and types in the same order.
func TestResponseMatchesExchange(t *testing.T) {
	var got []string
	rt := reflect.TypeFor[Response]()
	for i := range rt.NumField() {
		got = append(got, rt.Field(i).Name+" "+rt.Field(i).Type.String())
	}
	want := []string{"URL string", "Method string", "StatusCode int", "Proto string", "Header http.Header",
		"Body []uint8", "FetchedAt time.Time", "RemoteAddr string"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Response fields (-want +got):\n%s", diff)
	}
}

func TestWriterOptions(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	_ = os.WriteFile(notDir, nil, 0o644)
	tests := []struct {
		name string
		opts Options
		want error // nil: valid
	}{
		{"zero but Dir", Options{Dir: dir}, nil},
		{"no Dir", Options{}, ErrInvalidOptions},
		{"prefix with slash", Options{Dir: dir, Prefix: "../x"}, ErrInvalidOptions},
		{"negative size", Options{Dir: dir, MaxFileSize: -1}, ErrInvalidOptions},
		{"level 10", Options{Dir: dir, CompressionLevel: 10}, ErrInvalidOptions},
		{"level 9", Options{Dir: dir, CompressionLevel: 9}, nil},
		{"software newline", Options{Dir: dir, Software: "a\nb"}, ErrInvalidOptions},
		{"dir is a file", Options{Dir: notDir}, fs.ErrExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := NewWriter(tt.opts)
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				_ = w.Close()
				return
			}
			if err == nil || !errors.Is(err, tt.want) && !strings.Contains(err.Error(), "not a directory") {
				t.Errorf("NewWriter = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestWriteResponseErrors(t *testing.T) {
	dir := t.TempDir()
	w := newWriter(t, Options{Dir: dir})
	ok := Response{URL: "http://a.example/", StatusCode: 200}
	tests := []struct {
		name string
		r    Response
	}{
		{"relative URL", Response{URL: "/x", StatusCode: 200}},
		{"no URL", Response{StatusCode: 200}},
		{"status 0", Response{URL: ok.URL}},
		{"status 1000", Response{URL: ok.URL, StatusCode: 1000}},
		{"bad proto", Response{URL: ok.URL, StatusCode: 200, Proto: "HTTX/1"}},
		{"bad method", Response{URL: ok.URL, StatusCode: 200, Method: "GE T"}},
		{"bad header name", Response{URL: ok.URL, StatusCode: 200, Header: http.Header{"Bad Name": {"x"}}}},
	}
	for _, tt := range tests {
		if _, err := w.WriteResponse(t.Context(), tt.r); !errors.Is(err, ErrInvalidResponse) {
			t.Errorf("%s: err = %v, want ErrInvalidResponse", tt.name, err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := w.WriteResponse(ctx, ok); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled ctx: %v", err)
	}
	if st := w.Stats(); st.Responses != 0 || st.Files != 0 {
		t.Errorf("failed writes were counted: %+v", st)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("failed writes created files: %v", files)
	}
	if _, err := w.WriteResponse(t.Context(), ok); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := w.WriteResponse(t.Context(), ok); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if err := w.Sync(); err != nil {
		t.Errorf("Sync after Close: %v", err)
	}
}

// TestFileCreationFailureIsReported: a write that cannot create its file
// returns the error (nothing is dropped silently), and the writer
// recovers once the directory is usable again.
func TestFileCreationFailureIsReported(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "warc")
	w := newWriter(t, Options{Dir: dir})
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o644); err != nil { // a file where the directory was
		t.Fatal(err)
	}
	r := Response{URL: "http://a.example/", StatusCode: 200, Body: []byte("x")}
	if _, err := w.WriteResponse(t.Context(), r); err == nil {
		t.Fatal("WriteResponse succeeded without a directory")
	}
	_ = os.Remove(dir)
	_ = os.Mkdir(dir, 0o755)
	ref, err := w.WriteResponse(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Open(dir, ref); err != nil || string(got.Body) != "x" {
		t.Errorf("Open after recovery: %v", err)
	}
}
