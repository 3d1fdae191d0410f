package postgres

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"winnow/sink/record"
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

func killBatchRecs(k int) []*record.Article {
	var recs []*record.Article
	for i := range killBatch {
		recs = append(recs, sinktest.Article(k*killBatch+i))
	}
	if k > 0 { // new versions, with fewer removals, of the previous batch
		for i := range killBatch {
			recs = append(recs, sinktest.Version(sinktest.Article((k-1)*killBatch+i), 1))
		}
	}
	return recs
}

// TestKillChild is the child's body; it does nothing in a normal run.
func TestKillChild(t *testing.T) {
	dsn := os.Getenv(killEnvDSN)
	if dsn == "" {
		t.Skip("child process of TestKillInsideTransaction only")
	}
	ctx := context.Background()
	s, err := Open(ctx, Options{DSN: dsn, Schema: os.Getenv(killEnvSchema)})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
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
}

func TestKillInsideTransaction(t *testing.T) {
	dsn := testDSN(t)
	schema := newSchema(t, dsn)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killEnvDSN+"="+dsn, killEnvSchema+"="+schema)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	sawCommit := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "ERROR") {
			t.Fatalf("child: %s", line)
		}
		sawCommit = sawCommit || line == "COMMITTED 0"
		if line == "IN-TX" {
			break
		}
	}
	if !sawCommit {
		t.Fatal("child never committed its first batch")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

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
	for _, want := range killBatchRecs(0) {
		got, err := s.Get(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ContentHash != want.ContentHash || len(got.Hygiene.Removed) != len(want.Hygiene.Removed) {
			t.Errorf("article %s is not the committed version", want.ID)
		}
	}
}
