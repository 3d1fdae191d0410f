package demosite

import "hash/fnv"

// rng is a splitmix64 generator. The site's content must be identical on
// every run and every Go release, so it does not use math/rand, whose
// derived methods may change between releases.
type rng struct{ s uint64 }

// newRNG seeds a generator from strings (e.g. a path and a purpose).
func newRNG(parts ...string) *rng {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return &rng{s: h.Sum64()}
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n); 0 when n <= 0.
func (r *rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return int(r.next() % uint64(n))
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int {
	if hi < lo {
		lo, hi = hi, lo
	}
	return lo + r.intn(hi-lo+1)
}

// chance is true with the given probability in percent.
func (r *rng) chance(percent int) bool { return r.intn(100) < percent }

// perm returns a permutation of [0, n).
func (r *rng) perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}
