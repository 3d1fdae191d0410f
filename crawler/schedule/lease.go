package schedule

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"winnow/crawler/source"
)

// claimed is a run whose lease this scheduler holds.
type claimed struct {
	src   *source.Source
	run   Run
	lease Lease
	// st and rev are the state as last written by this scheduler (with
	// the lease): renewal and release try them first and re-read only on
	// a conflict.
	st  State
	rev uint64
}

// claim takes src's lease with compare-and-set if src is due at now and
// no other scheduler holds a valid lease. Otherwise it returns nil and
// when to look again.
func (s *Scheduler) claim(ctx context.Context, src *source.Source, now time.Time) (*claimed, time.Time, error) {
	key := Key(src.ID)
	for range maxCASAttempts {
		st, rev, err := s.load(ctx, key)
		if err != nil {
			return nil, time.Time{}, err
		}
		due, why := dueFor(&st)
		if due.IsZero() || due.After(now) {
			return nil, s.cacheDue(&st, now), nil
		}
		if st.Leased(now) && st.Lease.Owner != s.owner {
			return nil, st.Lease.Expires, nil
		}
		run := buildRun(&st, src, due, why, now)
		if st.Lease != nil {
			s.log.Warn("taking over a lease", "source", src.ID, "due", due, "previous_owner", st.Lease.Owner, "expired", st.Lease.Expires)
		}
		lease := Lease{
			Owner:    s.owner,
			Token:    fmt.Sprintf("%s#%d", s.owner, s.seq.Add(1)),
			Due:      due,
			Acquired: now,
			Expires:  now.Add(s.ttl),
		}
		st.Lease = &lease
		st.Updated = now
		b, err := encodeState(&st)
		if err != nil {
			return nil, time.Time{}, err
		}
		nrev, err := s.store.Update(ctx, key, b, rev)
		if err != nil {
			if errors.Is(err, ErrConflict) {
				continue
			}
			return nil, time.Time{}, fmt.Errorf("schedule: take lease of %s: %w", src.ID, err)
		}
		return &claimed{src: src, run: run, lease: lease, st: st, rev: nrev}, due, nil
	}
	return nil, time.Time{}, fmt.Errorf("%w: %s", ErrContention, key)
}

// execute runs one claimed source and records its outcome.
func (s *Scheduler) execute(ctx context.Context, e *entry, c *claimed) {
	defer s.runs.Done()
	log := s.log.With("source", c.run.Source, "due", c.run.Due, "reason", c.run.Reason)
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan struct{})
	var keeper sync.WaitGroup
	keeper.Go(func() { s.keepLease(runCtx, cancel, c, done) })

	start := s.clock.Now()
	res, err := s.trigger.Fire(runCtx, c.src, c.run)
	close(done)
	keeper.Wait()
	end := s.clock.Now()
	cause := context.Cause(runCtx)

	var (
		final    *State
		finalRev uint64
		retry    = end // when to look at the source again if final is nil
	)
	switch {
	case ctx.Err() != nil && err != nil:
		// Shutdown interrupted the run: give the lease back and record
		// nothing; whichever scheduler takes the source next repeats it.
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		if _, _, rerr := s.finish(rctx, c, nil); rerr != nil {
			log.Warn("giving the lease back on shutdown", "err", rerr)
		}
		rcancel()
	case errors.Is(cause, ErrLeaseLost):
		log.Warn("lease lost during the run; result discarded", "err", err)
	default:
		if errors.Is(cause, ErrRunTimeout) {
			if err == nil {
				err = fmt.Errorf("%w after %s", ErrRunTimeout, s.runTimeout)
			} else {
				err = fmt.Errorf("%w after %s: %w", ErrRunTimeout, s.runTimeout, err)
			}
			err = Classify(ClassTimeout, err)
		}
		// A run that completed as shutdown began is still recorded.
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		st, rev, ferr := s.finish(fctx, c, &outcome{run: c.run, res: res, err: err, start: start, end: end})
		fcancel()
		switch {
		case ferr == nil:
			final, finalRev = &st, rev
		case errors.Is(ferr, ErrLeaseLost):
			log.Warn("lease lost before the result was recorded; result discarded", "err", ferr)
		default:
			log.Error("recording the run", "err", ferr)
			retry = end.Add(storeRetry)
		}
		if err != nil {
			log.Warn("run failed", "err", err, "class", ClassOf(err), "failures", st.ConsecutiveFailures, "state", st.Phase)
		} else {
			log.Info("run done", "pages", res.Pages, "articles", res.Articles, "changed", res.Changed, "next_due", st.NextDue)
		}
	}

	s.mu.Lock()
	e.running = false
	s.inflight--
	if s.entries[e.id] == e {
		switch {
		case e.removed:
			delete(s.entries, e.id)
		case e.src != c.src:
			e.loaded = false // reconfigured during the run: the next sync reconciles
			s.dirty = true
		case final != nil:
			e.due, e.rev, e.loaded = s.cacheDue(final, end), finalRev, true
		default:
			e.due = retry
		}
	}
	s.fix(e)
	s.mu.Unlock()
	s.signal()
}

// keepLease renews c's lease every LeaseTTL/3 until done is closed. It
// cancels the run with ErrLeaseLost when another scheduler holds the
// lease, or when the lease expired and could not be renewed, and with
// ErrRunTimeout after RunTimeout.
func (s *Scheduler) keepLease(ctx context.Context, cancel context.CancelCauseFunc, c *claimed, done <-chan struct{}) {
	every := max(s.ttl/3, time.Millisecond)
	deadline := c.lease.Acquired.Add(s.runTimeout)
	expires := c.lease.Expires
	last := c.lease.Acquired
	for {
		at := last.Add(every)
		if deadline.Before(at) {
			at = deadline
		}
		if t := s.timerAt(at); t != nil {
			select {
			case <-done:
				t.Stop()
				return
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C():
			}
		}
		now := s.clock.Now()
		last = now
		if !now.Before(deadline) {
			cancel(ErrRunTimeout)
			return
		}
		next := now.Add(s.ttl)
		err := s.renew(ctx, c, next)
		switch {
		case err == nil:
			expires = next
		case errors.Is(err, ErrLeaseLost):
			cancel(err)
			return
		case ctx.Err() != nil:
			return
		default:
			s.log.Warn("renewing a lease", "source", c.run.Source, "err", err)
			if !now.Before(expires) {
				cancel(fmt.Errorf("%w: expired at %s and not renewed: %w", ErrLeaseLost, expires, err))
				return
			}
		}
	}
}

// renew extends c's lease to expires, if it is still c's.
func (s *Scheduler) renew(ctx context.Context, c *claimed, expires time.Time) error {
	return s.casLeased(ctx, c, func(st *State) { st.Lease.Expires = expires })
}

// casLeased applies fn to the state of c's source and writes it with
// compare-and-set, as long as the lease is c's. It tries the state c last
// wrote first and re-reads the store only on a conflict; on success c
// holds the written state and revision.
func (s *Scheduler) casLeased(ctx context.Context, c *claimed, fn func(st *State)) error {
	key := Key(c.run.Source)
	st, rev := c.st.clone(), c.rev
	for range maxCASAttempts {
		if st.Lease == nil || st.Lease.Token != c.lease.Token {
			return fmt.Errorf("%w: %s", ErrLeaseLost, c.run.Source)
		}
		fn(&st)
		b, err := encodeState(&st)
		if err != nil {
			return err
		}
		nrev, err := s.store.Update(ctx, key, b, rev)
		switch {
		case err == nil:
			c.st, c.rev = st, nrev
			return nil
		case errors.Is(err, ErrNotFound):
			return fmt.Errorf("%w: %s: state removed", ErrLeaseLost, c.run.Source)
		case !errors.Is(err, ErrConflict):
			return fmt.Errorf("schedule: write %s: %w", key, err)
		}
		if st, rev, err = s.load(ctx, key); err != nil {
			if errors.Is(err, ErrNotFound) {
				return fmt.Errorf("%w: %s: state removed", ErrLeaseLost, c.run.Source)
			}
			return err
		}
	}
	return fmt.Errorf("%w: %s", ErrContention, key)
}

// finish records o (nil: nothing) and releases c's lease in one
// compare-and-set, merged onto the latest state so that operator changes
// made during the run (Pause, RunNow) are kept. It returns the state
// written and its revision.
func (s *Scheduler) finish(ctx context.Context, c *claimed, o *outcome) (State, uint64, error) {
	err := s.casLeased(ctx, c, func(st *State) {
		if o != nil {
			s.pol.applyRun(st, c.src, *o)
		} else {
			st.Updated = s.clock.Now()
		}
		st.Lease = nil
	})
	if err != nil {
		return State{}, 0, err
	}
	return c.st, c.rev, nil
}
