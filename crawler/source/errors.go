package source

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ErrInvalid is wrapped by every error about the content of a source file
// (syntax, unknown field, bad value, failed validation).
var ErrInvalid = errors.New("source: invalid source")

// FieldError is one problem in a source file. Its message reads
// "FILE:LINE: FIELD: MESSAGE"; it wraps [ErrInvalid] and the cause, if any.
type FieldError struct {
	// File is the file the offending value was written in (a defaults file
	// when the value was inherited).
	File string
	// Line and Column locate the value (or its key); zero when unknown,
	// e.g. for a Source built in Go.
	Line, Column int
	// Field is the dotted path of the field, e.g. "politeness.min_delay"
	// or "seeds[1].url"; "" for the file as a whole.
	Field string
	// Msg says what is wrong.
	Msg string
	// Err is the underlying cause, or nil.
	Err error
}

// Error formats the error as "FILE:LINE: FIELD: MESSAGE".
func (e *FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns ErrInvalid and the cause.
func (e *FieldError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrInvalid}
	}
	return []error{ErrInvalid, e.Err}
}

// valueError is returned by the scalar parsers (ParseDuration,
// ParseByteSize); its message has no prefix so that it reads well after
// "FILE:LINE: FIELD: ".
type valueError struct{ msg string }

func (e *valueError) Error() string { return e.msg }
func (e *valueError) Unwrap() error { return ErrInvalid }

func valueErrorf(format string, args ...any) error {
	return &valueError{msg: fmt.Sprintf(format, args...)}
}

// position is where a field's value was written.
type position struct {
	file      string
	line, col int
}

// positions maps field paths ("politeness.min_delay", "seeds[0].url", ""
// for the document) to where they were written.
type positions map[string]position

// lookup returns the position of path or of its nearest written parent.
func (p positions) lookup(path string) (position, bool) {
	for {
		if pos, ok := p[path]; ok {
			return pos, true
		}
		if path == "" {
			return position{}, false
		}
		path = parentPath(path)
	}
}

// parentPath strips the last component of a field path:
// "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> "".
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// dropUnder removes the positions of path's children (used when a list is
// replaced as a whole).
func (p positions) dropUnder(path string) {
	for k := range p {
		if strings.HasPrefix(k, path+"[") || strings.HasPrefix(k, path+".") {
			delete(p, k)
		}
	}
}

// problems collects the FieldErrors of one source.
type problems struct {
	file   string    // the source's own file
	pos    positions // may be nil
	errs   []error
	failed map[string]bool // paths that failed to decode: no validation noise under them
}

func (p *problems) add(path string, cause error, format string, args ...any) {
	for q := path; ; q = parentPath(q) {
		if p.failed[q] {
			return
		}
		if q == "" {
			break
		}
	}
	e := &FieldError{File: p.file, Field: path, Msg: fmt.Sprintf(format, args...), Err: cause}
	if pos, ok := p.pos.lookup(path); ok {
		e.Line, e.Column = pos.line, pos.col
		if pos.file != "" && pos.file != p.file {
			e.File = pos.file
			if p.file != "" {
				e.Msg += " (inherited by " + p.file + ")"
			}
		}
	}
	p.errs = append(p.errs, e)
}

// err returns the problems joined, the source's own file first, then by
// line.
func (p *problems) err() error {
	key := func(e error) (int, int) {
		var fe *FieldError
		if errors.As(e, &fe) {
			other := 0
			if fe.File != p.file {
				other = 1
			}
			return other, fe.Line
		}
		return 2, 0
	}
	slices.SortStableFunc(p.errs, func(a, b error) int {
		ao, al := key(a)
		bo, bl := key(b)
		return cmp.Or(cmp.Compare(ao, bo), cmp.Compare(al, bl))
	})
	return errors.Join(p.errs...)
}
