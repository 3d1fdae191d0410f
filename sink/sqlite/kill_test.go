package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"winnow/sink"
	"winnow/sink/sinktest"
)

// The kill tests re-run this test binary as a child that writes to a
// database and is killed with SIGKILL mid-batch (sinktest.RunKilled); the
// parent then checks that the database opens, holds every batch the
// child reported committed, none of the batch in flight, and no orphan
// rows.
const (
	killEnvPath = "WINNOW_SQLITE_KILL_CHILD_DB"
	killEnvMode = "WINNOW_SQLITE_KILL_CHILD_MODE"
	killBatch   = 10 // new articles per batch
)

// TestKillChild is the child's body; it does nothing in a normal run.
func TestKillChild(t *testing.T) {
	path := os.Getenv(killEnvPath)
	if path == "" {
		t.Skip("child process of TestKill* only: runs with " + killEnvPath + " set")
	}
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: path})
	if err != nil {
		sinktest.ChildFail(t, err)
	}
	switch os.Getenv(killEnvMode) {
	case "hook": // one committed batch, then block inside the second's transaction
		if _, err := s.WriteBatch(ctx, sinktest.KillBatch(0, killBatch)); err != nil {
			sinktest.ChildFail(t, err)
		}
		sinktest.ChildCommitted(0)
		s.beforeCommit = sinktest.ChildInTx
		s.WriteBatch(ctx, sinktest.KillBatch(1, killBatch))
	default: // batches as fast as possible until killed
		for k := 0; ; k++ {
			if _, err := s.WriteBatch(ctx, sinktest.KillBatch(k, killBatch)); err != nil {
				sinktest.ChildFail(t, err)
			}
			sinktest.ChildCommitted(k)
		}
	}
}

// runKilled runs the child on the database at path in mode until stop,
// and returns the last batch it reported committed (-1 if none).
func runKilled(t *testing.T, path, mode string, stop func(line string) bool) int {
	t.Helper()
	return sinktest.RunKilled(t, "TestKillChild", []string{killEnvPath + "=" + path, killEnvMode + "=" + mode}, stop)
}

// checkConsistent opens the database after a kill and checks its
// invariants; it returns how many whole batches it holds. probeWrite also
// checks that a write succeeds (adding an article outside the batches).
func checkConsistent(t *testing.T, path string, probeWrite bool) int {
	t.Helper()
	s := openAt(t, path)
	defer s.Close()
	db := s.DB()
	var integrity string
	if err := db.QueryRowContext(t.Context(), `PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check = %q, %v", integrity, err)
	}
	for _, q := range []struct{ what, sql string }{
		{"orphan removals", `SELECT count(*) FROM removals r LEFT JOIN articles a ON a.id = r.article_id WHERE a.id IS NULL`},
		{"articles whose removal rows disagree with removed_count",
			`SELECT count(*) FROM articles a WHERE removed_count <> (SELECT count(*) FROM removals r WHERE r.article_id = a.id)`},
		{"articles whose removal rows disagree with the record",
			`SELECT count(*) FROM articles a WHERE json_array_length(record, '$.hygiene.removed') <> a.removed_count`},
		{"orphan search queue entries", `SELECT count(*) FROM search_pending p LEFT JOIN articles a ON a.rowid = p.article_rowid WHERE a.rowid IS NULL`},
	} {
		var n int
		if err := db.QueryRowContext(t.Context(), q.sql).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q.what, err)
		}
		if n != 0 {
			t.Errorf("%d %s", n, q.what)
		}
	}
	var articles int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM articles`).Scan(&articles); err != nil {
		t.Fatal(err)
	}
	if articles%killBatch != 0 {
		t.Fatalf("%d articles: a partial batch was committed", articles)
	}
	batches := articles / killBatch
	// Every article of every committed batch is there, in the version the
	// batches wrote: the newest batch's are originals, earlier ones were
	// replaced by the batch after them.
	for k := range batches {
		for i := range killBatch {
			want := sinktest.Article(k*killBatch + i)
			if k < batches-1 {
				want = sinktest.Version(want, 1)
			}
			got, err := s.Get(t.Context(), want.ID)
			if err != nil {
				t.Fatalf("batch %d: %v", k, err)
			}
			if got.ContentHash != want.ContentHash || len(got.Hygiene.Removed) != len(want.Hygiene.Removed) {
				t.Errorf("batch %d article %d: not the version batch %d wrote", k, i, min(k+1, batches-1))
			}
		}
	}
	// And the store still works.
	if _, err := s.Search(t.Context(), "城市", sink.SearchOptions{}); err != nil {
		t.Errorf("Search after the kill: %v", err)
	}
	if probeWrite {
		if err := s.Write(t.Context(), sinktest.Article(100000)); err != nil {
			t.Errorf("Write after the kill: %v", err)
		}
	}
	return batches
}

// TestKillInsideTransaction kills the writer after every statement of a
// batch ran and before its COMMIT.
func TestKillInsideTransaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	committed := runKilled(t, path, "hook", func(line string) bool { return line == "IN-TX" })
	if committed != 0 {
		t.Fatalf("child committed batch %d, want 0", committed)
	}
	if got := checkConsistent(t, path, true); got != 1 {
		t.Errorf("database holds %d batches, want exactly the committed one", got)
	}
}

// TestKillAnywhere kills a writer that commits batches back to back at a
// random moment, a few times over the same file.
func TestKillAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	path := filepath.Join(t.TempDir(), "k.db")
	for round := range 3 {
		target := 2 + round
		delay := time.Duration(rand.IntN(20)) * time.Millisecond
		committed := runKilled(t, path, "loop", func(line string) bool {
			if line == fmt.Sprintf("COMMITTED %d", target) {
				time.Sleep(delay)
				return true
			}
			return false
		})
		got := checkConsistent(t, path, round == 2)
		// The child restarts from batch 0 each round, rewriting what is
		// there; every batch it reported committed must be there.
		if got < committed+1 {
			t.Errorf("round %d: child reported batch %d committed, database holds %d batches", round, committed, got)
		}
		t.Logf("round %d: killed after batch %d (+%v), %d batches stored", round, committed, delay, got)
	}
}
