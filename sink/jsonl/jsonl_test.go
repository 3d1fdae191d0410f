package jsonl

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/sink"
	"winnow/sink/record"
	"winnow/sink/record/recordtest"
	"winnow/sink/sinktest"
)

func openDir(t *testing.T, opts Options) *Store {
	t.Helper()
	s, err := Open(t.Context(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// lines returns every line of every data file in dir, in order.
func lines(t *testing.T, dir string) []string {
	t.Helper()
	names, err := files(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for l := range strings.Lines(string(data)) {
			out = append(out, l)
		}
	}
	return out
}

func TestConformance(t *testing.T) {
	sinktest.Run(t, sinktest.Harness{
		Open: func(t *testing.T) (sink.Store, func(t *testing.T) sink.Store) {
			dir := t.TempDir()
			return openDir(t, Options{Dir: dir}), func(t *testing.T) sink.Store {
				return openDir(t, Options{Dir: dir})
			}
		},
		NoSearch: true,
		// One line per stored version: the current version of id must be
		// in the files exactly once.
		Rows: func(t *testing.T, s sink.Store, id string) int {
			t.Helper()
			cur, err := s.Get(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, l := range lines(t, s.(*Store).dir) {
				if strings.Contains(l, `"id":"`+id+`"`) && strings.Contains(l, `"content_hash":"`+cur.ContentHash+`"`) {
					n++
				}
			}
			return n
		},
	})
}

var fileName = regexp.MustCompile(`^articles-\d{8}T\d{6}\.\d{9}Z(-\d+)?\.jsonl$`)

func TestRotateBySize(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, Options{Dir: dir, MaxBytes: 8 << 10})
	var want []*record.Article
	for i := range 12 {
		a := sinktest.Article(i) // ~2 KB of JSON each
		recordtest.Check(t, a)
		want = append(want, a)
		if err := s.Write(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	names, err := files(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 3 {
		t.Errorf("%d files for 12 records of ~2 KB with MaxBytes 8 KB, want several", len(names))
	}
	for _, name := range names {
		if !fileName.MatchString(filepath.Base(name)) {
			t.Errorf("file name %q does not match %s", filepath.Base(name), fileName)
		}
		if fi, err := os.Stat(name); err != nil || fi.Size() > 8<<10 {
			t.Errorf("%s: size %d over MaxBytes", name, fi.Size())
		}
	}
	var got []*record.Article
	stats, err := Scan(t.Context(), dir, func(a *record.Article) error { got = append(got, a); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scan (-want +got):\n%s", diff)
	}
	if stats.Files != len(names) || stats.Records != 12 || stats.Skipped+stats.Torn+stats.Invalid != 0 {
		t.Errorf("stats = %+v", stats)
	}
}

func TestRotateByAge(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2022, 2, 24, 9, 0, 0, 0, time.UTC)
	s := openDir(t, Options{Dir: dir, MaxAge: time.Hour, Now: func() time.Time { return now }})
	for i, step := range []time.Duration{0, 30 * time.Minute, 31 * time.Minute, 10 * time.Minute} {
		now = now.Add(step)
		if err := s.Write(t.Context(), sinktest.Article(i)); err != nil {
			t.Fatal(err)
		}
	}
	names, err := files(dir)
	if err != nil {
		t.Fatal(err)
	}
	var base []string
	for _, n := range names {
		base = append(base, filepath.Base(n))
	}
	want := []string{"articles-20220224T090000.000000000Z.jsonl", "articles-20220224T100100.000000000Z.jsonl"}
	if diff := cmp.Diff(want, base); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

// TestTornLine: a line cut by a crash is skipped by readers and never
// glued to by later writes.
func TestTornLine(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, Options{Dir: dir})
	a, b, c := sinktest.Article(1), sinktest.Article(2), sinktest.Article(3)
	if err := s.Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	s.Close()
	names, _ := files(dir)
	full, err := os.ReadFile(names[0])
	if err != nil {
		t.Fatal(err)
	}
	// Half of a second record, as a kill mid-write leaves it.
	f, err := os.OpenFile(names[0], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(full[:len(full)/2])
	f.Close()

	s = openDir(t, Options{Dir: dir})
	if err := s.Write(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(t.Context(), a); err != nil { // already stored
		t.Fatal(err)
	}
	if err := s.Write(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	var got []string
	stats, err := Scan(t.Context(), dir, func(r *record.Article) error { got = append(got, r.ID); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{a.ID, b.ID, c.ID}, got); diff != "" {
		t.Errorf("Scan ids (-want +got):\n%s", diff)
	}
	if stats.Torn != 1 || stats.Invalid != 0 {
		t.Errorf("stats = %+v, want one torn line", stats)
	}
}

// TestScanSkipsDuplicates: lines a second writer or a redelivery added
// are read once, and stale versions not at all.
func TestScanSkipsDuplicates(t *testing.T) {
	dir := t.TempDir()
	a := sinktest.Article(1)
	v2 := sinktest.Version(a, 2)
	var sb strings.Builder
	for _, r := range []*record.Article{a, a, v2, sinktest.Version(a, 1), v2} {
		recordtest.Check(t, r)
		data, err := jsonLine(r)
		if err != nil {
			t.Fatal(err)
		}
		sb.Write(data)
	}
	sb.WriteString("not json\n{\"id\": \"short\"}\n\n")
	if err := os.WriteFile(filepath.Join(dir, "articles-20220224T090000.000000000Z.jsonl"), []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []*record.Article
	stats, err := Scan(t.Context(), dir, func(r *record.Article) error { got = append(got, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*record.Article{a, v2}, got); diff != "" {
		t.Errorf("Scan (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(ScanStats{Files: 1, Records: 2, Skipped: 3, Invalid: 2}, stats); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func jsonLine(a *record.Article) ([]byte, error) { return marshalLine(a) }

func TestOpenOptions(t *testing.T) {
	for _, opts := range []Options{{}, {Dir: t.TempDir(), MaxBytes: -1}, {Dir: t.TempDir(), MaxAge: -time.Second}} {
		if s, err := Open(t.Context(), opts); !errors.Is(err, ErrOptions) {
			if s != nil {
				s.Close()
			}
			t.Errorf("Open(%+v) = %v, want ErrOptions", opts, err)
		}
	}
}

// FuzzScan feeds arbitrary bytes as a data file: Scan must not panic and
// may pass fn only valid records.
func FuzzScan(f *testing.F) {
	line, _ := marshalLine(sinktest.Article(1))
	f.Add(line)
	f.Add(append(append([]byte{}, line...), line[:len(line)/2]...))
	f.Add([]byte("{}\n{\"schema_version\":1}\n\xff\xfe\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "articles-20220224T090000.000000000Z.jsonl"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Scan(context.Background(), dir, func(a *record.Article) error {
			if err := a.Validate(); err != nil {
				t.Errorf("Scan passed an invalid record: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
