package schedule

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"winnow/crawler/source"
)

// Adaptive interval factors: a run whose entry points changed halves the
// interval (not below MinInterval); a run that found nothing new
// multiplies it by 1.5 (not above MaxInterval). Failed runs leave it.
const (
	ShrinkFactor = 0.5
	GrowFactor   = 1.5
)

// policy turns run outcomes into the next state. Pure: time and
// randomness come in as values and functions.
type policy struct {
	retryBase  time.Duration
	maxRefetch int
	// jitter returns a uniform duration in [0, max].
	jitter func(max time.Duration) time.Duration
}

// specOf describes the fields of src that decide its timing; a change
// means NextDue must be recomputed.
func specOf(src *source.Source) string {
	sc := src.Schedule
	after, times := sc.RefetchPlan()
	spec := sc.Describe()
	if sc.UsesCron() {
		spec += " tz=" + src.Location().String()
	}
	if after > 0 {
		spec += fmt.Sprintf(" refetch=%s*%d", after, times)
	}
	return spec
}

// initialInterval is the poll interval a source starts with (0 for cron).
func initialInterval(sc source.Schedule) time.Duration {
	if sc.UsesCron() {
		return 0
	}
	lo, hi := sc.IntervalBounds()
	return min(max(sc.PollInterval(), lo), hi)
}

// adapt returns the interval after a successful run. Fixed schedules keep
// their interval; cron has none.
func adapt(sc source.Schedule, cur time.Duration, changed bool) time.Duration {
	if !sc.Adaptive() {
		return initialInterval(sc)
	}
	lo, hi := sc.IntervalBounds()
	if cur <= 0 {
		cur = sc.PollInterval()
	}
	f := GrowFactor
	if changed {
		f = ShrinkFactor
	}
	next := time.Duration(float64(cur) * f)
	return min(max(next, lo), hi)
}

// normalNext is when src's entry points are next due after from, without
// jitter: the cron expression's next activation in the source's zone, or
// from + interval.
func normalNext(src *source.Source, interval time.Duration, from time.Time) time.Time {
	sc := src.Schedule
	if sc.UsesCron() {
		if t := sc.NextRun(from, src.Location()); !t.IsZero() {
			return t
		}
		// An invalid expression (a source not validated): poll at the
		// default interval rather than never.
		return from.Add(source.DefaultInterval)
	}
	if interval <= 0 {
		interval = initialInterval(sc)
	}
	return from.Add(interval)
}

// retryDelay returns how long after a failed run the source is retried,
// for failure number failures (1 = first) of class, when the normal
// schedule would wait normal: transient classes back off exponentially
// from base (base, 2*base, 4*base …) but never beyond normal; other
// classes wait normal.
func retryDelay(class ErrorClass, failures int, base, normal time.Duration) time.Duration {
	if !class.Transient() || base <= 0 {
		return normal
	}
	d := base
	for i := 1; i < failures && d < normal; i++ {
		d *= 2
	}
	return min(d, normal)
}

// firstDue is when a source with no state first runs: now for an interval
// schedule, the next activation for cron; plus jitter.
func (p policy) firstDue(src *source.Source, now time.Time) time.Time {
	due := now
	if src.Schedule.UsesCron() {
		due = normalNext(src, 0, now)
	}
	return due.Add(p.jitter(src.Schedule.MaxJitter()))
}

// newState is the state of a source seen for the first time.
func (p policy) newState(src *source.Source, now time.Time) State {
	return State{
		ID:       src.ID,
		Phase:    Active,
		NextDue:  p.firstDue(src, now),
		Interval: Duration(initialInterval(src.Schedule)),
		Schedule: specOf(src),
		Updated:  now,
	}
}

// reconcile brings st in line with src's current schedule; it reports
// whether st changed. A changed schedule resets the interval and
// recomputes NextDue from the last run's end (or now); a degraded source
// keeps its NextDue. A source never scheduled (a state created by Pause
// before its first run) gets its first due time unless paused. Re-fetch
// items are dropped when the source no longer re-fetches.
func (p policy) reconcile(st *State, src *source.Source, now time.Time) bool {
	changed := false
	if after, _ := src.Schedule.RefetchPlan(); after <= 0 && len(st.Refetch) > 0 {
		st.Refetch = nil
		changed = true
	}
	spec := specOf(src)
	switch {
	case st.Schedule != spec:
		st.Schedule = spec
		st.Interval = Duration(initialInterval(src.Schedule))
		if st.Phase != Degraded || st.NextDue.IsZero() {
			base := st.LastEnd
			if base.IsZero() {
				st.NextDue = p.firstDue(src, now)
			} else {
				st.NextDue = normalNext(src, time.Duration(st.Interval), base).Add(p.jitter(src.Schedule.MaxJitter()))
			}
		}
		changed = true
	case st.NextDue.IsZero() && st.Phase != Paused:
		st.NextDue = p.firstDue(src, now)
		changed = true
	}
	if changed {
		st.Updated = now
	}
	return changed
}

// dueFor returns when st next needs a run and why; zero when it does not
// (paused, or never scheduled). A lease is not considered.
func dueFor(st *State) (time.Time, Reason) {
	if st.RunNow {
		return st.RunNowAt, ReasonRunNow
	}
	if st.Phase == Paused || st.NextDue.IsZero() {
		return time.Time{}, ""
	}
	due, why := st.NextDue, ReasonSchedule
	switch {
	case st.Phase == Degraded:
		why = ReasonDegraded
	case st.ConsecutiveFailures > 0:
		why = ReasonRetry
	}
	if st.Phase == Active && len(st.Refetch) > 0 && st.Refetch[0].Due.Before(due) {
		return st.Refetch[0].Due, ReasonRefetch
	}
	return due, why
}

// buildRun describes the run for due/why at now.
func buildRun(st *State, src *source.Source, due time.Time, why Reason, now time.Time) Run {
	run := Run{Source: st.ID, Due: due, Reason: why, Takeover: st.Lease != nil, Attempt: st.ConsecutiveFailures}
	if why != ReasonRefetch {
		for _, s := range src.Seeds {
			if s.Kind == source.SeedArticle {
				if st.LastSuccess.IsZero() {
					run.Articles = append(run.Articles, s.URL)
				}
				continue
			}
			run.EntryPoints = append(run.EntryPoints, s)
		}
	}
	for _, it := range st.Refetch {
		if it.Due.After(now) {
			break
		}
		run.Refetch = append(run.Refetch, it.URL)
	}
	return run
}

// outcome is one finished run.
type outcome struct {
	run        Run
	res        RunResult
	err        error
	start, end time.Time
}

// failure reports whether the run failed and in which class.
func (o outcome) failure() (bool, ErrorClass) {
	if o.err != nil {
		return true, ClassOf(o.err)
	}
	if o.res.Failed() {
		return true, o.res.DominantClass()
	}
	return false, ""
}

// applyRun records o in st:
//
//   - counters, last run, error counts; the RunNow request this run was
//     fired for is cleared (one asked during the run stays);
//   - a re-fetch-only run advances the items it was given and leaves the
//     schedule, failures and phase alone;
//   - success: failures reset, degraded becomes active, the interval
//     adapts, NextDue = the normal next time after the run's end;
//   - failure: failures+1; at DegradedAfter the source becomes degraded
//     and NextDue = end + DegradedInterval; before that transient classes
//     retry after retryDelay, others at the normal next time;
//   - a paused source stays paused whatever happens;
//   - jitter is added to every new NextDue.
func (p policy) applyRun(st *State, src *source.Source, o outcome) {
	sc := src.Schedule
	st.Runs++
	st.LastDue, st.LastReason, st.LastStart, st.LastEnd = o.run.Due, o.run.Reason, o.start, o.end
	res := o.res
	res.Errors = maps.Clone(res.Errors)
	res.ArticleURLs = nil
	st.LastResult = &res
	for c, n := range o.res.Errors {
		if n > 0 {
			if st.ErrorCounts == nil {
				st.ErrorCounts = make(map[ErrorClass]int64)
			}
			st.ErrorCounts[c] += int64(n)
		}
	}
	if st.RunNow && o.run.Reason == ReasonRunNow && st.RunNowAt.Equal(o.run.Due) {
		st.RunNow, st.RunNowAt = false, time.Time{}
	}
	failed, class := o.failure()
	if o.err != nil {
		if st.ErrorCounts == nil {
			st.ErrorCounts = make(map[ErrorClass]int64)
		}
		st.ErrorCounts[class]++
	}
	p.addArticles(st, sc, o.res.ArticleURLs, o.end)
	if o.run.Reason == ReasonRefetch {
		p.advanceRefetch(st, sc, o.run.Refetch, o.end)
		st.Updated = o.end
		return
	}
	jitter := p.jitter(sc.MaxJitter())
	st.Schedule = specOf(src)
	if st.Interval <= 0 && !sc.UsesCron() {
		st.Interval = Duration(initialInterval(sc))
	}
	if !failed {
		st.ConsecutiveFailures = 0
		st.LastSuccess = o.end
		st.LastError, st.LastErrorClass = "", ""
		if st.Phase == Degraded {
			st.Phase = Active
		}
		st.Interval = Duration(adapt(sc, time.Duration(st.Interval), o.res.Changed))
		st.NextDue = normalNext(src, time.Duration(st.Interval), o.end).Add(jitter)
		p.advanceRefetch(st, sc, o.run.Refetch, o.end)
		st.Updated = o.end
		return
	}
	st.ConsecutiveFailures++
	st.Failures++
	st.LastErrorClass = class
	if o.err != nil {
		st.LastError = o.err.Error()
	} else {
		st.LastError = fmt.Sprintf("%d failed fetches, no page received", o.res.ErrorTotal())
	}
	after, retry := sc.DegradedPolicy()
	if st.ConsecutiveFailures >= after {
		if st.Phase != Paused {
			st.Phase = Degraded
		}
		st.NextDue = o.end.Add(retry).Add(jitter)
	} else {
		normal := normalNext(src, time.Duration(st.Interval), o.end).Sub(o.end)
		st.NextDue = o.end.Add(retryDelay(class, st.ConsecutiveFailures, p.retryBase, normal)).Add(jitter)
	}
	// Items handed to the failed run go with the retry, not before it.
	if len(o.run.Refetch) > 0 {
		handed := make(map[string]bool, len(o.run.Refetch))
		for _, u := range o.run.Refetch {
			handed[u] = true
		}
		for i := range st.Refetch {
			if handed[st.Refetch[i].URL] && st.Refetch[i].Due.Before(st.NextDue) {
				st.Refetch[i].Due = st.NextDue
			}
		}
	}
	p.sortRefetch(st)
	st.Updated = o.end
}

// advanceRefetch counts a re-fetch of each handed URL: due again Refetch
// after end, or dropped after RefetchTimes re-fetches.
func (p policy) advanceRefetch(st *State, sc source.Schedule, handed []string, end time.Time) {
	after, times := sc.RefetchPlan()
	if after <= 0 {
		st.Refetch = nil
		return
	}
	if len(handed) == 0 {
		return
	}
	done := make(map[string]bool, len(handed))
	for _, u := range handed {
		done[u] = true
	}
	kept := st.Refetch[:0]
	for _, it := range st.Refetch {
		if done[it.URL] {
			it.Times++
			if it.Times >= times {
				continue
			}
			it.Due = end.Add(after)
		}
		kept = append(kept, it)
	}
	st.Refetch = kept
	p.sortRefetch(st)
}

// addArticles queues newly fetched articles for re-fetch, bounded by
// maxRefetch: when full, the oldest articles (earliest First) go first.
func (p policy) addArticles(st *State, sc source.Schedule, urls []string, end time.Time) {
	after, _ := sc.RefetchPlan()
	if after <= 0 {
		st.Refetch = nil
		return
	}
	if len(urls) == 0 {
		return
	}
	have := make(map[string]bool, len(st.Refetch))
	for _, it := range st.Refetch {
		have[it.URL] = true
	}
	for _, u := range urls {
		if u == "" || have[u] {
			continue
		}
		have[u] = true
		st.Refetch = append(st.Refetch, RefetchItem{URL: u, First: end, Due: end.Add(after)})
	}
	if over := len(st.Refetch) - p.maxRefetch; over > 0 {
		slices.SortStableFunc(st.Refetch, func(a, b RefetchItem) int { return a.First.Compare(b.First) })
		st.Refetch = slices.Delete(st.Refetch, 0, over)
		st.RefetchDropped += int64(over)
	}
	p.sortRefetch(st)
}

func (p policy) sortRefetch(st *State) {
	slices.SortStableFunc(st.Refetch, func(a, b RefetchItem) int { return a.Due.Compare(b.Due) })
	if len(st.Refetch) == 0 {
		st.Refetch = nil
	}
}
