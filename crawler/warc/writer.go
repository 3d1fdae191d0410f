package warc

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/klauspost/compress/gzip"
	"golang.org/x/net/http/httpguts"
)

// Options configure a Writer. The zero value of every field but Dir is
// usable.
type Options struct {
	// Dir is the directory of the WARC files; created if missing.
	// Required.
	Dir string
	// Prefix starts every file name; "" means "winnow". Letters, digits,
	// '.', '_' and '-' only.
	Prefix string
	// MaxFileSize rotates to a new file before a record would make the
	// current one larger; zero means 1 GiB. A record larger than
	// MaxFileSize gets a file of its own.
	MaxFileSize int64
	// Logger receives file rotations (Info); nil means discard.
	Logger *slog.Logger
	// NoRequestRecords leaves out the request record after each response;
	// zero (false) means request records are written.
	NoRequestRecords bool
	// CompressionLevel is the gzip level, 1 (fastest) to 9 (smallest);
	// zero means 1: at level 1 archiving costs a fraction of fetching
	// and extraction, and HTML still shrinks about 4x.
	CompressionLevel int
	// Software is the "software" field of the warcinfo record; "" means
	// "winnow".
	Software string
}

const (
	defaultMaxFileSize = 1 << 30
	defaultPrefix      = "winnow"
	// maxMemRecord keeps records of up to this size in memory while they
	// are built or read (gowarc spills larger ones to temporary files).
	maxMemRecord = 32 << 20
)

var prefixRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Writer appends response records to WARC files. It is safe for
// concurrent use.
type Writer struct {
	dir, prefix string
	maxSize     int64
	level       int
	requests    bool
	software    string
	log         *slog.Logger
	bufs        sync.Pool // *bytes.Buffer
	gzips       sync.Pool // *gzip.Writer at level
	stored      sync.Pool // *gzip.Writer storing (small records)
	heads       sync.Pool // *bytes.Buffer for record headers
	// slots bounds the records compressed at once to the CPUs: more
	// would only keep more compressors (each a few hundred KB) alive.
	slots chan struct{}

	mu         sync.Mutex
	f          *os.File
	name       string
	size       int64 // bytes in the current file
	records    int   // response records in the current file
	warcinfoID string
	serial     int
	closed     bool
	stats      Stats
}

// Stats count what a Writer wrote.
type Stats struct {
	Files     int   // files created
	Responses int64 // response records
	Bytes     int64 // compressed bytes written, all records
}

// NewWriter validates opts and returns a Writer. The first file is
// created by the first WriteResponse.
func NewWriter(opts Options) (*Writer, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("%w: Dir is required", ErrInvalidOptions)
	}
	if opts.Prefix == "" {
		opts.Prefix = defaultPrefix
	}
	if !prefixRE.MatchString(opts.Prefix) {
		return nil, fmt.Errorf("%w: Prefix %q: letters, digits, '.', '_' and '-' only", ErrInvalidOptions, opts.Prefix)
	}
	if opts.MaxFileSize < 0 {
		return nil, fmt.Errorf("%w: MaxFileSize %d is negative", ErrInvalidOptions, opts.MaxFileSize)
	}
	if opts.MaxFileSize == 0 {
		opts.MaxFileSize = defaultMaxFileSize
	}
	if opts.CompressionLevel == 0 {
		opts.CompressionLevel = gzip.BestSpeed
	}
	if opts.CompressionLevel < gzip.BestSpeed || opts.CompressionLevel > gzip.BestCompression {
		return nil, fmt.Errorf("%w: CompressionLevel %d is not 1-9", ErrInvalidOptions, opts.CompressionLevel)
	}
	if opts.Software == "" {
		opts.Software = "winnow"
	}
	if strings.ContainsAny(opts.Software, "\r\n") {
		return nil, fmt.Errorf("%w: Software has a line break", ErrInvalidOptions)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("warc: %w", err)
	}
	return &Writer{
		dir: opts.Dir, prefix: opts.Prefix, maxSize: opts.MaxFileSize, level: opts.CompressionLevel,
		requests: !opts.NoRequestRecords, software: opts.Software, log: opts.Logger,
		bufs:  sync.Pool{New: func() any { return new(bytes.Buffer) }},
		heads: sync.Pool{New: func() any { return new(bytes.Buffer) }},
		slots: make(chan struct{}, runtime.GOMAXPROCS(0)),
	}, nil
}

// WriteResponse archives one response (and its request record) and
// returns its ref, "FILE#OFFSET". The record is complete in the file when
// WriteResponse returns, durable after the next Sync, rotation or Close.
// A canceled ctx stops the call before anything is written; an error
// means nothing usable was written for r.
func (w *Writer) WriteResponse(ctx context.Context, r Response) (ref string, err error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	msg, err := newMessage(r)
	if err != nil {
		return "", err
	}
	w.mu.Lock()
	closed, infoID := w.closed, w.warcinfoID
	w.mu.Unlock()
	if closed {
		return "", ErrClosed
	}

	// Build and compress outside the lock (in parallel across callers),
	// for the current file's warcinfo id; redone under the lock in the
	// rare case the file changed meanwhile.
	buf := w.bufs.Get().(*bytes.Buffer)
	defer w.putBuf(buf)
	select {
	case w.slots <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	err = w.encode(buf, msg, infoID)
	<-w.slots
	if err != nil {
		return "", err
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return "", ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if w.f != nil && w.records > 0 && w.size+int64(buf.Len()) > w.maxSize {
		if err := w.closeFile(); err != nil {
			return "", err
		}
	}
	if w.f == nil {
		if err := w.createFile(); err != nil {
			return "", err
		}
	}
	if w.warcinfoID != infoID {
		buf.Reset()
		if err := w.encode(buf, msg, w.warcinfoID); err != nil {
			return "", err
		}
	}
	offset := w.size
	if err := w.append(buf.Bytes()); err != nil {
		return "", err
	}
	w.records++
	w.stats.Responses++
	return Ref{File: w.name, Offset: offset}.String(), nil
}

func (w *Writer) putBuf(b *bytes.Buffer) {
	if b.Cap() > 4*maxMemRecord {
		return // do not keep huge buffers alive
	}
	b.Reset()
	w.bufs.Put(b)
}

// append writes one or more complete gzip members at the end of the
// current file. On a short write the file is truncated back, so it never
// holds a partial member; if that fails too, the file is abandoned and the
// next write starts a new one.
func (w *Writer) append(p []byte) error {
	n, err := w.f.Write(p)
	if err == nil {
		w.size += int64(n)
		w.stats.Bytes += int64(n)
		return nil
	}
	err = fmt.Errorf("warc: write %s: %w", w.name, err)
	if n > 0 {
		if terr := w.f.Truncate(w.size); terr != nil {
			w.log.Error("warc file abandoned after a failed write", "file", w.name, "err", terr)
			_ = w.f.Close()
			w.f = nil
			return err
		}
		if _, serr := w.f.Seek(w.size, io.SeekStart); serr != nil {
			_ = w.f.Close()
			w.f = nil
		}
	}
	return err
}

// createFile opens a new file and writes its warcinfo record.
func (w *Writer) createFile() error {
	ts := time.Now().UTC().Format("20060102150405")
	for tries := 0; ; tries++ {
		w.serial++
		name := fmt.Sprintf("%s-%s-%05d.warc.gz", w.prefix, ts, w.serial)
		f, err := os.OpenFile(filepath.Join(w.dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) && tries < 1000 {
			continue
		}
		if err != nil {
			return fmt.Errorf("warc: %w", err)
		}
		w.f, w.name, w.size, w.records, w.warcinfoID = f, name, 0, 0, ""
		break
	}
	w.stats.Files++
	buf := w.bufs.Get().(*bytes.Buffer)
	defer w.putBuf(buf)
	id, err := w.encodeWarcinfo(buf)
	if err == nil {
		err = w.append(buf.Bytes())
	}
	if err != nil {
		if w.f != nil {
			_ = w.f.Close()
			_ = os.Remove(filepath.Join(w.dir, w.name))
			w.f = nil
		}
		return err
	}
	w.warcinfoID = id
	w.log.Info("warc file opened", "file", w.name)
	return nil
}

// closeFile syncs and closes the current file.
func (w *Writer) closeFile() error {
	f, name := w.f, w.name
	w.f, w.warcinfoID = nil, ""
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("warc: close %s: %w", name, err)
	}
	w.log.Info("warc file closed", "file", name, "bytes", w.size, "responses", w.records)
	return nil
}

// Sync commits the current file to stable storage.
func (w *Writer) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("warc: sync %s: %w", w.name, err)
	}
	return nil
}

// Close syncs and closes the current file. Later writes fail with
// ErrClosed; closing twice is harmless.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	if w.f == nil {
		return nil
	}
	return w.closeFile()
}

// Stats returns counts of what the Writer wrote.
func (w *Writer) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}

// message is a response made ready for archiving.
type message struct {
	url    string
	target string // request-target: path and query
	host   string
	method string
	head   []byte // status line and header, with the blank line
	body   []byte
	date   time.Time
	ip     string
}

func newMessage(r Response) (*message, error) {
	u, err := url.Parse(r.URL)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return nil, fmt.Errorf("%w: URL %q is not absolute", ErrInvalidResponse, r.URL)
	}
	if r.StatusCode < 100 || r.StatusCode > 999 {
		return nil, fmt.Errorf("%w: %s: status code %d", ErrInvalidResponse, r.URL, r.StatusCode)
	}
	proto := r.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	if _, _, ok := http.ParseHTTPVersion(proto); !ok {
		return nil, fmt.Errorf("%w: %s: protocol %q", ErrInvalidResponse, r.URL, r.Proto)
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	if !httpguts.ValidHeaderFieldName(method) {
		return nil, fmt.Errorf("%w: %s: method %q", ErrInvalidResponse, r.URL, r.Method)
	}
	if err := checkHeader(r.Header); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidResponse, r.URL, err)
	}

	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	rename := func(key string) {
		if v, ok := h[key]; ok {
			h[OrigPrefix+key] = append(h[OrigPrefix+key], v...)
			delete(h, key)
		}
	}
	rename("Transfer-Encoding")
	if alreadyDecoded(h, r.Body) {
		rename("Content-Encoding")
		rename("Content-Length")
		h.Set("Content-Length", strconv.Itoa(len(r.Body)))
	}
	var head bytes.Buffer
	head.Grow(512)
	head.WriteString(proto)
	head.WriteByte(' ')
	head.WriteString(strconv.Itoa(r.StatusCode))
	head.WriteByte(' ')
	head.WriteString(http.StatusText(r.StatusCode))
	head.WriteString("\r\n")
	if err := h.Write(&head); err != nil {
		return nil, err
	}
	head.WriteString("\r\n")

	date := r.FetchedAt
	if date.IsZero() {
		date = time.Now()
	}
	target := u.RequestURI()
	return &message{
		url: r.URL, target: target, host: u.Host, method: method,
		head: head.Bytes(), body: r.Body,
		date: date, ip: remoteIP(r.RemoteAddr),
	}, nil
}

// alreadyDecoded reports whether body is evidently not in the
// Content-Encoding h names (gzip or zstd without their magic number): the
// client decoded it and left the header, as colly does.
func alreadyDecoded(h http.Header, body []byte) bool {
	ce := h.Values("Content-Encoding")
	if len(ce) == 0 {
		return false
	}
	codings := strings.Split(ce[len(ce)-1], ",")
	switch strings.ToLower(strings.TrimSpace(codings[len(codings)-1])) {
	case "gzip", "x-gzip":
		return !bytes.HasPrefix(body, []byte{0x1f, 0x8b})
	case "zstd":
		return !bytes.HasPrefix(body, []byte{0x28, 0xb5, 0x2f, 0xfd})
	}
	return false
}

func checkHeader(h http.Header) error {
	for k := range h {
		if !httpguts.ValidHeaderFieldName(k) {
			return fmt.Errorf("header name %q", k)
		}
	}
	return nil
}

// remoteIP returns the IP of "ip", "ip:port" or "[ip]:port", or "".
func remoteIP(addr string) string {
	if addr == "" {
		return ""
	}
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	return ip.WithZone("").String()
}

// gowarcMu serializes the constructors of gowarc (unmarshalers, file
// readers): each one calls uuid.EnableRandPool, an unsynchronized write
// to a global of github.com/google/uuid, which the race detector reports
// under concurrent use. Record ids are generated by newRecordID, which
// does not read that global.
var gowarcMu sync.Mutex

// newRecordID returns a random (version 4) UUID URN in angle brackets,
// a WARC-Record-ID.
func newRecordID() (string, error) {
	id, err := uuid.NewRandomFromReader(rand.Reader)
	if err != nil {
		return "", err
	}
	return "<" + id.URN() + ">", nil
}

// field is one WARC header field.
type field struct{ name, value string }

// record is one WARC record to serialize: its type-specific fields (in
// order, after WARC-Type), and its block, the concatenation of parts.
// payloadFrom is the index of the part where the payload starts
// (HTTP records: the part after the HTTP header); -1 means no
// WARC-Payload-Digest.
type record struct {
	typ         string
	fields      []field
	parts       [][]byte
	payloadFrom int
}

var crlf = []byte("\r\n")

// smallRecord is the size (WARC header and block) under which a record
// is stored in its gzip member rather than compressed.
const smallRecord = 1 << 10

// sha1Digest is a labelled base32 sha1 digest of parts, the form of
// WARC-Block-Digest and WARC-Payload-Digest.
func sha1Digest(parts [][]byte) string {
	h := sha1.New()
	for _, p := range parts {
		h.Write(p)
	}
	var sum [sha1.Size]byte
	return "sha1:" + base32.StdEncoding.EncodeToString(h.Sum(sum[:0]))
}

// marshal appends rec to buf as one gzip member and returns its
// WARC-Record-ID. The text is what gowarc writes for the same record
// (WARC/1.1, the given fields, then WARC-Record-ID, Content-Length and
// the digests), without gowarc's builder: building through it costs
// more than compressing.
func (w *Writer) marshal(buf *bytes.Buffer, rec record) (string, error) {
	id, err := newRecordID()
	if err != nil {
		return "", err
	}
	size := 0
	for _, p := range rec.parts {
		size += len(p)
	}
	hd := w.heads.Get().(*bytes.Buffer)
	defer func() { hd.Reset(); w.heads.Put(hd) }()
	hd.WriteString("WARC/1.1\r\nWARC-Type: ")
	hd.WriteString(rec.typ)
	hd.Write(crlf)
	for _, f := range rec.fields {
		hd.WriteString(f.name)
		hd.WriteString(": ")
		hd.WriteString(f.value)
		hd.Write(crlf)
	}
	hd.WriteString("WARC-Record-ID: ")
	hd.WriteString(id)
	hd.WriteString("\r\nContent-Length: ")
	hd.WriteString(strconv.Itoa(size))
	hd.WriteString("\r\nWARC-Block-Digest: ")
	hd.WriteString(sha1Digest(rec.parts))
	if rec.payloadFrom >= 0 {
		hd.WriteString("\r\nWARC-Payload-Digest: ")
		hd.WriteString(sha1Digest(rec.parts[rec.payloadFrom:]))
	}
	hd.WriteString("\r\n\r\n")

	// A small record (a request record) is stored: compressing its few
	// hundred bytes takes about 7 µs against 1 µs to store them, to save
	// about 240 bytes.
	pool, level := &w.gzips, w.level
	if hd.Len()+size < smallRecord {
		pool, level = &w.stored, gzip.NoCompression
	}
	var gz *gzip.Writer
	if v := pool.Get(); v != nil {
		gz = v.(*gzip.Writer)
		gz.Reset(buf)
	} else if gz, err = gzip.NewWriterLevel(buf, level); err != nil {
		return "", err
	}
	_, _ = gz.Write(hd.Bytes()) // writes to a bytes.Buffer: cannot fail
	for _, p := range rec.parts {
		_, _ = gz.Write(p)
	}
	_, _ = gz.Write([]byte("\r\n\r\n"))
	if err := gz.Close(); err != nil {
		return "", err
	}
	gz.Reset(io.Discard) // drop the reference to buf
	pool.Put(gz)
	return id, nil
}

// encode appends the response record, and the request record unless
// disabled, to buf, each as its own gzip member.
func (w *Writer) encode(buf *bytes.Buffer, m *message, warcinfoID string) error {
	date := m.date.UTC().Format(time.RFC3339Nano)
	fields := make([]field, 0, 6)
	fields = append(fields, field{"WARC-Date", date}, field{"WARC-Target-URI", m.url},
		field{"Content-Type", "application/http;msgtype=response"})
	if m.ip != "" {
		fields = append(fields, field{"WARC-IP-Address", m.ip})
	}
	if warcinfoID != "" {
		fields = append(fields, field{"WARC-Warcinfo-ID", warcinfoID})
	}
	respID, err := w.marshal(buf, record{typ: "response", fields: fields, parts: [][]byte{m.head, m.body}, payloadFrom: 1})
	if err != nil {
		return fmt.Errorf("warc: %s: %w", m.url, err)
	}
	if !w.requests {
		return nil
	}
	req := []byte(m.method + " " + m.target + " HTTP/1.1\r\nHost: " + m.host + "\r\n\r\n")
	fields = append(fields[:0], field{"WARC-Date", date}, field{"WARC-Target-URI", m.url},
		field{"Content-Type", "application/http;msgtype=request"}, field{"WARC-Concurrent-To", respID})
	if warcinfoID != "" {
		fields = append(fields, field{"WARC-Warcinfo-ID", warcinfoID})
	}
	if _, err := w.marshal(buf, record{typ: "request", fields: fields, parts: [][]byte{req, nil}, payloadFrom: 1}); err != nil {
		return fmt.Errorf("warc: %s: %w", m.url, err)
	}
	return nil
}

// encodeWarcinfo encodes the file's warcinfo record into buf and returns
// its record id.
func (w *Writer) encodeWarcinfo(buf *bytes.Buffer) (string, error) {
	fields := map[string]string{
		"software":   w.software,
		"format":     "WARC File Format 1.1",
		"conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
		"isPartOf":   w.prefix,
	}
	if host, err := os.Hostname(); err == nil && !strings.ContainsAny(host, "\r\n") {
		fields["hostname"] = host
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var body bytes.Buffer
	for _, k := range keys {
		body.WriteString(k + ": " + fields[k] + "\r\n")
	}
	id, err := w.marshal(buf, record{typ: "warcinfo", fields: []field{
		{"WARC-Date", time.Now().UTC().Format(time.RFC3339Nano)},
		{"WARC-Filename", w.name},
		{"Content-Type", "application/warc-fields"},
	}, parts: [][]byte{body.Bytes()}, payloadFrom: -1})
	if err != nil {
		return "", fmt.Errorf("warc: warcinfo: %w", err)
	}
	return id, nil
}
