package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func openTestState(t *testing.T) *State {
	t.Helper()
	cfg := Config{Partitions: 1}
	c, _ := setupBus(t, cfg)
	s, err := OpenState(t.Context(), c.JetStream(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStateGetPut(t *testing.T) {
	ctx := t.Context()
	s := openTestState(t)
	if _, _, err := s.Get(ctx, "wzljl"); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("Get missing: %v, want ErrKeyNotFound", err)
	}
	rev, err := s.Put(ctx, "wzljl", []byte(`{"etag":"abc"}`))
	if err != nil {
		t.Fatal(err)
	}
	v, rev2, err := s.Get(ctx, "wzljl")
	if err != nil || string(v) != `{"etag":"abc"}` || rev2 != rev {
		t.Errorf("Get = %s, %d, %v; want the put value at revision %d", v, rev2, err, rev)
	}
	if err := s.Delete(ctx, "wzljl"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, "wzljl"); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("Get deleted: %v, want ErrKeyNotFound", err)
	}
}

func TestStateUpdateResolvesConflicts(t *testing.T) {
	ctx := t.Context()
	s := openTestState(t)
	type state struct {
		Streak int      `json:"error_streak"`
		Seen   []string `json:"seen"`
	}
	const workers, each = 4, 10
	var wg sync.WaitGroup
	var calls sync.Map
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				_, err := s.Update(ctx, "src.wzljl", func(old []byte) ([]byte, error) {
					n, _ := calls.LoadOrStore(w, new(int))
					*n.(*int)++
					var st state
					if old != nil {
						if err := json.Unmarshal(old, &st); err != nil {
							return nil, err
						}
					}
					st.Streak++
					st.Seen = append(st.Seen, strconv.Itoa(w)+"-"+strconv.Itoa(i))
					return json.Marshal(st)
				})
				if err != nil {
					t.Errorf("Update: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	v, _, err := s.Get(ctx, "src.wzljl")
	if err != nil {
		t.Fatal(err)
	}
	var st state
	if err := json.Unmarshal(v, &st); err != nil {
		t.Fatal(err)
	}
	if st.Streak != workers*each || len(st.Seen) != workers*each {
		t.Errorf("after %d concurrent updates: streak %d, %d entries", workers*each, st.Streak, len(st.Seen))
	}
	total := 0
	calls.Range(func(_, v any) bool { total += *v.(*int); return true })
	t.Logf("%d updates took %d fn calls (%d conflicts retried)", workers*each, total, total-workers*each)

	// An error from fn aborts without writing.
	boom := errors.New("boom")
	if _, err := s.Update(ctx, "src.wzljl", func([]byte) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("Update with failing fn: %v", err)
	}
	if v2, _, _ := s.Get(ctx, "src.wzljl"); string(v2) != string(v) {
		t.Errorf("failing fn changed the value")
	}
}

func TestLeaseContenders(t *testing.T) {
	ctx := t.Context()
	s := openTestState(t)
	const ttl = 400 * time.Millisecond
	owners := []string{"sched-a", "sched-b", "sched-c", "sched-d"}
	results := make([]bool, len(owners))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, o := range owners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ok, err := s.TryLease(ctx, "lease.wzljl", o, ttl)
			if err != nil {
				t.Errorf("TryLease %s: %v", o, err)
			}
			results[i] = ok
		}()
	}
	close(start)
	wg.Wait()
	var winners []string
	for i, ok := range results {
		if ok {
			winners = append(winners, owners[i])
		}
	}
	if len(winners) != 1 {
		t.Fatalf("winners %v, want exactly one", winners)
	}
	holder := winners[0]
	other := owners[0]
	if other == holder {
		other = owners[1]
	}
	l, err := s.LeaseHolder(ctx, "lease.wzljl")
	if err != nil || l.Owner != holder {
		t.Errorf("LeaseHolder = %+v, %v; want %s", l, err, holder)
	}
	// The holder renews; the other cannot take it while it is valid.
	for _, step := range []struct {
		owner string
		want  bool
	}{{holder, true}, {other, false}} {
		ok, err := s.TryLease(ctx, "lease.wzljl", step.owner, ttl)
		if err != nil || ok != step.want {
			t.Errorf("TryLease(%s) = %v, %v; want %v", step.owner, ok, err, step.want)
		}
	}
	// After expiry the other takes over, and the old holder is out.
	time.Sleep(ttl + 100*time.Millisecond)
	got := map[string]bool{}
	for _, o := range []string{other, holder} {
		ok, err := s.TryLease(ctx, "lease.wzljl", o, ttl)
		if err != nil {
			t.Fatal(err)
		}
		got[o] = ok
	}
	if diff := cmp.Diff(map[string]bool{other: true, holder: false}, got); diff != "" {
		t.Errorf("after expiry (-want +got):\n%s", diff)
	}
	// Release by a non-holder is a no-op; by the holder frees the key.
	if err := s.ReleaseLease(ctx, "lease.wzljl", holder); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.LeaseHolder(ctx, "lease.wzljl"); l.Owner != other {
		t.Errorf("release by non-holder removed the lease: %+v", l)
	}
	if err := s.ReleaseLease(ctx, "lease.wzljl", other); err != nil {
		t.Fatal(err)
	}
	ok, err := s.TryLease(ctx, "lease.wzljl", holder, ttl)
	if err != nil || !ok {
		t.Errorf("TryLease after release = %v, %v; want true", ok, err)
	}
	if _, err := s.TryLease(context.Background(), "lease.x", "", ttl); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("TryLease without owner: %v", err)
	}
}

// TestStateCompareAndSet checks the compare-and-set primitives a
// scheduler store is built on: Create refuses an existing key,
// CompareAndSwap refuses a stale revision and tells a missing key apart,
// Keys lists by prefix without deleted keys.
func TestStateCompareAndSet(t *testing.T) {
	ctx := t.Context()
	s := openTestState(t)
	rev1, err := s.Create(ctx, "source.a", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, "source.a", []byte("again")); !errors.Is(err, ErrKeyExists) {
		t.Errorf("Create existing: %v, want ErrKeyExists", err)
	}
	rev2, err := s.CompareAndSwap(ctx, "source.a", []byte("2"), rev1)
	if err != nil || rev2 <= rev1 {
		t.Fatalf("CompareAndSwap at the latest revision = %d, %v", rev2, err)
	}
	if _, err := s.CompareAndSwap(ctx, "source.a", []byte("stale"), rev1); !errors.Is(err, ErrConflict) {
		t.Errorf("CompareAndSwap at a stale revision: %v, want ErrConflict", err)
	}
	if _, err := s.CompareAndSwap(ctx, "source.none", []byte("x"), 1); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("CompareAndSwap of a missing key: %v, want ErrKeyNotFound", err)
	}
	if v, rev, err := s.Get(ctx, "source.a"); err != nil || string(v) != "2" || rev != rev2 {
		t.Errorf("Get = %q, %d, %v; want \"2\" at %d", v, rev, err, rev2)
	}
	for _, k := range []string{"source.b", "other.c", "source.gone"} {
		if _, err := s.Create(ctx, k, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, "source.gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, "source.gone", []byte("back")); err != nil {
		t.Errorf("Create after Delete: %v", err)
	}
	if err := s.Delete(ctx, "source.gone"); err != nil {
		t.Fatal(err)
	}
	keys, err := s.Keys(ctx, "source.")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	if diff := cmp.Diff([]string{"source.a", "source.b"}, keys); diff != "" {
		t.Errorf("Keys(source.) (-want +got):\n%s", diff)
	}
	empty := openTestState(t)
	if keys, err := empty.Keys(ctx, ""); err != nil || len(keys) != 0 {
		t.Errorf("Keys of an empty bucket = %v, %v", keys, err)
	}
}

// TestBindBucketWaitsOutAnOutage: a process binding to its buckets while
// the server is down (a restarted node, a leader election) waits until
// the server answers instead of failing; a bucket that does not exist
// fails at once.
func TestBindBucketWaitsOutAnOutage(t *testing.T) {
	dir := t.TempDir()
	opts := &server.Options{JetStream: true, StoreDir: dir}
	srv := listeningServer(t, opts)
	port := srv.Addr().(*net.TCPAddr).Port
	nc, err := nats.Connect(srv.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc, jetstream.WithDefaultTimeout(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Partitions: 2}
	if _, err := EnsureStreams(t.Context(), js, cfg); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := OpenLeases(t.Context(), js, Config{Partitions: 2, Namespace: "other"}); !errors.Is(err, jetstream.ErrBucketNotFound) || time.Since(start) > 2*time.Second {
		t.Errorf("missing bucket: %v after %s, want ErrBucketNotFound at once", err, time.Since(start))
	}

	srv.Shutdown()
	srv.WaitForShutdown()
	done := make(chan error, 1)
	go func() {
		_, err := OpenLeases(t.Context(), js, cfg)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("OpenLeases returned while the server was down: %v", err)
	case <-time.After(1500 * time.Millisecond):
	}
	listeningServerOn(t, port, &server.Options{JetStream: true, StoreDir: dir})
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("OpenLeases after the restart: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("OpenLeases still waiting 20s after the server came back")
	}
}
