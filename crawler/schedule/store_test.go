package schedule_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/schedule"
)

func TestMemoryStoreCAS(t *testing.T) {
	ctx := t.Context()
	var s schedule.MemoryStore // the zero value works
	type step struct {
		op      string // get, create, update
		key     string
		value   string
		rev     uint64 // update's last revision
		wantRev uint64
		wantVal string
		wantErr error
	}
	steps := []step{
		{op: "get", key: "source.a", wantErr: schedule.ErrNotFound},
		{op: "update", key: "source.a", value: "x", rev: 0, wantErr: schedule.ErrNotFound},
		{op: "create", key: "source.a", value: "v1", wantRev: 1},
		{op: "create", key: "source.a", value: "v1bis", wantErr: schedule.ErrExists},
		{op: "get", key: "source.a", wantRev: 1, wantVal: "v1"},
		{op: "create", key: "source.b", value: "w1", wantRev: 2},
		{op: "update", key: "source.a", value: "v2", rev: 1, wantRev: 3},
		{op: "update", key: "source.a", value: "stale", rev: 1, wantErr: schedule.ErrConflict},
		{op: "get", key: "source.a", wantRev: 3, wantVal: "v2"},
		{op: "update", key: "source.b", value: "w2", rev: 2, wantRev: 4},
	}
	for i, st := range steps {
		var (
			rev uint64
			val []byte
			err error
		)
		switch st.op {
		case "get":
			val, rev, err = s.Get(ctx, st.key)
		case "create":
			rev, err = s.Create(ctx, st.key, []byte(st.value))
		case "update":
			rev, err = s.Update(ctx, st.key, []byte(st.value), st.rev)
		}
		if !errors.Is(err, st.wantErr) || (st.wantErr == nil && err != nil) {
			t.Errorf("step %d %s %s: err %v, want %v", i, st.op, st.key, err, st.wantErr)
			continue
		}
		if err == nil && (rev != st.wantRev || string(val) != st.wantVal) {
			t.Errorf("step %d %s %s: rev %d value %q, want %d %q", i, st.op, st.key, rev, val, st.wantRev, st.wantVal)
		}
	}
	// Values are copies: changing a returned or stored slice changes nothing.
	b := []byte("mine")
	if _, err := s.Create(ctx, "other.c", b); err != nil {
		t.Fatal(err)
	}
	b[0] = 'X'
	got, _, _ := s.Get(ctx, "other.c")
	got[1] = 'X'
	again, _, _ := s.Get(ctx, "other.c")
	if string(again) != "mine" {
		t.Errorf("stored value changed through a slice: %q", again)
	}
	keys, err := s.Keys(ctx, "source.")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"source.a", "source.b"}, keys); d != "" {
		t.Errorf("keys (-want +got):\n%s", d)
	}
}
