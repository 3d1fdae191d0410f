package jsonl

import (
	"context"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"winnow/sink/record"
	"winnow/sink/sinktest"
)

const killEnvDir = "WINNOW_JSONL_KILL_CHILD_DIR"

// TestKillChild is the child's body: batches of 10 new records back to
// back, each reported once WriteBatch returned. It does nothing in a
// normal run.
func TestKillChild(t *testing.T) {
	dir := os.Getenv(killEnvDir)
	if dir == "" {
		t.Skip("child process of TestKill only: runs with " + killEnvDir + " set")
	}
	s, err := Open(context.Background(), Options{Dir: dir, MaxBytes: 64 << 10})
	if err != nil {
		sinktest.ChildFail(t, err)
	}
	for k := 0; ; k++ {
		// The new articles of batch k only: an append log has no updates to
		// check.
		if _, err := s.WriteBatch(context.Background(), sinktest.KillBatch(k, 10)[:10]); err != nil {
			sinktest.ChildFail(t, err)
		}
		sinktest.ChildCommitted(k)
	}
}

// TestKill kills a writer with SIGKILL at a random moment: every batch it
// reported is readable, nothing is invalid (at most one torn line), and
// the directory opens and takes writes.
func TestKill(t *testing.T) {
	dir := t.TempDir()
	committed := sinktest.RunKilled(t, "TestKillChild", []string{killEnvDir + "=" + dir}, func(line string) bool {
		if line != "COMMITTED 5" {
			return false
		}
		time.Sleep(time.Duration(rand.IntN(5)) * time.Millisecond)
		return true
	})

	seen := map[string]bool{}
	stats, err := Scan(t.Context(), dir, func(a *record.Article) error { seen[a.ID] = true; return nil })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed after batch %d: %+v", committed, stats)
	if stats.Invalid != 0 || stats.Torn > 1 || stats.Skipped != 0 {
		t.Errorf("after the kill: %+v, want no invalid or duplicate lines and at most one torn", stats)
	}
	for n := range (committed + 1) * 10 {
		if !seen[sinktest.Article(n).ID] {
			t.Errorf("record %d of a reported batch is missing", n)
		}
	}
	s := openDir(t, Options{Dir: dir})
	res, err := s.WriteBatch(t.Context(), []*record.Article{sinktest.Article(0), sinktest.Article(1 << 20)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unchanged != 1 || res.Inserted != 1 {
		t.Errorf("write after the kill: %+v, want the old record unchanged and the new one inserted", res)
	}
}
