package schedule_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/schedule"
)

func TestFakeClock(t *testing.T) {
	c := schedule.NewFakeClock(t0)
	t3 := c.NewTimer(3 * time.Second)
	t1 := c.NewTimer(time.Second)
	t2 := c.NewTimer(2 * time.Second)
	now := c.NewTimer(0)
	select {
	case at := <-now.C():
		if !at.Equal(t0) {
			t.Errorf("zero timer fired with %s", at)
		}
	default:
		t.Error("a zero-duration timer did not fire at once")
	}
	if n := c.Pending(); n != 3 {
		t.Errorf("pending %d, want 3", n)
	}
	if !t2.Stop() || t2.Stop() {
		t.Error("Stop: want true then false")
	}
	c.Advance(1500 * time.Millisecond)
	fired := func(tm schedule.Timer) bool {
		select {
		case <-tm.C():
			return true
		default:
			return false
		}
	}
	if d := cmp.Diff([]bool{true, false, false}, []bool{fired(t1), fired(t2), fired(t3)}); d != "" {
		t.Errorf("after 1.5s (-want +got):\n%s", d)
	}
	c.Set(t0) // never backwards
	if !c.Now().Equal(t0.Add(1500 * time.Millisecond)) {
		t.Errorf("Set moved the clock back to %s", c.Now())
	}
	c.Advance(time.Hour)
	if !fired(t3) || fired(t2) {
		t.Error("after an hour: t3 should have fired, stopped t2 not")
	}
	if t3.Stop() {
		t.Error("Stop of a fired timer returned true")
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := c.BlockUntil(ctx, 1); err == nil {
		t.Error("BlockUntil with no timers and a canceled context returned nil")
	}
	go func() { c.NewTimer(time.Minute) }()
	if err := c.BlockUntil(t.Context(), 1); err != nil {
		t.Errorf("BlockUntil: %v", err)
	}
}
