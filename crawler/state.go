package crawler

import (
	"context"
	"sync"
)

// Validators are an entry point's HTTP cache validators, sent back as
// If-None-Match and If-Modified-Since on the next fetch.
type Validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// IsZero reports whether there is nothing to send.
func (v Validators) IsZero() bool { return v.ETag == "" && v.LastModified == "" }

// StateStore keeps validators per canonical URL between runs. The
// in-memory default lives as long as the Crawler; the scheduler can keep
// them in NATS KV instead. Implementations must be safe for concurrent
// use.
type StateStore interface {
	// Validators returns the stored validators of url, zero if none.
	Validators(ctx context.Context, url string) (Validators, error)
	// SetValidators stores v for url; a zero v deletes.
	SetValidators(ctx context.Context, url string, v Validators) error
}

// MemoryState is an in-memory StateStore. The zero value is ready to use.
type MemoryState struct {
	mu sync.Mutex
	m  map[string]Validators
}

var _ StateStore = (*MemoryState)(nil)

// Validators returns the stored validators of url.
func (s *MemoryState) Validators(_ context.Context, url string) (Validators, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[url], nil
}

// SetValidators stores (or, when v is zero, deletes) the validators of url.
func (s *MemoryState) SetValidators(_ context.Context, url string, v Validators) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v.IsZero() {
		delete(s.m, url)
		return nil
	}
	if s.m == nil {
		s.m = make(map[string]Validators)
	}
	s.m[url] = v
	return nil
}
