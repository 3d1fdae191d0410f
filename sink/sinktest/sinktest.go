// Package sinktest is the conformance suite that every storage sink
// (sink/sqlite, sink/postgres, sink/jsonl) runs from its tests, plus the
// realistic record fixtures those tests and benchmarks share.
//
// A store under test is a [sink.Store]: [sink.Sink] plus a batch write
// that reports what changed, a read by id, and (optionally) search.
// [Run] then checks the behaviour the rest of winnow relies on:
//
//   - a record reads back exactly as written, removals included;
//   - writing a record twice leaves one row (idempotent on id);
//   - a record with a new content hash replaces the row and its removals;
//     the same hash is a no-op, and so is a stale version (a different
//     hash with an earlier fetched_at than the stored one: a redelivery of
//     an old version must not undo a newer one);
//   - invalid records are rejected one by one (errors wrapping
//     [sink.ErrRejected]) while the rest of the batch commits;
//   - concurrent writers converge on the newest version of every record;
//   - Chinese search finds two-character words, handles one-character
//     queries, excludes spam pages by default;
//   - records survive Close and reopen.
//
// Caveats: a store without search (sink/jsonl) sets Harness.NoSearch; the
// suite then also checks that its Search fails with errors.ErrUnsupported.
package sinktest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"winnow/sink"
	"winnow/sink/record"
	"winnow/sink/record/recordtest"
)

// Harness tells Run how to make and inspect stores.
type Harness struct {
	// Open returns a new, empty store private to t (closing it in
	// t.Cleanup is the harness's job; Close must be idempotent), and a
	// function that opens the same storage again after it was closed.
	Open func(t *testing.T) (s sink.Store, reopen func(t *testing.T) sink.Store)
	// NoSearch skips the search checks (a store without search); Search
	// must then fail with an error wrapping errors.ErrUnsupported.
	NoSearch bool
	// Rows, if set, returns how many rows (lines, ...) the storage holds
	// for id, to prove duplicates are not written.
	Rows func(t *testing.T, s sink.Store, id string) int
	// Removals, if set, returns the stored removal rows of id in position
	// order, read from storage directly (not from the record JSON).
	Removals func(t *testing.T, s sink.Store, id string) []record.Removal
}

// Run runs the conformance suite against h.
func Run(t *testing.T, h Harness) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, h) })
	t.Run("Idempotent", func(t *testing.T) { testIdempotent(t, h) })
	t.Run("Update", func(t *testing.T) { testUpdate(t, h) })
	t.Run("UnchangedAndStale", func(t *testing.T) { testUnchangedAndStale(t, h) })
	t.Run("Batch", func(t *testing.T) { testBatch(t, h) })
	t.Run("Rejected", func(t *testing.T) { testRejected(t, h) })
	t.Run("Canceled", func(t *testing.T) { testCanceled(t, h) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, h) })
	t.Run("Reopen", func(t *testing.T) { testReopen(t, h) })
	t.Run("Closed", func(t *testing.T) { testClosed(t, h) })
	if !h.NoSearch {
		t.Run("Search", func(t *testing.T) { testSearch(t, h) })
		t.Run("SearchAfterUpdate", func(t *testing.T) { testSearchAfterUpdate(t, h) })
	} else {
		t.Run("SearchUnsupported", func(t *testing.T) { testSearchUnsupported(t, h) })
	}
}

// testSearchUnsupported checks that a store without search says so.
func testSearchUnsupported(t *testing.T, h Harness) {
	s := open(t, h)
	if _, err := s.Search(t.Context(), "政法", sink.SearchOptions{}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Search = %v, want an error wrapping errors.ErrUnsupported", err)
	}
}

func open(t *testing.T, h Harness) sink.Store {
	t.Helper()
	s, _ := h.Open(t)
	return s
}

// write writes recs in one batch, failing t on error, and checks every
// record against the schema first.
func write(t *testing.T, s sink.Store, recs ...*record.Article) sink.BatchResult {
	t.Helper()
	for _, r := range recs {
		recordtest.Check(t, r)
	}
	res, err := s.WriteBatch(t.Context(), recs)
	if err != nil {
		t.Fatalf("WriteBatch: %v", err)
	}
	return res
}

// wantStored fails t unless s holds exactly want under want.ID, in the
// record and (if the harness can tell) in its removal rows.
func wantStored(t *testing.T, h Harness, s sink.Store, want *record.Article) {
	t.Helper()
	got, err := s.Get(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("Get(%s): %v", want.ID, err)
	}
	recordtest.Check(t, got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get(%s) (-want +got):\n%s", want.ID, diff)
	}
	if h.Removals != nil {
		if diff := cmp.Diff(want.Hygiene.Removed, h.Removals(t, s, want.ID)); diff != "" {
			t.Errorf("removal rows of %s (-want +got):\n%s", want.ID, diff)
		}
	}
	if h.Rows != nil {
		if n := h.Rows(t, s, want.ID); n != 1 {
			t.Errorf("rows for %s = %d, want 1", want.ID, n)
		}
	}
}

func wantNotFound(t *testing.T, s sink.Store, id string) {
	t.Helper()
	got, err := s.Get(t.Context(), id)
	if !errors.Is(err, sink.ErrNotFound) {
		t.Errorf("Get(%s) = %v, %v; want an error wrapping sink.ErrNotFound", id, got != nil, err)
	}
}

func wantCounts(t *testing.T, got sink.BatchResult, want sink.BatchResult) {
	t.Helper()
	got.Rejected, want.Rejected = nil, nil
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sink.BatchResult (-want +got):\n%s", diff)
	}
}

func testRoundTrip(t *testing.T, h Harness) {
	s := open(t, h)
	seed := SeedLike()
	full := Article(1)
	full.InputID = "line-7"
	full.Subtitle = "副标题：含\"引号\"、反斜杠\\和<标签>&符号"
	full.Normalization = map[string]string{"opencc": "t2s", "width": "none"}
	spam := newCorpus().spam
	noDates := Article(2)
	noDates.PublishedAt, noDates.PublishedPrecision, noDates.FetchedAt = "", "", ""
	noDates.Authors = []string{}
	noDates.Hygiene.Removed = []record.Removal{}
	noDates.Hygiene.Verdict = record.VerdictClean

	res := write(t, s, seed, full, spam, noDates)
	wantCounts(t, res, sink.BatchResult{Inserted: 4})
	for _, a := range []*record.Article{seed, full, spam, noDates} {
		wantStored(t, h, s, a)
	}
	wantNotFound(t, s, record.NewID("https://nowhere.example.cn/", "", ""))
}

func testIdempotent(t *testing.T, h Harness) {
	s := open(t, h)
	a := Article(1)
	wantCounts(t, write(t, s, a), sink.BatchResult{Inserted: 1})
	wantCounts(t, write(t, s, Version(a, 0)), sink.BatchResult{Unchanged: 1})
	if err := s.Write(t.Context(), Version(a, 0)); err != nil {
		t.Fatalf("Write of a duplicate: %v", err)
	}
	wantStored(t, h, s, a)
}

func testUpdate(t *testing.T, h Harness) {
	s := open(t, h)
	a := Article(1)
	v2 := Version(a, 1) // different hash, later fetch, one removal instead of three
	v2.Section = "要闻"
	wantCounts(t, write(t, s, a), sink.BatchResult{Inserted: 1})
	wantCounts(t, write(t, s, v2), sink.BatchResult{Updated: 1})
	wantStored(t, h, s, v2)

	// Without fetch times (ad-hoc input) a new hash always wins.
	b := Article(2)
	b.FetchedAt = ""
	b2 := Version(b, 2)
	wantCounts(t, write(t, s, b), sink.BatchResult{Inserted: 1})
	wantCounts(t, write(t, s, b2), sink.BatchResult{Updated: 1})
	wantStored(t, h, s, b2)

	// A re-run of the content path with new rules over the same fetch
	// (same fetched_at, new hash) replaces too.
	c := Article(3)
	c2 := Version(c, 1)
	c2.FetchedAt = c.FetchedAt
	wantCounts(t, write(t, s, c, c2), sink.BatchResult{Inserted: 1, Updated: 1})
	wantStored(t, h, s, c2)
}

func testUnchangedAndStale(t *testing.T, h Harness) {
	s := open(t, h)
	a := Article(1)
	wantCounts(t, write(t, s, a), sink.BatchResult{Inserted: 1})

	// Same hash, other fields different: the stored record is not rewritten.
	same := Version(a, 0)
	same.Section = "改过的栏目"
	same.Hygiene.Removed = same.Hygiene.Removed[:1]
	wantCounts(t, write(t, s, same), sink.BatchResult{Unchanged: 1})
	wantStored(t, h, s, a)

	// A newer version, then a redelivery of the old one.
	v3 := Version(a, 3)
	wantCounts(t, write(t, s, v3), sink.BatchResult{Updated: 1})
	wantCounts(t, write(t, s, a, Version(a, 2)), sink.BatchResult{Stale: 2})
	wantStored(t, h, s, v3)
}

func testBatch(t *testing.T, h Harness) {
	s := open(t, h)
	var recs []*record.Article
	for i := range 60 {
		recs = append(recs, Article(i))
	}
	wantCounts(t, write(t, s, recs...), sink.BatchResult{Inserted: 60})
	for _, a := range recs {
		wantStored(t, h, s, a)
	}
	// One batch holding several versions of one record, out of order, and
	// the same version twice: the newest wins, counted record by record.
	x := Article(100)
	res := write(t, s, Version(x, 1), Version(x, 3), Version(x, 2), Version(x, 3), recs[5])
	wantCounts(t, res, sink.BatchResult{Inserted: 1, Updated: 1, Stale: 1, Unchanged: 2})
	wantStored(t, h, s, Version(x, 3))
	wantStored(t, h, s, recs[5])

	// An empty batch is fine.
	res, err := s.WriteBatch(t.Context(), nil)
	if err != nil {
		t.Fatalf("WriteBatch(nil): %v", err)
	}
	wantCounts(t, res, sink.BatchResult{})
}

func testRejected(t *testing.T, h Harness) {
	s := open(t, h)
	good1, good2 := Article(1), Article(2)
	badID := Article(3)
	badID.ID = "not-an-id"
	badKind := Article(4)
	badKind.Hygiene.Removed[0].Kind = "malware"
	badHash := Article(5)
	badHash.ContentHash = "abc"
	batch := []*record.Article{good1, badID, nil, badKind, good2, badHash}
	for _, r := range []*record.Article{good1, good2} {
		recordtest.Check(t, r)
	}
	res, err := s.WriteBatch(t.Context(), batch)
	if err != nil {
		t.Fatalf("WriteBatch with invalid records returned %v; want the valid ones written and the rest listed", err)
	}
	wantCounts(t, res, sink.BatchResult{Inserted: 2})
	var gotIdx []int
	for _, r := range res.Rejected {
		gotIdx = append(gotIdx, r.Index)
		if !errors.Is(r.Err, sink.ErrRejected) {
			t.Errorf("rejection %d: %v does not wrap sink.ErrRejected", r.Index, r.Err)
		}
		if r.Index != 2 && !errors.Is(r.Err, record.ErrInvalid) {
			t.Errorf("rejection %d: %v does not wrap record.ErrInvalid", r.Index, r.Err)
		}
		if r.Index >= 0 && r.Index < len(batch) && batch[r.Index] != nil && r.ID != batch[r.Index].ID {
			t.Errorf("rejection %d: ID %q, want %q", r.Index, r.ID, batch[r.Index].ID)
		}
	}
	if diff := cmp.Diff([]int{1, 2, 3, 5}, gotIdx); diff != "" {
		t.Errorf("rejected indexes (-want +got):\n%s", diff)
	}
	wantStored(t, h, s, good1)
	wantStored(t, h, s, good2)
	wantNotFound(t, s, badKind.ID)
	wantNotFound(t, s, badHash.ID)

	for _, bad := range []*record.Article{badID, nil, badKind} {
		if err := s.Write(t.Context(), bad); !errors.Is(err, sink.ErrRejected) {
			t.Errorf("Write(invalid) = %v, want an error wrapping sink.ErrRejected", err)
		}
	}
	if err := s.Write(t.Context(), Article(6)); err != nil {
		t.Errorf("Write(valid) after rejections: %v", err)
	}
}

func testCanceled(t *testing.T, h Harness) {
	s := open(t, h)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	a := Article(1)
	err := s.Write(ctx, a)
	if err == nil || errors.Is(err, sink.ErrRejected) {
		t.Fatalf("Write with a canceled context = %v, want a retryable error", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Write with a canceled context = %v, want it to wrap context.Canceled", err)
	}
	wantNotFound(t, s, a.ID)
	if err := s.Write(t.Context(), a); err != nil {
		t.Fatalf("Write after a canceled write: %v", err)
	}
	wantStored(t, h, s, a)
}

// testConcurrent runs writers that each write every version of every
// record in their own order; whatever the interleaving, the newest version
// (latest fetched_at) must end up stored, once.
func testConcurrent(t *testing.T, h Harness) {
	s := open(t, h)
	const writers, records, versions = 4, 12, 4
	var all [][]*record.Article
	for i := range records {
		var vs []*record.Article
		for k := range versions {
			v := Version(Article(200+i), k)
			recordtest.Check(t, v)
			vs = append(vs, v)
		}
		all = append(all, vs)
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			// Writer w writes version (w+j)%versions of each record in
			// round j, in batches of a few records.
			for j := range versions {
				var batch []*record.Article
				for i := range records {
					batch = append(batch, all[i][(w+j)%versions])
					if len(batch) == 5 || i == records-1 {
						if _, err := s.WriteBatch(t.Context(), batch); err != nil {
							errs <- fmt.Errorf("writer %d: %w", w, err)
							return
						}
						batch = nil
					}
				}
				if err := s.Write(t.Context(), all[(w+j)%records][j]); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range records {
		wantStored(t, h, s, all[i][versions-1])
	}
}

func testReopen(t *testing.T, h Harness) {
	s, reopen := h.Open(t)
	a, b := SeedLike(), Article(1)
	write(t, s, a, b)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s = reopen(t)
	wantStored(t, h, s, a)
	wantStored(t, h, s, b)
	// The store still knows what it holds: a redelivery is a no-op.
	wantCounts(t, write(t, s, Version(a, 0)), sink.BatchResult{Unchanged: 1})
	wantStored(t, h, s, a)
	if !h.NoSearch {
		hits := search(t, s, "政法", sink.SearchOptions{})
		if got := ids(hits); !slices.Contains(got, a.ID) {
			t.Errorf("after reopen, search 政法 = %v, want %s among them", got, a.ID)
		}
	}
}

func testClosed(t *testing.T, h Harness) {
	s := open(t, h)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	err := s.Write(t.Context(), Article(1))
	if err == nil || errors.Is(err, sink.ErrRejected) {
		t.Errorf("Write after Close = %v, want a non-rejection error", err)
	}
}

func search(t *testing.T, s sink.Store, q string, opts sink.SearchOptions) []sink.Hit {
	t.Helper()
	hits, err := s.Search(t.Context(), q, opts)
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return hits
}

func ids(hits []sink.Hit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

func testSearch(t *testing.T, h Harness) {
	s := open(t, h)
	c := newCorpus()
	write(t, s, c.all()...)
	tests := []struct {
		name    string
		q       string
		opts    sink.SearchOptions
		want    []string // ids in rank order
		ordered bool     // the order of want matters
	}{
		{name: "two-character word, title match ranks first", q: "政法",
			want: []string{c.seed.ID, c.onceInBody.ID}, ordered: true},
		{name: "longer phrase", q: "政法干警", want: []string{c.seed.ID}},
		{name: "phrase across the subtitle", q: "实践活动", want: []string{c.seed.ID}},
		{name: "characters present, other order", q: "法政", want: []string{}},
		{name: "one character", q: "法",
			want: []string{c.seed.ID, c.lawEnforcement.ID, c.onceInBody.ID}},
		{name: "one character only at the end of a run", q: "闻", want: []string{c.seed.ID}},
		{name: "one character, limit", q: "法", opts: sink.SearchOptions{Limit: 1}, want: nil},
		{name: "two terms are ANDed", q: "政法 梧州", want: []string{c.seed.ID}},
		{name: "latin word, case-folded", q: "app", want: []string{c.tech.ID}},
		{name: "full-width digits and letters", q: "５Ｇ", want: []string{c.tech.ID}},
		{name: "number", q: "5g 基站", want: []string{c.tech.ID}},
		{name: "nothing matches", q: "量子计算", want: []string{}},
		{name: "no searchable characters", q: "，。！ ", want: []string{}},
		{name: "query syntax is text", q: `"政法" OR NEAR(*)`, want: []string{}},
		{name: "spam pages included on request", q: "政法", opts: sink.SearchOptions{IncludeSpam: true},
			want: []string{c.seed.ID, c.spam.ID, c.onceInBody.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := search(t, s, tt.q, tt.opts)
			got := ids(hits)
			if tt.want == nil { // only the limit matters
				if len(got) != tt.opts.Limit {
					t.Fatalf("Search(%q, limit %d) returned %d hits", tt.q, tt.opts.Limit, len(got))
				}
				return
			}
			if !tt.ordered {
				slices.Sort(got)
				tt.want = slices.Sorted(slices.Values(tt.want))
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Search(%q) ids (-want +got):\n%s", tt.q, diff)
			}
		})
	}

	t.Run("hit fields", func(t *testing.T) {
		hits := search(t, s, "政法", sink.SearchOptions{})
		if len(hits) == 0 {
			t.Fatal("no hits for 政法")
		}
		top := hits[0]
		if top.Title != c.seed.Title {
			t.Errorf("top hit title = %q, want %q", top.Title, c.seed.Title)
		}
		if !strings.Contains(top.Snippet, "政法") {
			t.Errorf("snippet %q does not show 政法", top.Snippet)
		}
		for i := 1; i < len(hits); i++ {
			if hits[i].Score > hits[i-1].Score {
				t.Errorf("hits not best first: %v then %v", hits[i-1].Score, hits[i].Score)
			}
		}
	})
}

func testSearchAfterUpdate(t *testing.T, h Harness) {
	s := open(t, h)
	a := Article(1)
	a.Body = "旧闻：水库开始蓄水。"
	a.ContentHash = record.NewContentHash(a.Title, a.Body)
	b := Version(a, 1)
	b.Body = "新闻：大桥正式通车。"
	b.ContentHash = record.NewContentHash(b.Title, b.Body)
	write(t, s, a)
	if got := ids(search(t, s, "蓄水", sink.SearchOptions{})); !slices.Equal(got, []string{a.ID}) {
		t.Fatalf("before update, search 蓄水 = %v, want [%s]", got, a.ID)
	}
	wantCounts(t, write(t, s, b), sink.BatchResult{Updated: 1})
	if got := ids(search(t, s, "蓄水", sink.SearchOptions{})); len(got) != 0 {
		t.Errorf("after update, search for the old text 蓄水 = %v, want none", got)
	}
	if got := ids(search(t, s, "通车", sink.SearchOptions{})); !slices.Equal(got, []string{a.ID}) {
		t.Errorf("after update, search 通车 = %v, want [%s]", got, a.ID)
	}
	// A stale redelivery must not bring the old text back into the index.
	wantCounts(t, write(t, s, a), sink.BatchResult{Stale: 1})
	if got := ids(search(t, s, "蓄水", sink.SearchOptions{})); len(got) != 0 {
		t.Errorf("after a stale redelivery, search 蓄水 = %v, want none", got)
	}
}
