package sinktest

import (
	"strings"
	"testing"

	"winnow/sink/record"
	"winnow/sink/record/recordtest"
)

func TestFixturesAreValid(t *testing.T) {
	recs := []*record.Article{Sized(3, 20<<10)} // the corpus holds SeedLike
	for i := range 50 {
		a := Article(i)
		recs = append(recs, a, Version(a, 1), Version(a, 2), Version(a, 3))
	}
	recs = append(recs, newCorpus().all()...)
	ids := map[string]bool{}
	for _, a := range recs {
		recordtest.Check(t, a)
		if a.ContentHash != record.NewContentHash(a.Title, a.Body) {
			t.Errorf("%s: content hash does not match title and body", a.ID)
		}
		ids[a.ID+a.ContentHash] = true
	}
	if len(ids) != len(recs) {
		t.Errorf("%d distinct id+hash pairs among %d fixtures", len(ids), len(recs))
	}
}

func TestGeneratedTextAvoidsSearchTerms(t *testing.T) {
	for i := range 300 {
		a := Sized(i, 4<<10)
		if strings.Contains(a.Title+a.Body, "政法") {
			t.Fatalf("Sized(%d) contains 政法, which the search corpus reserves", i)
		}
	}
	if got := len(Sized(1, 20<<10).Body); got < 20<<10 || got > 22<<10 {
		t.Errorf("Sized(1, 20 KB) body is %d bytes", got)
	}
}

func TestVersionOrder(t *testing.T) {
	a := Article(1)
	if Version(a, 0).ContentHash != a.ContentHash {
		t.Error("Version 0 changed the hash")
	}
	v1, v2 := Version(a, 1), Version(a, 2)
	if v1.ContentHash == v2.ContentHash || v1.FetchedAt >= v2.FetchedAt {
		t.Errorf("versions 1 and 2 not distinct and ordered: %s/%s", v1.FetchedAt, v2.FetchedAt)
	}
	if len(a.Hygiene.Removed) != 3 || len(v1.Hygiene.Removed) != 2 || len(Version(a, 3).Hygiene.Removed) != 1 {
		t.Error("versions do not change the removals as documented")
	}
}
