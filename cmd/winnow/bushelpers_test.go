package main

import (
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"winnow/sink/natsbus"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// waitFor polls cond every 50ms until it holds, failing t after d.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitAcked waits until durable has acknowledged everything stream held
// when the wait began. It reads the acknowledgement floor: the server
// counts a message just published as pending a moment later
// (asynchronously), so "nothing pending" right after a publish can be
// stale.
func waitAcked(t testing.TB, d time.Duration, js jetstream.JetStream, stream, durable string) {
	t.Helper()
	st, err := natsbus.StreamInfo(t.Context(), js, stream)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, durable+" acknowledged everything in "+stream, func() bool {
		c, err := js.Consumer(t.Context(), stream, durable)
		return err == nil && c.CachedInfo().AckFloor.Stream >= st.LastSeq
	})
}
