package crawler

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// hostQueue is one host's ready queue and politeness state. All fields
// are guarded by scheduler.mu.
type hostQueue struct {
	key      string
	jobs     []*job // FIFO; retries and robots re-queues go to the front
	inflight int
	conc     int           // max in flight
	delay    time.Duration // min time between request starts, and from a response to the next start
	next     time.Time     // earliest next start
	last     time.Time     // last start
	index    int           // position in scheduler.ready, -1 if absent
}

func (h *hostQueue) eligible() bool { return len(h.jobs) > 0 && h.inflight < h.conc }

// hostHeap orders eligible hosts by their next start time.
type hostHeap []*hostQueue

func (q hostHeap) Len() int           { return len(q) }
func (q hostHeap) Less(i, j int) bool { return q[i].next.Before(q[j].next) }
func (q hostHeap) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *hostHeap) Push(x any) {
	h := x.(*hostQueue)
	h.index = len(*q)
	*q = append(*q, h)
}
func (q *hostHeap) Pop() any {
	old := *q
	h := old[len(old)-1]
	old[len(old)-1] = nil
	h.index = -1
	*q = old[:len(old)-1]
	return h
}

// scheduler hands jobs to workers so that each host gets at most conc
// requests in flight, request starts at least delay apart, and at least
// delay between a response and the next start. Jobs wait in bounded
// per-host queues; a worker is only ever given a job whose host may be
// contacted now, so a slow host holds at most conc workers.
type scheduler struct {
	hostCap int

	mu     sync.Mutex
	hosts  map[string]*hostQueue
	ready  hostHeap
	idle   int // workers waiting in take
	queued int // jobs in host queues

	wake  chan struct{} // to the loop: something changed (buffer 1)
	space chan struct{} // to the dispatcher: a full host queue has room (buffer 1)
	out   chan *job     // loop -> workers
}

func newScheduler(hostCap int) *scheduler {
	return &scheduler{
		hostCap: hostCap,
		hosts:   make(map[string]*hostQueue),
		wake:    make(chan struct{}, 1),
		space:   make(chan struct{}, 1),
		out:     make(chan *job),
	}
}

func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// fix restores h's heap membership after a change; s.mu must be held.
func (s *scheduler) fix(h *hostQueue) {
	switch {
	case h.eligible() && h.index < 0:
		heap.Push(&s.ready, h)
	case h.eligible():
		heap.Fix(&s.ready, h.index)
	case h.index >= 0:
		heap.Remove(&s.ready, h.index)
	}
}

// host returns the queue of key, creating it with delay and conc; an
// existing queue keeps the stricter of its and the given limits.
func (s *scheduler) host(key string, delay time.Duration, conc int) *hostQueue {
	h := s.hosts[key]
	if h == nil {
		h = &hostQueue{key: key, delay: delay, conc: max(conc, 1), index: -1}
		s.hosts[key] = h
		return h
	}
	h.delay = max(h.delay, delay)
	h.conc = max(min(h.conc, conc), 1)
	return h
}

// enqueue adds j to its host's queue; it reports false (and does not
// queue) when that queue is full.
func (s *scheduler) enqueue(j *job, key string, delay time.Duration, conc int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.host(key, delay, conc)
	if len(h.jobs) >= s.hostCap {
		return false
	}
	j.host = h
	h.jobs = append(h.jobs, j)
	s.queued++
	s.fix(h)
	notify(s.wake)
	return true
}

// raiseDelay raises h's delay (robots.txt Crawl-delay) and pushes its next
// start accordingly.
func (s *scheduler) raiseDelay(h *hostQueue, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= h.delay {
		return
	}
	h.delay = d
	if !h.last.IsZero() {
		h.next = later(h.next, h.last.Add(d))
	}
	s.fix(h)
}

// release is what a worker reports when it is done with a job's host slot.
type release struct {
	requeue   bool      // put the job back at the front of its host queue
	responded time.Time // when the host last answered (zero: no request made)
	notBefore time.Time // earliest next start for the host (Retry-After, backoff)
}

// finish returns j's host slot.
func (s *scheduler) finish(j *job, r release) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := j.host
	h.inflight--
	if !r.responded.IsZero() {
		h.next = later(h.next, r.responded.Add(h.delay))
	}
	h.next = later(h.next, r.notBefore)
	if r.requeue {
		h.jobs = append(h.jobs, nil)
		copy(h.jobs[1:], h.jobs)
		h.jobs[0] = j
		s.queued++
	}
	s.fix(h)
	notify(s.wake)
}

// take blocks until the loop hands this worker a job; nil when ctx ends.
func (s *scheduler) take(ctx context.Context) *job {
	s.mu.Lock()
	s.idle++
	s.mu.Unlock()
	notify(s.wake)
	select {
	case j := <-s.out:
		return j
	case <-ctx.Done():
		s.mu.Lock()
		s.idle--
		s.mu.Unlock()
		return nil
	}
}

// pick pops the next job whose host may be contacted at now, or returns
// how long to wait (-1: nothing to wait for). s.mu must be held.
func (s *scheduler) pick(now time.Time) (*job, time.Duration) {
	if s.idle == 0 || len(s.ready) == 0 {
		return nil, -1
	}
	h := s.ready[0]
	if now.Before(h.next) {
		return nil, h.next.Sub(now)
	}
	wasFull := len(h.jobs) >= s.hostCap
	j := h.jobs[0]
	h.jobs[0] = nil
	h.jobs = h.jobs[1:]
	if len(h.jobs) == 0 {
		h.jobs = nil
	}
	s.queued--
	h.inflight++
	h.last = now
	h.next = now.Add(h.delay)
	s.idle--
	s.fix(h)
	if wasFull {
		notify(s.space)
	}
	return j, 0
}

// loop hands jobs to idle workers until ctx ends. On return the jobs
// still queued are returned by drain.
func (s *scheduler) loop(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		s.mu.Lock()
		j, wait := s.pick(time.Now())
		s.mu.Unlock()
		if j != nil {
			select {
			case s.out <- j:
				continue
			case <-ctx.Done():
				s.mu.Lock()
				j.host.inflight--
				j.host.jobs = append([]*job{j}, j.host.jobs...)
				s.queued++
				s.mu.Unlock()
				return
			}
		}
		var tc <-chan time.Time
		if wait >= 0 {
			timer.Reset(wait)
			tc = timer.C
		}
		select {
		case <-s.wake:
		case <-tc:
		case <-ctx.Done():
			return
		}
		if tc != nil && !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// drain removes and returns every queued job.
func (s *scheduler) drain() []*job {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*job
	for _, h := range s.hosts {
		out = append(out, h.jobs...)
		h.jobs = nil
		s.fix(h)
	}
	s.queued = 0
	return out
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
