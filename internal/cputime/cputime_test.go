//go:build unix

package cputime

import "testing"

func TestProcessAdvances(t *testing.T) {
	before := Process()
	if before <= 0 {
		t.Fatalf("Process() = %v, want > 0", before)
	}
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	if after := Process(); after <= before {
		t.Errorf("Process() did not advance over a busy loop (%v then %v; %d)", before, after, x)
	}
}
