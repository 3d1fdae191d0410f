// Package jsonl is winnow's append-only storage sink: article records as
// JSON lines in files in one directory, for archiving, bulk loading and
// tools like jq.
//
// Files are named articles-<UTC time>.jsonl (e.g.
// articles-20220224T093000.123456789Z.jsonl, so names sort by time) and
// rotated when the current one reaches MaxBytes or MaxAge; each process
// lifetime starts a new file. A WriteBatch appends its records in one
// write and fsyncs before it returns; a failed write is cut back off the
// file.
//
// Idempotence: a JSONL file is an append log, so it is at least once. To
// keep redeliveries out, the Store keeps an index of every stored record's
// id, content hash and fetch time (rebuilt by reading the directory at
// Open): the same hash is not appended again, a new hash is appended (the
// newer line wins), and a version fetched earlier than the stored one is
// not appended. Duplicates can still appear if two processes write the
// same directory, or if a process dies after writing a batch but before
// its caller acknowledged it and the batch is then redelivered to a store
// that had not read that file; readers use Scan, which drops them (and a
// line torn by a crash).
//
// Caveats: the index costs about 80 bytes per stored record and Open
// reads every file; Get reads every file (it is for tests and tools, not
// serving); there is no search. One process per directory.
package jsonl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"winnow/sink"
	"winnow/sink/internal/upsert"
	"winnow/sink/record"
)

// Errors.
var (
	// ErrOptions is wrapped by Open when Options are invalid.
	ErrOptions = errors.New("jsonl: invalid options")
	// ErrClosed is returned by every call on a closed Store.
	ErrClosed = errors.New("jsonl: store closed")
)

// Options configure a Store. The zero value is invalid only because Dir is
// required.
type Options struct {
	// Dir holds the files; it is created if missing. Required.
	Dir string
	// MaxBytes rotates to a new file before a batch would take the
	// current one past this size; zero means 256 MiB. A batch larger than
	// MaxBytes gets a file of its own.
	MaxBytes int64
	// MaxAge rotates to a new file at the first write after the current
	// one is this old; zero means one hour.
	MaxAge time.Duration
	// Logger receives rotations and skipped lines; zero discards.
	Logger *slog.Logger
	// Now is the clock for file names and MaxAge; zero means time.Now.
	Now func() time.Time
}

// Store appends records to JSON-lines files. It is safe for concurrent
// use; writes take turns.
type Store struct {
	dir      string
	maxBytes int64
	maxAge   time.Duration
	now      func() time.Time
	log      *slog.Logger

	mu     sync.Mutex
	closed bool
	index  versions
	f      *os.File // current file, nil until the first write
	size   int64
	opened time.Time
}

var _ sink.Store = (*Store)(nil)

// Open creates dir if needed and reads the files already there to know
// which records it holds.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("%w: Dir is empty", ErrOptions)
	}
	if opts.MaxBytes < 0 || opts.MaxAge < 0 {
		return nil, fmt.Errorf("%w: negative MaxBytes or MaxAge", ErrOptions)
	}
	s := &Store{
		dir:      opts.Dir,
		maxBytes: opts.MaxBytes,
		maxAge:   opts.MaxAge,
		now:      opts.Now,
		log:      opts.Logger,
		index:    versions{},
	}
	if s.maxBytes == 0 {
		s.maxBytes = 256 << 20
	}
	if s.maxAge == 0 {
		s.maxAge = time.Hour
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("jsonl: %w", err)
	}
	stats, err := scan(ctx, opts.Dir, s.index, func(*record.Article) error { return nil })
	if err != nil {
		return nil, err
	}
	if stats.Torn+stats.Invalid > 0 {
		s.log.Warn("jsonl: skipped unreadable lines", "dir", opts.Dir, "torn", stats.Torn, "invalid", stats.Invalid)
	}
	return s, nil
}

// Write appends a unless the store already holds it (see the package
// doc). An invalid record returns an error wrapping sink.ErrRejected.
func (s *Store) Write(ctx context.Context, a *record.Article) error {
	return upsert.One(ctx, s, a)
}

// WriteBatch appends the records of recs the store does not hold yet, in
// one write, and fsyncs. Of several versions of one id in recs, only the
// one that wins is appended. Invalid records are left out and listed in
// Rejected; a non-nil error means nothing was appended (retry the batch).
func (s *Store) WriteBatch(ctx context.Context, recs []*record.Article) (sink.BatchResult, error) {
	valid, res := upsert.Split(recs)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return sink.BatchResult{}, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return sink.BatchResult{}, fmt.Errorf("jsonl: write: %w", err)
	}
	writes := upsert.Plan(valid, func(id string) *upsert.Stored {
		if v, ok := s.index[keyOf(id)]; ok {
			return v.stored()
		}
		return nil
	}, &res)
	if len(writes) == 0 {
		return res, nil
	}
	// The index learns the batch only once it is on disk.
	var buf bytes.Buffer
	for _, w := range writes {
		line, err := marshalLine(w.Article)
		if err != nil {
			return sink.BatchResult{}, fmt.Errorf("jsonl: encode %s: %w", w.Article.ID, err)
		}
		buf.Write(line)
	}
	if err := s.append(buf.Bytes()); err != nil {
		return sink.BatchResult{}, err
	}
	for _, w := range writes {
		s.index[keyOf(w.Article.ID)] = versionOf(w.Article)
	}
	return res, nil
}

// append writes data to the current file (rotating first if due) and
// fsyncs. On failure the file is cut back to its old size, or, if even
// that fails, abandoned for a new one.
func (s *Store) append(data []byte) error {
	if err := s.rotateIfDue(int64(len(data))); err != nil {
		return err
	}
	_, err := s.f.Write(data)
	if err == nil {
		err = s.f.Sync()
	}
	if err != nil {
		if terr := s.f.Truncate(s.size); terr != nil {
			s.log.Warn("jsonl: cannot cut a failed write off; starting a new file", "file", s.f.Name(), "err", terr)
			s.f.Close()
			s.f = nil
		}
		return fmt.Errorf("jsonl: write: %w", err)
	}
	s.size += int64(len(data))
	return nil
}

// rotateIfDue starts a new file if there is none, the current one is too
// old, or n more bytes would take it past MaxBytes.
func (s *Store) rotateIfDue(n int64) error {
	now := s.now()
	if s.f != nil && s.size > 0 && (s.size+n > s.maxBytes || now.Sub(s.opened) >= s.maxAge) {
		if err := s.f.Close(); err != nil {
			s.log.Warn("jsonl: close on rotation", "file", s.f.Name(), "err", err)
		}
		s.f = nil
	}
	if s.f != nil {
		return nil
	}
	base := "articles-" + now.UTC().Format("20060102T150405.000000000Z")
	for i := 0; ; i++ {
		name := base + ".jsonl"
		if i > 0 {
			name = fmt.Sprintf("%s-%d.jsonl", base, i)
		}
		f, err := os.OpenFile(filepath.Join(s.dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("jsonl: new file: %w", err)
		}
		if err := syncDir(s.dir); err != nil {
			f.Close()
			return err
		}
		s.f, s.size, s.opened = f, 0, now
		s.log.Info("jsonl: new file", "file", f.Name())
		return nil
	}
}

// marshalLine returns a as one JSON line (HTML characters unescaped, for
// people reading the files).
func marshalLine(a *record.Article) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(a); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// syncDir makes a new file's directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("jsonl: sync dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("jsonl: sync dir: %w", err)
	}
	return nil
}

// Get returns the newest stored version of the record with the given id,
// reading every file; an error wraps sink.ErrNotFound if there is none.
func (s *Store) Get(ctx context.Context, id string) (*record.Article, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	var found *record.Article
	if _, err := Scan(ctx, s.dir, func(a *record.Article) error {
		if a.ID == id {
			found = a
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if found == nil {
		return nil, fmt.Errorf("%w: %s", sink.ErrNotFound, id)
	}
	return found, nil
}

// Search is not supported by JSON-lines files: it returns an error
// wrapping errors.ErrUnsupported.
func (s *Store) Search(context.Context, string, sink.SearchOptions) ([]sink.Hit, error) {
	return nil, fmt.Errorf("jsonl: search: %w", errors.ErrUnsupported)
}

// Close syncs and closes the current file. Closing twice is a no-op.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.f == nil {
		return nil
	}
	err := errors.Join(s.f.Sync(), s.f.Close())
	s.f = nil
	if err != nil {
		return fmt.Errorf("jsonl: close: %w", err)
	}
	return nil
}

// ScanStats counts what Scan read.
type ScanStats struct {
	Files   int // files read
	Records int // records passed to fn
	// Skipped are redelivered duplicates (same id and content hash as an
	// earlier line) and stale versions (fetched before an earlier line
	// of the same id).
	Skipped int
	Torn    int // a last line without its newline: a write cut by a crash
	Invalid int // lines that are not a valid record
}

// Scan reads the articles-*.jsonl files of dir in name (time) order and
// calls fn with each record as a store would have applied it: it skips
// redelivered duplicates, stale versions, torn last lines and invalid
// lines, so a later line of an id is always a newer version. To get the
// latest version of every id, keep the last record fn sees per id.
// Scan stops at fn's first error and returns it.
func Scan(ctx context.Context, dir string, fn func(a *record.Article) error) (ScanStats, error) {
	return scan(ctx, dir, versions{}, fn)
}

// version is what the index keeps of a stored record, packed.
type version struct {
	hash    [32]byte
	fetched int64 // UnixNano; noTime if unknown
}

const noTime = math.MinInt64

func versionOf(a *record.Article) version {
	v := version{fetched: noTime}
	hex.Decode(v.hash[:], []byte(a.ContentHash))
	if t, err := time.Parse(time.RFC3339, a.FetchedAt); err == nil {
		v.fetched = t.UnixNano()
	}
	return v
}

// stored unpacks v for upsert.Decide.
func (v version) stored() *upsert.Stored {
	st := &upsert.Stored{ContentHash: hex.EncodeToString(v.hash[:])}
	if v.fetched != noTime {
		st.FetchedAt = time.Unix(0, v.fetched).UTC().Format(time.RFC3339Nano)
	}
	return st
}

// versions indexes stored records by id.
type versions map[[16]byte]version

// keyOf packs a validated 32-hex-digit id.
func keyOf(id string) [16]byte {
	var k [16]byte
	hex.Decode(k[:], []byte(id))
	return k
}

// files returns the data files of dir in name order.
func files(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("jsonl: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasPrefix(e.Name(), "articles-") && strings.HasSuffix(e.Name(), ".jsonl") {
			names = append(names, filepath.Join(dir, e.Name()))
		}
	}
	slices.Sort(names)
	return names, nil
}

func scan(ctx context.Context, dir string, index versions, fn func(*record.Article) error) (ScanStats, error) {
	var stats ScanStats
	names, err := files(dir)
	if err != nil {
		return stats, err
	}
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		stats.Files++
		if err := scanFile(ctx, name, index, &stats, fn); err != nil {
			return stats, err
		}
	}
	return stats, nil
}

func scanFile(ctx context.Context, name string, index versions, stats *ScanStats, fn func(*record.Article) error) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("jsonl: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			if len(bytes.TrimSpace(line)) > 0 {
				stats.Torn++
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("jsonl: read %s: %w", name, err)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var a record.Article
		if json.Unmarshal(line, &a) != nil || a.Validate() != nil {
			stats.Invalid++
			continue
		}
		key := keyOf(a.ID)
		var stored *upsert.Stored
		if cur, ok := index[key]; ok {
			stored = cur.stored()
		}
		switch upsert.Decide(stored, &a) {
		case upsert.Unchanged, upsert.Stale:
			stats.Skipped++
			continue
		}
		index[key] = versionOf(&a)
		stats.Records++
		if err := fn(&a); err != nil {
			return err
		}
	}
}
