package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// State is the crawl_state key-value bucket: per-source state such as
// the next due time, ETag/Last-Modified and the error streak, updated by
// compare-and-set so concurrent schedulers and workers never lose each
// other's writes. Keys are source ids or dotted paths of them
// ([-/_=.a-zA-Z0-9]+); values are opaque bytes (JSON by convention).
type State struct {
	kv jetstream.KeyValue
}

// OpenState binds to the crawl_state bucket of c's namespace, which
// EnsureStreams created.
func OpenState(ctx context.Context, js jetstream.JetStream, c Config) (*State, error) {
	n, err := c.Names()
	if err != nil {
		return nil, err
	}
	kv, err := bindBucket(ctx, js, n.State)
	if err != nil {
		return nil, err
	}
	return &State{kv: kv}, nil
}

// Get returns the value of key and its revision; a missing or deleted key
// is an error wrapping ErrKeyNotFound.
func (s *State) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	e, err := s.kv.Get(ctx, key)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
			return nil, 0, fmt.Errorf("%w: %s", ErrKeyNotFound, key)
		}
		return nil, 0, fmt.Errorf("natsbus: get %s: %w", key, err)
	}
	return e.Value(), e.Revision(), nil
}

// OpenLeases binds to the crawl_leases bucket of c's namespace (frontier
// partition leases, worker membership and other single-owner leases such
// as a storage consumer's outcome recorder), which EnsureStreams created.
// Its State offers the same operations as crawl_state's.
func OpenLeases(ctx context.Context, js jetstream.JetStream, c Config) (*State, error) {
	n, err := c.Names()
	if err != nil {
		return nil, err
	}
	kv, err := bindBucket(ctx, js, n.Leases)
	if err != nil {
		return nil, err
	}
	return &State{kv: kv}, nil
}

// bindWindow is how long bindBucket keeps retrying a cluster that cannot
// answer: a leader election or a restarted node catching up takes seconds.
const bindWindow = time.Minute

// bindBucket binds to a key-value bucket. While the cluster cannot answer
// (no responders, a timeout, JetStream not current) it retries with
// backoff for up to bindWindow, so a process that starts during a
// failover waits it out instead of exiting; a missing bucket or a refused
// request fails at once.
func bindBucket(ctx context.Context, js jetstream.JetStream, bucket string) (jetstream.KeyValue, error) {
	deadline := time.Now().Add(bindWindow)
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		kv, err := js.KeyValue(ctx, bucket)
		switch {
		case err == nil:
			return kv, nil
		case errors.Is(err, jetstream.ErrBucketNotFound), classify(err) != classTransient, time.Now().Add(wait).After(deadline):
			return nil, fmt.Errorf("natsbus: bucket %s: %w", bucket, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("natsbus: bucket %s: %w (last error: %v)", bucket, ctx.Err(), err)
		case <-t.C:
		}
	}
}

// Create stores value under key only if the key holds no value (never
// set, or deleted) and returns the new revision; an existing key is an
// error wrapping ErrKeyExists.
func (s *State) Create(ctx context.Context, key string, value []byte) (uint64, error) {
	rev, err := s.kv.Create(ctx, key, value)
	if err != nil {
		if isConflict(err) {
			return 0, fmt.Errorf("%w: %s", ErrKeyExists, key)
		}
		return 0, fmt.Errorf("natsbus: create %s: %w", key, err)
	}
	return rev, nil
}

// CompareAndSwap stores value under key only if the key's latest
// revision is lastRevision, and returns the new revision. Another
// revision is an error wrapping ErrConflict; a key that was never set or
// was deleted, one wrapping ErrKeyNotFound.
func (s *State) CompareAndSwap(ctx context.Context, key string, value []byte, lastRevision uint64) (uint64, error) {
	rev, err := s.kv.Update(ctx, key, value, lastRevision)
	if err == nil {
		return rev, nil
	}
	if !isConflict(err) {
		return 0, fmt.Errorf("natsbus: update %s: %w", key, err)
	}
	// The server says only "wrong last sequence": tell a missing key
	// from a changed one.
	if _, gerr := s.kv.Get(ctx, key); errors.Is(gerr, jetstream.ErrKeyNotFound) || errors.Is(gerr, jetstream.ErrKeyDeleted) {
		return 0, fmt.Errorf("%w: %s", ErrKeyNotFound, key)
	}
	return 0, fmt.Errorf("%w: %s at revision %d", ErrConflict, key, lastRevision)
}

// Keys returns the keys that hold a value and start with prefix, in any
// order. It reads the bucket's key index (an ordered consumer over the
// bucket's latest values, headers only).
func (s *State) Keys(ctx context.Context, prefix string) ([]string, error) {
	lister, err := s.kv.ListKeys(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		if errors.Is(err, jetstream.ErrNoKeysFound) {
			return nil, nil
		}
		return nil, fmt.Errorf("natsbus: keys: %w", err)
	}
	defer lister.Stop()
	var out []string
	for k := range lister.Keys() {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out, nil
}

// Watch calls fn with the key of every change (put or delete) made to
// keys matching pattern (a subject-style filter such as "source.>") after
// the call, until ctx ends; it then returns nil. Calls are serialized; fn
// should be quick. Watch returns an error only when the watch cannot be
// set up.
func (s *State) Watch(ctx context.Context, pattern string, fn func(key string)) error {
	w, err := s.kv.Watch(ctx, pattern, jetstream.UpdatesOnly(), jetstream.MetaOnly())
	if err != nil {
		return fmt.Errorf("natsbus: watch %s: %w", pattern, err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return nil
			}
			if e != nil {
				fn(e.Key())
			}
		}
	}
}

// Put sets key to value unconditionally and returns the new revision.
func (s *State) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	rev, err := s.kv.Put(ctx, key, value)
	if err != nil {
		return 0, fmt.Errorf("natsbus: put %s: %w", key, err)
	}
	return rev, nil
}

// Delete removes key (its history stays until compacted).
func (s *State) Delete(ctx context.Context, key string) error {
	if err := s.kv.Delete(ctx, key); err != nil {
		return fmt.Errorf("natsbus: delete %s: %w", key, err)
	}
	return nil
}

// Update applies fn to the current value of key (nil when the key does not
// exist) and stores the result if key has not changed meanwhile; on a
// revision conflict it reads again and retries (up to 64 times, then
// ErrConflict). fn may be called several times and must not have side
// effects; an error from fn aborts and is returned as is. Update returns the
// stored value.
func (s *State) Update(ctx context.Context, key string, fn func(old []byte) ([]byte, error)) ([]byte, error) {
	return casUpdate(ctx, s.kv, key, fn)
}

func casUpdate(ctx context.Context, kv jetstream.KeyValue, key string, fn func(old []byte) ([]byte, error)) ([]byte, error) {
	for attempt := range 64 {
		var old []byte
		var rev uint64
		e, err := kv.Get(ctx, key)
		switch {
		case err == nil:
			old, rev = e.Value(), e.Revision()
		case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		default:
			return nil, fmt.Errorf("natsbus: update %s: %w", key, err)
		}
		val, err := fn(old)
		if err != nil {
			return nil, err
		}
		if rev == 0 {
			_, err = kv.Create(ctx, key, val)
		} else {
			_, err = kv.Update(ctx, key, val, rev)
		}
		if err == nil {
			return val, nil
		}
		if !isConflict(err) {
			return nil, fmt.Errorf("natsbus: update %s: %w", key, err)
		}
		// Lost a race: back off a little, with jitter, and read again.
		sleepCtx(ctx, time.Duration(rand.N(1+min(attempt, 10)))*time.Millisecond)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("natsbus: update %s: %w", key, ctx.Err())
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrConflict, key)
}

func isConflict(err error) bool {
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch)
}

// Lease is the value stored under a lease key.
type Lease struct {
	// Owner identifies the holder (worker or scheduler id).
	Owner string `json:"owner"`
	// ExpiresAt is when the lease lapses unless renewed.
	ExpiresAt time.Time `json:"expires_at"`
	// Revision is the key's revision when read (not stored).
	Revision uint64 `json:"-"`
}

// TryLease takes or renews the lease key for owner for ttl. It reports
// true if owner holds the lease afterwards: the key was free, expired, or
// already owner's. Only one of several concurrent contenders wins, because
// every write is a create or a compare-and-set on the revision read. The
// expiry is wall-clock time, so the hosts' clocks must agree to well
// within ttl; the holder must renew before ttl/2 to be safe.
func (s *State) TryLease(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	return tryLease(ctx, s.kv, key, owner, ttl)
}

// ReleaseLease deletes the lease key if owner still holds it.
func (s *State) ReleaseLease(ctx context.Context, key, owner string) error {
	return releaseLease(ctx, s.kv, key, owner)
}

// LeaseHolder returns the current lease on key; a missing key wraps
// ErrKeyNotFound. The lease may have expired: compare ExpiresAt.
func (s *State) LeaseHolder(ctx context.Context, key string) (Lease, error) {
	return readLease(ctx, s.kv, key)
}

func readLease(ctx context.Context, kv jetstream.KeyValue, key string) (Lease, error) {
	e, err := kv.Get(ctx, key)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
			return Lease{}, fmt.Errorf("%w: %s", ErrKeyNotFound, key)
		}
		return Lease{}, fmt.Errorf("natsbus: lease %s: %w", key, err)
	}
	var l Lease
	if err := json.Unmarshal(e.Value(), &l); err != nil {
		// A corrupt value is treated as an expired lease held by nobody.
		l = Lease{}
	}
	l.Revision = e.Revision()
	return l, nil
}

func tryLease(ctx context.Context, kv jetstream.KeyValue, key, owner string, ttl time.Duration) (bool, error) {
	if owner == "" || ttl <= 0 {
		return false, fmt.Errorf("%w: lease %s needs an owner and a positive ttl", ErrInvalidOptions, key)
	}
	val, err := json.Marshal(Lease{Owner: owner, ExpiresAt: time.Now().Add(ttl).UTC()})
	if err != nil {
		return false, err
	}
	cur, err := readLease(ctx, kv, key)
	switch {
	case errors.Is(err, ErrKeyNotFound):
		_, err = kv.Create(ctx, key, val)
	case err != nil:
		return false, err
	case cur.Owner != owner && time.Now().Before(cur.ExpiresAt):
		return false, nil // held by someone else
	default: // ours, or expired: take it over by compare-and-set
		_, err = kv.Update(ctx, key, val, cur.Revision)
	}
	if err != nil {
		if isConflict(err) {
			return false, nil // another contender wrote first
		}
		return false, fmt.Errorf("natsbus: lease %s: %w", key, err)
	}
	return true, nil
}

func releaseLease(ctx context.Context, kv jetstream.KeyValue, key, owner string) error {
	cur, err := readLease(ctx, kv, key)
	if errors.Is(err, ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if cur.Owner != owner {
		return nil
	}
	if err := kv.Delete(ctx, key, jetstream.LastRevision(cur.Revision)); err != nil && !isConflict(err) {
		return fmt.Errorf("natsbus: release lease %s: %w", key, err)
	}
	return nil
}
