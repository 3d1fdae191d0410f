package schedule

import "container/heap"

// dueQueue is a min-heap of entries by due time (then id): the entries
// that can be fired, so that a wake-up costs O(log n) per fired source
// instead of a scan of every source.
type dueQueue []*entry

func (q dueQueue) Len() int { return len(q) }

func (q dueQueue) Less(i, j int) bool {
	if c := q[i].due.Compare(q[j].due); c != 0 {
		return c < 0
	}
	return q[i].id < q[j].id
}

func (q dueQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].idx, q[j].idx = i, j
}

func (q *dueQueue) Push(x any) {
	e := x.(*entry)
	e.idx = len(*q)
	*q = append(*q, e)
}

func (q *dueQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	e.idx = -1
	return e
}

// fix puts e in the queue, at its place, iff it may be fired at its due
// time: loaded, not running, not removed, with a due time. Called with
// s.mu held after any change to those fields.
func (s *Scheduler) fix(e *entry) {
	want := e.loaded && !e.running && !e.removed && !e.due.IsZero() && s.entries[e.id] == e
	switch {
	case want && e.idx < 0:
		heap.Push(&s.queue, e)
	case want:
		heap.Fix(&s.queue, e.idx)
	case e.idx >= 0:
		heap.Remove(&s.queue, e.idx)
	}
}
