package sinktest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"winnow/sink/record"
)

// The kill tests of the stores re-run their own test binary as a child
// that writes batches and is killed with SIGKILL, then check what the
// storage holds. The child reports on stdout, one line each:
//
//	COMMITTED k   batch k is durable (WriteBatch returned nil)
//	IN-TX         every statement of a batch ran; COMMIT did not
//	ERROR …       the child failed; the parent test fails with it
//
// Child* print these lines; RunKilled starts the child and reads them.

// KillBatch returns batch k of a kill test: n new articles (Article(k*n)
// … Article(k*n+n-1)) and, after batch 0, new versions with fewer
// removals of the articles of batch k-1. A store that holds batches
// 0…k whole holds (k+1)*n articles, those of batch k in their original
// version and the others as Version(…, 1).
func KillBatch(k, n int) []*record.Article {
	recs := make([]*record.Article, 0, 2*n)
	for i := range n {
		recs = append(recs, Article(k*n+i))
	}
	if k > 0 {
		for i := range n {
			recs = append(recs, Version(Article((k-1)*n+i), 1))
		}
	}
	return recs
}

// ChildCommitted reports that batch k is durable.
func ChildCommitted(k int) { fmt.Println("COMMITTED", k) }

// ChildInTx reports that the child is inside a write transaction, then
// blocks until it is killed: a store's before-commit hook calls it.
func ChildInTx() {
	fmt.Println("IN-TX")
	time.Sleep(time.Hour)
}

// ChildFail reports err to the parent and ends the child's test.
func ChildFail(t testing.TB, err error) {
	t.Helper()
	fmt.Println("ERROR", err)
	t.FailNow()
}

// RunKilled runs the test named test of this test binary in a child
// process with env added to its environment, reads the lines it prints
// until stop returns true for one, kills it with SIGKILL and returns the
// last batch it reported committed (-1 if none), counting lines printed
// between stop and the kill. A child that reports ERROR, or exits before
// stop, fails t.
func RunKilled(t testing.TB, test string, env []string, stop func(line string) bool) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	committed := -1
	read := func(line string) {
		if n, ok := strings.CutPrefix(line, "COMMITTED "); ok {
			if k, err := strconv.Atoi(n); err == nil {
				committed = k
			}
		}
	}
	sc := bufio.NewScanner(out)
	stopped := false
	for !stopped && sc.Scan() {
		line := sc.Text()
		read(line)
		if strings.HasPrefix(line, "ERROR") {
			t.Fatalf("child: %s", line)
		}
		stopped = stop(line)
	}
	if !stopped {
		cmd.Wait()
		t.Fatalf("child %s exited before it was killed (%v)", test, cmd.ProcessState)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	for sc.Scan() { // to EOF: what the child printed before it died
		read(sc.Text())
	}
	cmd.Wait()
	return committed
}
