package hygiene

// scratch is the working memory of one Clean call: the lines' analyses
// and their rune, offset and hit arrays are carved out of a few large
// buffers that the Cleaner's pool hands to the next call, instead of
// thousands of small allocations per page. Nothing carved from it
// outlives the call: the Result holds only strings (the input's, or
// built on the heap) and values.
type scratch struct {
	infos slab[lineInfo]
	units slab[unit]
	runes slab[rune] // folded runes
	comp  slab[rune] // compact runes
	i32   slab[int32]
	bools slab[bool]
	hits  slab[hit]
	terms slab[termIndex]
	strs  slab[string]

	raw, kept []hit // per-line hit buffers, reused line after line
}

func (sc *scratch) reset() {
	sc.infos.reset(true)
	sc.units.reset(true)
	sc.runes.reset(false)
	sc.comp.reset(false)
	sc.i32.reset(false)
	sc.bools.reset(false)
	sc.hits.reset(false)
	sc.terms.reset(true) // (read before written: counts start at zero)
	sc.strs.reset(true)
	sc.raw, sc.kept = sc.raw[:0], sc.kept[:0]
}

// slab hands out slices of one large buffer. A slice has the length
// asked for and no room beyond it, so appending to it moves it to the
// heap instead of overwriting its neighbour. Slices are zeroed when the
// slab is reset with zero (types holding pointers, and those whose users
// read before they write); the others hold old data, for users that
// only append (take(n)[:0]).
type slab[T any] struct {
	buf  []T
	used int
}

// take returns a slice of n elements from s, or a zeroed one from the
// heap when s is nil.
func (s *slab[T]) take(n int) []T {
	if s == nil {
		return make([]T, n)
	}
	if len(s.buf)-s.used < n {
		// a new buffer; the old one stays alive while slices of it are
		// in use, and the next call starts with the larger one
		s.buf = make([]T, max(2*len(s.buf), 4*n, 64))
		s.used = 0
	}
	out := s.buf[s.used : s.used+n : s.used+n]
	s.used += n
	return out
}

// giveBack returns the last n elements of the last slice taken from s
// (nothing when s is nil).
func (s *slab[T]) giveBack(n int) {
	if s != nil {
		s.used -= n
	}
}

// reset makes what was handed out available again, zeroed if asked.
func (s *slab[T]) reset(zero bool) {
	if zero {
		clear(s.buf[:s.used])
	}
	s.used = 0
}

// Accessors that work with a nil scratch (heap allocation).

func (sc *scratch) runeSlab() *slab[rune] {
	if sc == nil {
		return nil
	}
	return &sc.runes
}

func (sc *scratch) compSlab() *slab[rune] {
	if sc == nil {
		return nil
	}
	return &sc.comp
}

func (sc *scratch) i32Slab() *slab[int32] {
	if sc == nil {
		return nil
	}
	return &sc.i32
}

func (sc *scratch) boolSlab() *slab[bool] {
	if sc == nil {
		return nil
	}
	return &sc.bools
}

func (sc *scratch) hitSlab() *slab[hit] {
	if sc == nil {
		return nil
	}
	return &sc.hits
}

func (sc *scratch) termSlab() *slab[termIndex] {
	if sc == nil {
		return nil
	}
	return &sc.terms
}

func (sc *scratch) strSlab() *slab[string] {
	if sc == nil {
		return nil
	}
	return &sc.strs
}

func (sc *scratch) infoSlab() *slab[lineInfo] {
	if sc == nil {
		return nil
	}
	return &sc.infos
}
