package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"winnow/crawler"
	"winnow/crawler/schedule"
	"winnow/sink/natsbus"
)

// kvStore adapts the crawl_state key-value bucket to schedule.Store. It
// lives in the binary: natsbus must not import the scheduler, and the
// scheduler imports no NATS. The mapping is one call each:
//
//	Get    -> State.Get            (natsbus.ErrKeyNotFound -> schedule.ErrNotFound)
//	Create -> State.Create         (natsbus.ErrKeyExists   -> schedule.ErrExists)
//	Update -> State.CompareAndSwap (natsbus.ErrConflict    -> schedule.ErrConflict,
//	                                natsbus.ErrKeyNotFound -> schedule.ErrNotFound)
//	Keys   -> State.Keys
type kvStore struct{ st *natsbus.State }

var _ schedule.Store = kvStore{}

// storeErr maps a natsbus error to the scheduler's sentinel, keeping the
// original in the chain.
func storeErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, natsbus.ErrKeyNotFound):
		return fmt.Errorf("%w: %w", schedule.ErrNotFound, err)
	case errors.Is(err, natsbus.ErrKeyExists):
		return fmt.Errorf("%w: %w", schedule.ErrExists, err)
	case errors.Is(err, natsbus.ErrConflict):
		return fmt.Errorf("%w: %w", schedule.ErrConflict, err)
	}
	return err
}

func (s kvStore) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	v, rev, err := s.st.Get(ctx, key)
	return v, rev, storeErr(err)
}

func (s kvStore) Create(ctx context.Context, key string, value []byte) (uint64, error) {
	rev, err := s.st.Create(ctx, key, value)
	return rev, storeErr(err)
}

func (s kvStore) Update(ctx context.Context, key string, value []byte, lastRevision uint64) (uint64, error) {
	rev, err := s.st.CompareAndSwap(ctx, key, value, lastRevision)
	return rev, storeErr(err)
}

func (s kvStore) Keys(ctx context.Context, prefix string) ([]string, error) {
	return s.st.Keys(ctx, prefix)
}

// validatorPrefix starts the crawl_state keys of entry points' HTTP
// validators: "validators.<URL hash>".
const validatorPrefix = "validators."

// kvValidators keeps the crawler's entry-point validators (ETag,
// Last-Modified) in crawl_state, so a conditional GET works across
// processes and restarts. The crawler stores them only after the links of
// the page are queued.
type kvValidators struct{ st *natsbus.State }

var _ crawler.StateStore = kvValidators{}

func (v kvValidators) Validators(ctx context.Context, url string) (crawler.Validators, error) {
	data, _, err := v.st.Get(ctx, validatorPrefix+natsbus.URLHash(url))
	if errors.Is(err, natsbus.ErrKeyNotFound) {
		return crawler.Validators{}, nil
	}
	if err != nil {
		return crawler.Validators{}, err
	}
	var out crawler.Validators
	if err := json.Unmarshal(data, &out); err != nil {
		return crawler.Validators{}, nil // unreadable: fetch unconditionally
	}
	return out, nil
}

func (v kvValidators) SetValidators(ctx context.Context, url string, val crawler.Validators) error {
	key := validatorPrefix + natsbus.URLHash(url)
	if val.IsZero() {
		err := v.st.Delete(ctx, key)
		if errors.Is(err, natsbus.ErrKeyNotFound) {
			return nil
		}
		return err
	}
	data, err := json.Marshal(val)
	if err != nil {
		return err
	}
	_, err = v.st.Put(ctx, key, data)
	return err
}
