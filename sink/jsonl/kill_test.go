package jsonl

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
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
		t.Skip("child process of TestKill only")
	}
	s, err := Open(context.Background(), Options{Dir: dir, MaxBytes: 64 << 10})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	for k := 0; ; k++ {
		var batch []*record.Article
		for i := range 10 {
			batch = append(batch, sinktest.Article(k*10+i))
		}
		if _, err := s.WriteBatch(context.Background(), batch); err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		fmt.Println("COMMITTED", k)
	}
}

// TestKill kills a writer with SIGKILL at a random moment: every batch it
// reported is readable, nothing is invalid (at most one torn line), and
// the directory opens and takes writes.
func TestKill(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killEnvDir+"="+dir)
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
		if strings.HasPrefix(line, "ERROR") {
			t.Fatalf("child: %s", line)
		}
		if n, ok := strings.CutPrefix(line, "COMMITTED "); ok {
			committed, _ = strconv.Atoi(n)
		}
		if committed >= 5 {
			time.Sleep(time.Duration(rand.IntN(5)) * time.Millisecond)
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "COMMITTED "); ok {
			committed, _ = strconv.Atoi(n)
		}
	}

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
