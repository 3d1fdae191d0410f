package schedule

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Store is a key-value store with compare-and-set, the shape of a NATS
// JetStream KV bucket (crawl_state). Implementations must be safe for
// concurrent use; every scheduler process sharing a Store must see the
// same revisions.
type Store interface {
	// Get returns the value and revision of key; ErrNotFound if absent.
	Get(ctx context.Context, key string) (value []byte, revision uint64, err error)
	// Create stores value under key only if key is absent; ErrExists
	// otherwise. It returns the new revision.
	Create(ctx context.Context, key string, value []byte) (revision uint64, err error)
	// Update stores value only if key's latest revision is lastRevision;
	// ErrConflict otherwise (ErrNotFound if the key is absent).
	Update(ctx context.Context, key string, value []byte, lastRevision uint64) (revision uint64, err error)
	// Keys returns the keys starting with prefix, in any order.
	Keys(ctx context.Context, prefix string) ([]string, error)
}

// MemoryStore is an in-memory [Store]: revisions come from one counter
// for the whole store, as in a JetStream KV bucket. The zero value is
// ready to use.
type MemoryStore struct {
	mu  sync.Mutex
	seq uint64
	m   map[string]memValue
}

type memValue struct {
	value []byte
	rev   uint64
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

// Get returns a copy of the value of key and its revision.
func (s *MemoryStore) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return nil, 0, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return slices.Clone(v.value), v.rev, nil
}

// Create stores a copy of value under key if key is absent.
func (s *MemoryStore) Create(ctx context.Context, key string, value []byte) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; ok {
		return 0, fmt.Errorf("%w: %s", ErrExists, key)
	}
	if s.m == nil {
		s.m = make(map[string]memValue)
	}
	s.seq++
	s.m[key] = memValue{value: slices.Clone(value), rev: s.seq}
	return s.seq, nil
}

// Update stores a copy of value under key if its revision is lastRevision.
func (s *MemoryStore) Update(ctx context.Context, key string, value []byte, lastRevision uint64) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return 0, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if v.rev != lastRevision {
		return 0, fmt.Errorf("%w: %s at revision %d, not %d", ErrConflict, key, v.rev, lastRevision)
	}
	s.seq++
	s.m[key] = memValue{value: slices.Clone(value), rev: s.seq}
	return s.seq, nil
}

// Keys returns the keys starting with prefix, sorted.
func (s *MemoryStore) Keys(ctx context.Context, prefix string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k := range s.m {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys, nil
}
