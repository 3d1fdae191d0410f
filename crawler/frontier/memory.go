package frontier

import (
	"context"
	"hash/maphash"
	"sync"
)

// Memory is an in-memory [Frontier]: a FIFO queue (breadth-first order)
// with an atomic seen-set. The zero value is not usable; call NewMemory.
// It is safe for concurrent use.
type Memory struct {
	seed maphash.Seed

	mu       sync.Mutex
	seen     map[uint64]struct{}
	queue    []Task // ring buffer
	head     int
	n        int
	inflight int
	closed   bool
	changed  chan struct{} // closed and replaced on every state change
}

var _ Frontier = (*Memory)(nil)

// NewMemory returns an empty in-memory frontier.
func NewMemory() *Memory {
	return &Memory{
		seed:    maphash.MakeSeed(),
		seen:    make(map[uint64]struct{}),
		changed: make(chan struct{}),
	}
}

// Add queues the tasks whose URL has not been seen before.
func (m *Memory) Add(ctx context.Context, tasks ...Task) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, ErrClosed
	}
	added := 0
	for _, t := range tasks {
		h := maphash.String(m.seed, t.URL)
		if _, ok := m.seen[h]; ok {
			continue
		}
		m.seen[h] = struct{}{}
		m.push(t)
		added++
	}
	if added > 0 {
		m.signal()
	}
	return added, nil
}

// Seen reports whether url was ever added.
func (m *Memory) Seen(url string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.seen[maphash.String(m.seed, url)]
	return ok
}

// Len returns the number of queued tasks and of tasks in flight (taken
// and not yet done).
func (m *Memory) Len() (queued, inflight int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n, m.inflight
}

// Next returns the oldest queued task. It blocks while the queue is empty
// and tasks are in flight (they may add more), and returns ErrIdle once
// the queue is empty and nothing is in flight.
func (m *Memory) Next(ctx context.Context) (Task, Done, error) {
	for {
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return Task{}, nil, ErrClosed
		}
		if m.n > 0 {
			t := m.pop()
			m.inflight++
			m.mu.Unlock()
			return t, m.doneFunc(t), nil
		}
		if m.inflight == 0 {
			m.mu.Unlock()
			return Task{}, nil, ErrIdle
		}
		ch := m.changed
		m.mu.Unlock()
		select {
		case <-ctx.Done():
			return Task{}, nil, ctx.Err()
		case <-ch:
		}
	}
}

// Close makes every later call fail with ErrClosed and wakes blocked Next
// calls.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.closed {
		m.closed = true
		m.signal()
	}
	return nil
}

func (m *Memory) doneFunc(t Task) Done {
	var once sync.Once
	return func(err error) {
		once.Do(func() {
			m.mu.Lock()
			defer m.mu.Unlock()
			m.inflight--
			if err != nil && !m.closed {
				m.push(t)
			}
			m.signal()
		})
	}
}

// signal wakes every waiter; m.mu must be held.
func (m *Memory) signal() {
	close(m.changed)
	m.changed = make(chan struct{})
}

// push appends t to the ring; m.mu must be held.
func (m *Memory) push(t Task) {
	if m.n == len(m.queue) {
		size := 2 * len(m.queue)
		if size == 0 {
			size = 64
		}
		q := make([]Task, size)
		for i := 0; i < m.n; i++ {
			q[i] = m.queue[(m.head+i)%len(m.queue)]
		}
		m.queue, m.head = q, 0
	}
	m.queue[(m.head+m.n)%len(m.queue)] = t
	m.n++
}

// pop removes the oldest task; m.mu must be held and m.n > 0.
func (m *Memory) pop() Task {
	t := m.queue[m.head]
	m.queue[m.head] = Task{}
	m.head = (m.head + 1) % len(m.queue)
	m.n--
	if m.n == 0 {
		m.head = 0
		if len(m.queue) > 4096 { // give back a large drained ring
			m.queue = nil
		}
	}
	return t
}
