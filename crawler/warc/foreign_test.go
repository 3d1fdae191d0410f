package warc

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"
	"github.com/nlnwa/gowarc/v3"
)

// plainRecord is a response as another crawler might store it: raw
// payload bytes (possibly chunked and content-encoded) with the original
// framing headers, the request record first (wget's order).
type plainRecord struct {
	body    []byte // the stored payload
	ce, te  string // Content-Encoding, Transfer-Encoding headers
	noReq   bool
	version *gowarc.WarcVersion
}

// writePlain writes records uncompressed (a plain .warc) with gowarc.
func writePlain(t *testing.T, path string, recs ...plainRecord) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := gowarc.NewMarshaler()
	for i, pr := range recs {
		opts := []gowarc.WarcRecordOption{gowarc.WithDefaultDigestAlgorithm("sha1"), gowarc.WithAddMissingDigest(true)}
		if pr.version != nil {
			opts = append(opts, gowarc.WithVersion(pr.version))
		}
		url := fmt.Sprintf("http://old.example/%d", i)
		var reqID string
		if !pr.noReq {
			rb := gowarc.NewRecordBuilder(gowarc.Request, opts...)
			rb.AddWarcHeader(gowarc.WarcTargetURI, url)
			rb.AddWarcHeader(gowarc.WarcDate, "2020-01-02T03:04:05Z")
			rb.AddWarcHeader(gowarc.ContentType, "application/http;msgtype=request")
			_, _ = rb.WriteString(fmt.Sprintf("HEAD /%d HTTP/1.1\r\nHost: old.example\r\nAccept-Encoding: gzip\r\n\r\n", i))
			req, _, err := rb.Build()
			if err != nil {
				t.Fatal(err)
			}
			reqID = req.WarcHeader().Get(gowarc.WarcRecordID)
			if _, _, err := m.Marshal(f, req, 0); err != nil {
				t.Fatal(err)
			}
			_ = req.Close()
		}
		rb := gowarc.NewRecordBuilder(gowarc.Response, opts...)
		rb.AddWarcHeader(gowarc.WarcTargetURI, url)
		rb.AddWarcHeader(gowarc.WarcDate, "2020-01-02T03:04:05Z")
		rb.AddWarcHeader(gowarc.ContentType, "application/http; msgtype=response")
		if reqID != "" {
			rb.AddWarcHeader(gowarc.WarcConcurrentTo, reqID)
		}
		var head bytes.Buffer
		head.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=gbk\r\n")
		if pr.ce != "" {
			head.WriteString("Content-Encoding: " + pr.ce + "\r\n")
		}
		if pr.te != "" {
			head.WriteString("Transfer-Encoding: " + pr.te + "\r\n")
		}
		head.WriteString("\r\n")
		_, _ = rb.Write(head.Bytes())
		_, _ = rb.Write(pr.body)
		resp, _, err := rb.Build()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := m.Marshal(f, resp, 0); err != nil {
			t.Fatal(err)
		}
		_ = resp.Close()
		// A metadata record between exchanges is skipped by Scan.
		rb = gowarc.NewRecordBuilder(gowarc.Metadata, opts...)
		rb.AddWarcHeader(gowarc.WarcTargetURI, url)
		rb.AddWarcHeader(gowarc.WarcDate, "2020-01-02T03:04:05Z")
		rb.AddWarcHeader(gowarc.ContentType, "application/warc-fields")
		_, _ = rb.WriteString("via: test\r\n")
		meta, _, err := rb.Build()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := m.Marshal(f, meta, 0); err != nil {
			t.Fatal(err)
		}
		_ = meta.Close()
	}
}

func chunk(b []byte) []byte {
	var out bytes.Buffer
	for len(b) > 0 {
		n := min(len(b), 7)
		fmt.Fprintf(&out, "%x\r\n%s\r\n", n, b[:n])
		b = b[n:]
	}
	out.WriteString("0\r\n\r\n")
	return out.Bytes()
}

func TestScanForeignPayloads(t *testing.T) {
	page := gbk(t, "<html><p>梧州零距离网：聚焦梧州</p></html>")
	var gz, df, rawDF bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(page)
	_ = zw.Close()
	zl := zlib.NewWriter(&df)
	_, _ = zl.Write(page)
	_ = zl.Close()
	fw, _ := flate.NewWriter(&rawDF, 5)
	_, _ = fw.Write(page)
	_ = fw.Close()
	enc, _ := zstd.NewWriter(nil)
	zs := enc.EncodeAll(page, nil)
	_ = enc.Close()

	tests := []struct {
		name   string
		rec    plainRecord
		method string
	}{
		{"identity", plainRecord{body: page}, "HEAD"},
		{"chunked", plainRecord{body: chunk(page), te: "chunked"}, "HEAD"},
		{"gzip", plainRecord{body: gz.Bytes(), ce: "gzip"}, "HEAD"},
		{"chunked gzip", plainRecord{body: chunk(gz.Bytes()), ce: "x-gzip", te: "chunked"}, "HEAD"},
		{"zlib deflate", plainRecord{body: df.Bytes(), ce: "deflate"}, "HEAD"},
		{"raw deflate", plainRecord{body: rawDF.Bytes(), ce: "deflate"}, "HEAD"},
		{"zstd", plainRecord{body: zs, ce: "zstd"}, "HEAD"},
		{"gzip header but stored decoded", plainRecord{body: page, ce: "gzip"}, "HEAD"},
		{"no request record, WARC/1.0", plainRecord{body: page, noReq: true, version: gowarc.V1_0}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "old.warc")
			writePlain(t, file, tt.rec, tt.rec) // twice: pairing must not leak across exchanges
			var got []*Response
			var refs []string
			err := Scan(file, func(ref string, r *Response) error {
				got = append(got, r)
				refs = append(refs, ref)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 {
				t.Fatalf("Scan found %d responses, want 2", len(got))
			}
			for i, r := range got {
				if !bytes.Equal(r.Body, page) || r.Method != tt.method || r.StatusCode != 200 {
					t.Errorf("response %d: body %q method %q status %d", i, r.Body, r.Method, r.StatusCode)
				}
				if tt.rec.ce != "" && r.Header.Get("Content-Encoding") != tt.rec.ce {
					t.Errorf("response %d: header not returned as stored: %v", i, r.Header)
				}
				if want := fmt.Sprintf("http://old.example/%d", i); r.URL != want {
					t.Errorf("URL %q, want %q", r.URL, want)
				}
				// A ref from Scan opens the same record in a plain file.
				o, err := Open(dir, refs[i])
				if err != nil {
					t.Fatalf("Open(%s): %v", refs[i], err)
				}
				if diff := cmp.Diff(r.Body, o.Body); diff != "" || o.URL != r.URL {
					t.Errorf("Open(%s) differs from Scan: %s", refs[i], diff)
				}
			}
		})
	}
}

func TestUnsupportedEncoding(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "br.warc")
	writePlain(t, file, plainRecord{body: []byte{0x1b, 0x03}, ce: "br"})
	err := Scan(file, func(string, *Response) error { return nil })
	if !errors.Is(err, ErrUnsupportedEncoding) || !errors.Is(err, ErrCorrupt) {
		t.Errorf("Scan: %v", err)
	}
}

func TestScanStopsOnCallbackError(t *testing.T) {
	_, file, _ := writeFile(t, 3)
	stop := errors.New("stop")
	n := 0
	err := Scan(file, func(string, *Response) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Scan = %v after %d calls", err, n)
	}
}

func TestDecodePayloadLimits(t *testing.T) {
	// A gzip payload claiming gzip but damaged is an error, not passed on.
	bad := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3}
	if _, _, err := decodePayload(http.Header{"Content-Encoding": {"gzip"}}, bad); err == nil {
		t.Error("damaged gzip payload decoded without error")
	}
	// Stacked codings are undone in reverse order.
	var inner, outer bytes.Buffer
	zl := zlib.NewWriter(&inner)
	_, _ = zl.Write([]byte("twice"))
	_ = zl.Close()
	zw := gzip.NewWriter(&outer)
	_, _ = zw.Write(inner.Bytes())
	_ = zw.Close()
	got, decoded, err := decodePayload(http.Header{"Content-Encoding": {"deflate, gzip"}}, outer.Bytes())
	if err != nil || string(got) != "twice" || !decoded {
		t.Errorf("stacked codings: %q %v %v", got, decoded, err)
	}
}
