package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"winnow/sink"
	"winnow/sink/record"
	"winnow/sink/sinktest"
)

// The kill tests re-run this test binary as a child that writes to a
// database and is killed with SIGKILL mid-batch; the parent then checks
// that the database opens, holds every batch the child reported
// committed, none of the batch in flight, and no orphan rows.
const (
	killEnvPath = "WINNOW_SQLITE_KILL_CHILD_DB"
	killEnvMode = "WINNOW_SQLITE_KILL_CHILD_MODE"
	killBatch   = 10 // new articles per batch
)

// killBatchRecs returns batch k: killBatch new articles plus new versions
// (fewer removals) of the articles of batch k-1.
func killBatchRecs(k int) []*record.Article {
	var recs []*record.Article
	for i := range killBatch {
		recs = append(recs, sinktest.Article(k*killBatch+i))
	}
	if k > 0 {
		for i := range killBatch {
			recs = append(recs, sinktest.Version(sinktest.Article((k-1)*killBatch+i), 1))
		}
	}
	return recs
}

// TestKillChild is the child's body; it does nothing in a normal run.
func TestKillChild(t *testing.T) {
	path := os.Getenv(killEnvPath)
	if path == "" {
		t.Skip("child process of TestKill* only")
	}
	s, err := Open(context.Background(), Options{Path: path})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	ctx := context.Background()
	switch os.Getenv(killEnvMode) {
	case "hook": // one committed batch, then block inside the second's transaction
		if _, err := s.WriteBatch(ctx, killBatchRecs(0)); err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		fmt.Println("COMMITTED 0")
		s.beforeCommit = func() {
			fmt.Println("IN-TX")
			time.Sleep(time.Hour)
		}
		s.WriteBatch(ctx, killBatchRecs(1))
	default: // batches as fast as possible until killed
		for k := 0; ; k++ {
			if _, err := s.WriteBatch(ctx, killBatchRecs(k)); err != nil {
				fmt.Println("ERROR", err)
				os.Exit(1)
			}
			fmt.Println("COMMITTED", k)
		}
	}
}

// runKilled starts the child in mode and kills it once stop returns true
// for a line it printed; it returns the last batch the child reported
// committed (-1 if none).
func runKilled(t *testing.T, path, mode string, stop func(line string) bool) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killEnvPath+"="+path, killEnvMode+"="+mode)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	committed := -1
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "COMMITTED "); ok {
			committed, _ = strconv.Atoi(n)
		}
		if strings.HasPrefix(line, "ERROR") {
			t.Fatalf("child: %s", line)
		}
		if stop(line) {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()
	// Lines printed between stop and the kill still count.
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "COMMITTED "); ok {
			committed, _ = strconv.Atoi(n)
		}
	}
	return committed
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
