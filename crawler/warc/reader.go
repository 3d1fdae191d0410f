package warc

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/nlnwa/gowarc/v3"
)

func readOptions() []gowarc.WarcRecordOption {
	return []gowarc.WarcRecordOption{
		gowarc.WithSyntaxErrorPolicy(gowarc.ErrWarn),
		gowarc.WithSpecViolationPolicy(gowarc.ErrWarn),
		gowarc.WithUnknownRecordTypePolicy(gowarc.ErrIgnore),
		gowarc.WithBufferMaxMemBytes(maxMemRecord),
	}
}

// fatalValidation returns the first validation finding that means the
// data is damaged: a digest or length mismatch, or bytes skipped before a
// record. Other findings (spec nits of foreign files) are tolerated.
func fatalValidation(validation []error) error {
	for _, v := range validation {
		var de *gowarc.DigestError
		var le *gowarc.ContentLengthError
		var se *gowarc.SyntaxError
		if errors.As(v, &de) || errors.As(v, &le) ||
			errors.As(v, &se) && strings.Contains(se.Error(), "after expected offset") {
			return v
		}
	}
	return nil
}

func corrupt(file string, offset int64, err error) error {
	return fmt.Errorf("%w: %s at offset %d: %w", ErrCorrupt, file, offset, err)
}

// Open reads the response record at ref ("FILE#OFFSET", FILE relative to
// dir), and the request record that follows it, if any, for Method.
func Open(dir, ref string) (*Response, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, r.File)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("warc: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(r.Offset, io.SeekStart); err != nil {
		return nil, fmt.Errorf("warc: %s: %w", path, err)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	magic, err := br.Peek(5)
	if err != nil || !(magic[0] == 0x1f && magic[1] == 0x8b) && string(magic) != "WARC/" {
		return nil, corrupt(path, r.Offset, errors.New("no WARC record starts here"))
	}
	gowarcMu.Lock()
	u := gowarc.NewUnmarshaler(readOptions()...)
	gowarcMu.Unlock()
	rec, _, validation, err := u.Unmarshal(br)
	if err != nil {
		return nil, corrupt(path, r.Offset, err)
	}
	defer rec.Close()
	if err := fatalValidation(validation); err != nil {
		return nil, corrupt(path, r.Offset, err)
	}
	if !isHTTP(rec, gowarc.Response) {
		return nil, fmt.Errorf("%w: %s at offset %d is a %s record", ErrNotResponse, path, r.Offset, rec.Type())
	}
	resp, err := toResponse(rec)
	if err != nil {
		return nil, corrupt(path, r.Offset, err)
	}
	// The request record written with the response follows it.
	if next, _, validation, err := u.Unmarshal(br); err == nil {
		if fatalValidation(validation) == nil && isHTTP(next, gowarc.Request) &&
			next.WarcHeader().Get(gowarc.WarcConcurrentTo) == rec.WarcHeader().Get(gowarc.WarcRecordID) {
			resp.Method = requestMethod(next)
		}
		_ = next.Close()
	}
	return resp, nil
}

// Scan calls fn for every HTTP response record of the WARC file at path
// (.warc.gz, each record its own gzip member, or plain .warc), in file
// order, with the record's ref (the file's base name and the record's
// offset). Other record types are skipped; a request record next to a
// response (written before or after it, linked by WARC-Concurrent-To)
// fills in Method. Scan stops at the first error from
// fn, which it returns, or at the first damaged record, reported as
// ErrCorrupt with the file and offset.
func Scan(path string, fn func(ref string, r *Response) error) error {
	gowarcMu.Lock()
	rd, err := gowarc.NewWarcFileReader(path, 0, readOptions()...)
	gowarcMu.Unlock()
	if err != nil {
		return fmt.Errorf("warc: %w", err)
	}
	defer rd.Close()
	base := filepath.Base(path)
	type pending struct {
		ref  string
		id   string
		resp *Response
	}
	var (
		cur     *pending
		lastReq struct{ id, to, method string }
	)
	flush := func() error {
		if cur == nil {
			return nil
		}
		p := cur
		cur = nil
		return fn(p.ref, p.resp)
	}
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil {
			err = fatalValidation(rec.Validation)
		}
		if err != nil {
			if rec.WarcRecord != nil {
				_ = rec.Close()
			}
			if ferr := flush(); ferr != nil {
				return ferr
			}
			return corrupt(path, rec.Offset, err)
		}
		wr := rec.WarcRecord
		switch {
		case isHTTP(wr, gowarc.Response):
			resp, err := toResponse(wr)
			if ferr := flush(); ferr != nil {
				_ = rec.Close()
				return ferr
			}
			if err != nil {
				_ = rec.Close()
				return corrupt(path, rec.Offset, err)
			}
			id := wr.WarcHeader().Get(gowarc.WarcRecordID)
			if lastReq.id != "" && (lastReq.to == id || wr.WarcHeader().Get(gowarc.WarcConcurrentTo) == lastReq.id) {
				resp.Method = lastReq.method
			}
			cur = &pending{ref: Ref{File: base, Offset: rec.Offset}.String(), id: id, resp: resp}
		case isHTTP(wr, gowarc.Request):
			lastReq.id = wr.WarcHeader().Get(gowarc.WarcRecordID)
			lastReq.to = wr.WarcHeader().Get(gowarc.WarcConcurrentTo)
			lastReq.method = requestMethod(wr)
			if cur != nil && lastReq.to == cur.id {
				cur.resp.Method = lastReq.method
			}
		}
		_ = rec.Close()
	}
	return flush()
}

func isHTTP(rec gowarc.WarcRecord, t gowarc.RecordType) bool {
	if rec.Type() != t {
		return false
	}
	switch rec.Block().(type) {
	case gowarc.HttpResponseBlock:
		return t == gowarc.Response
	case gowarc.HttpRequestBlock:
		return t == gowarc.Request
	}
	return false
}

// parseHead parses the start line and header fields of an HTTP message
// as stored (unlike net/http's parsers, it keeps Host and
// Transfer-Encoding in the header).
func parseHead(b []byte) (line string, h http.Header, err error) {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(b)))
	if line, err = tp.ReadLine(); err != nil {
		return "", nil, fmt.Errorf("HTTP start line: %w", err)
	}
	mh, err := tp.ReadMIMEHeader()
	if err != nil && !errors.Is(err, io.EOF) { // EOF: no blank line after the fields
		return "", nil, fmt.Errorf("HTTP header: %w", err)
	}
	h = http.Header(mh)
	if h == nil {
		h = http.Header{}
	}
	return line, h, nil
}

// toResponse converts a response record.
func toResponse(rec gowarc.WarcRecord) (*Response, error) {
	block := rec.Block().(gowarc.HttpResponseBlock)
	h := rec.WarcHeader()
	line, header, err := parseHead(block.ProtocolHeaderBytes())
	if err != nil {
		return nil, err
	}
	proto, rest, _ := strings.Cut(line, " ")
	codeStr, _, _ := strings.Cut(rest, " ")
	code, err := strconv.Atoi(codeStr)
	if _, _, ok := http.ParseHTTPVersion(proto); !ok || err != nil || len(codeStr) != 3 {
		return nil, fmt.Errorf("bad HTTP status line %q", line)
	}
	resp := &Response{
		URL:        h.Get(gowarc.WarcTargetURI),
		StatusCode: code,
		Proto:      proto,
		Header:     header,
		RemoteAddr: h.Get(gowarc.WarcIPAddress),
	}
	if t, err := h.GetTime(gowarc.WarcDate); err == nil {
		resp.FetchedAt = t
	}
	payload, err := block.PayloadBytes()
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(io.LimitReader(payload, MaxPayload+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxPayload {
		return nil, ErrTooLarge
	}
	if resp.Body, _, err = decodePayload(resp.Header, raw); err != nil {
		return nil, err
	}
	return resp, nil
}

// requestMethod returns the method of a request record, "" if unreadable.
func requestMethod(rec gowarc.WarcRecord) string {
	line, _, err := parseHead(rec.Block().(gowarc.HttpRequestBlock).ProtocolHeaderBytes())
	if err != nil {
		return ""
	}
	method, _, _ := strings.Cut(line, " ")
	return method
}

// decodePayload undoes a chunked transfer coding and the content codings
// named in h, and reports whether it changed anything. A payload that
// does not look encoded as its header claims (stored already decoded) is
// returned as is.
func decodePayload(h http.Header, body []byte) ([]byte, bool, error) {
	decoded := false
	if te := strings.ToLower(strings.Join(h.Values("Transfer-Encoding"), ",")); strings.Contains(te, "chunked") {
		if b, err := io.ReadAll(io.LimitReader(httputil.NewChunkedReader(bytes.NewReader(body)), MaxPayload+1)); err == nil {
			if len(b) > MaxPayload {
				return nil, false, ErrTooLarge
			}
			body, decoded = b, true
		}
	}
	var codings []string
	for _, v := range h.Values("Content-Encoding") {
		for c := range strings.SplitSeq(v, ",") {
			if c = strings.ToLower(strings.TrimSpace(c)); c != "" && c != "identity" {
				codings = append(codings, c)
			}
		}
	}
	for i := len(codings) - 1; i >= 0; i-- {
		var r io.Reader
		switch c := codings[i]; c {
		case "gzip", "x-gzip":
			if len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
				return body, decoded, nil // already decoded
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				return nil, false, fmt.Errorf("gzip payload: %w", err)
			}
			r = zr
		case "deflate":
			if zr, err := zlib.NewReader(bytes.NewReader(body)); err == nil {
				r = zr
			} else {
				r = flate.NewReader(bytes.NewReader(body))
			}
		case "zstd":
			if len(body) < 4 || string(body[:4]) != "\x28\xb5\x2f\xfd" {
				return body, decoded, nil
			}
			zr, err := zstd.NewReader(bytes.NewReader(body), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(MaxPayload))
			if err != nil {
				return nil, false, fmt.Errorf("zstd payload: %w", err)
			}
			defer zr.Close()
			r = zr
		default:
			return nil, false, fmt.Errorf("%w %q", ErrUnsupportedEncoding, c)
		}
		b, err := io.ReadAll(io.LimitReader(r, MaxPayload+1))
		if err != nil {
			if codings[i] == "deflate" && !decoded && i == len(codings)-1 {
				return body, decoded, nil // not deflate after all: stored decoded
			}
			return nil, false, fmt.Errorf("%s payload: %w", codings[i], err)
		}
		if len(b) > MaxPayload {
			return nil, false, ErrTooLarge
		}
		body, decoded = b, true
	}
	return body, decoded, nil
}
