package postgres

import (
	"context"
	"os"
	"testing"
	"time"

	"winnow/sink/sinktest"
)

// TestKillInsideTransaction re-runs this test binary as a child that
// commits one batch, then is killed with SIGKILL inside the next batch's
// transaction (every statement sent, COMMIT not); the server must roll
// that batch back whole.
const (
	killEnvDSN    = "WINNOW_PG_KILL_CHILD_DSN"
	killEnvSchema = "WINNOW_PG_KILL_CHILD_SCHEMA"
	killBatch     = 10
)

// TestKillChild is the child's body; it does nothing in a normal run.
func TestKillChild(t *testing.T) {
	dsn := os.Getenv(killEnvDSN)
	if dsn == "" {
		t.Skip("child process of TestKillInsideTransaction only: runs with " + killEnvDSN + " set")
	}
	ctx := context.Background()
	s, err := Open(ctx, Options{DSN: dsn, Schema: os.Getenv(killEnvSchema)})
	if err != nil {
		sinktest.ChildFail(t, err)
	}
	if _, err := s.WriteBatch(ctx, sinktest.KillBatch(0, killBatch)); err != nil {
		sinktest.ChildFail(t, err)
	}
	sinktest.ChildCommitted(0)
	s.beforeCommit = sinktest.ChildInTx
	s.WriteBatch(ctx, sinktest.KillBatch(1, killBatch))
}

func TestKillInsideTransaction(t *testing.T) {
	dsn := testDSN(t)
	schema := newSchema(t, dsn)
	committed := sinktest.RunKilled(t, "TestKillChild", []string{killEnvDSN + "=" + dsn, killEnvSchema + "=" + schema},
		func(line string) bool { return line == "IN-TX" })
	if committed != 0 {
		t.Fatalf("child reported batch %d committed, want 0", committed)
	}

	s := openSchema(t, dsn, schema)
	// The server rolls the dead connection's transaction back; reads
	// never see its rows either way, and the store still writes.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := s.Write(ctx, sinktest.Article(100000)); err != nil {
		t.Fatalf("Write after the kill: %v", err)
	}
	var articles, orphans, mismatched int
	if err := s.Pool().QueryRow(ctx, `SELECT
		(SELECT count(*) FROM articles WHERE id <> $1),
		(SELECT count(*) FROM removals r LEFT JOIN articles a ON a.id = r.article_id WHERE a.id IS NULL),
		(SELECT count(*) FROM articles a WHERE removed_count <> (SELECT count(*) FROM removals r WHERE r.article_id = a.id)
		    OR removed_count <> jsonb_array_length(record->'hygiene'->'removed'))`,
		sinktest.Article(100000).ID).Scan(&articles, &orphans, &mismatched); err != nil {
		t.Fatal(err)
	}
	if articles != killBatch || orphans != 0 || mismatched != 0 {
		t.Errorf("after the kill: %d articles (want %d), %d orphan removals, %d articles whose removals disagree",
			articles, killBatch, orphans, mismatched)
	}
	// The first batch is there in its original version (the killed batch
	// updated it and must have left no trace).
	for _, want := range sinktest.KillBatch(0, killBatch) {
		got, err := s.Get(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ContentHash != want.ContentHash || len(got.Hygiene.Removed) != len(want.Hygiene.Removed) {
			t.Errorf("article %s is not the committed version", want.ID)
		}
	}
}
