package source

import (
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

const day = 24 * time.Hour

// ParseDuration parses a non-negative duration: a Go duration ("1500ms",
// "10s", "2h45m"), optionally preceded by whole days ("30d", "1d12h").
// "0" is zero. A bare number other than 0 is an error (the unit is
// required).
func ParseDuration(s string) (Duration, error) {
	in := s
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, valueErrorf("empty duration (use e.g. 1500ms, 10s, 2h, 30d, 1d12h)")
	}
	if strings.HasPrefix(s, "-") {
		return 0, valueErrorf("%q: a duration must not be negative", in)
	}
	var days int64
	if i := strings.IndexByte(s, 'd'); i > 0 && allDigits(s[:i]) {
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || n > int64(math.MaxInt64/day) {
			return 0, valueErrorf("%q is not a duration (too large)", in)
		}
		days, s = n, s[i+1:]
		if s == "" {
			return Duration(time.Duration(days) * day), nil
		}
		if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
			return 0, valueErrorf("%q is not a duration", in)
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if allDigits(s) {
			return 0, valueErrorf("%q is not a duration: the unit is missing (use e.g. %ss)", in, s)
		}
		return 0, valueErrorf("%q is not a duration (use e.g. 1500ms, 10s, 2h, 30d, 1d12h)", in)
	}
	if d < 0 {
		return 0, valueErrorf("%q: a duration must not be negative", in)
	}
	total := time.Duration(days) * day
	if d > math.MaxInt64-total {
		return 0, valueErrorf("%q is not a duration (too large)", in)
	}
	return Duration(total + d), nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// UnmarshalYAML decodes a duration scalar with [ParseDuration].
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return valueErrorf("expected a duration such as 10s, got a %s", kindName(n))
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalYAML encodes the duration in the form ParseDuration reads.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats the duration with whole days first and without zero
// trailing units: "30d", "1d12h", "1h30m", "1.5s", "0s".
func (d Duration) String() string {
	v := time.Duration(d)
	if v < 0 {
		return v.String()
	}
	var b strings.Builder
	if v >= day {
		b.WriteString(strconv.FormatInt(int64(v/day), 10))
		b.WriteByte('d')
		v %= day
		if v == 0 {
			return b.String()
		}
	}
	s := v.String()
	if strings.HasSuffix(s, "m0s") { // "1h30m0s" -> "1h30m"
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") { // "2h0m" -> "2h"
		s = s[:len(s)-2]
	}
	b.WriteString(s)
	return b.String()
}

// Byte size units.
const (
	KiB ByteSize = 1 << 10
	MiB ByteSize = 1 << 20
	GiB ByteSize = 1 << 30
	TiB ByteSize = 1 << 40
)

var byteUnits = map[string]float64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": float64(KiB), "mib": float64(MiB), "gib": float64(GiB), "tib": float64(TiB),
}

// ParseByteSize parses a non-negative size: a number of bytes ("1048576")
// or a number with a unit, decimal (B, KB, MB, GB, TB: powers of 1000) or
// binary (KiB, MiB, GiB, TiB: powers of 1024); units are case-insensitive
// and may follow a space ("10 MiB"); fractions are allowed ("1.5GiB").
func ParseByteSize(s string) (ByteSize, error) {
	in := s
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, unit := s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	mult, ok := byteUnits[unit]
	if num == "" || !ok {
		return 0, valueErrorf("%q is not a size (use e.g. 512KiB, 10MiB, 1GB or a number of bytes)", in)
	}
	if allDigits(num) {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n > math.MaxInt64/int64(mult) {
			return 0, valueErrorf("%q is too large", in)
		}
		return ByteSize(n * int64(mult)), nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || strings.Count(num, ".") != 1 {
		return 0, valueErrorf("%q is not a size (use e.g. 512KiB, 10MiB, 1GB or a number of bytes)", in)
	}
	v := f * mult
	if v >= math.MaxInt64 {
		return 0, valueErrorf("%q is too large", in)
	}
	return ByteSize(v), nil
}

// UnmarshalYAML decodes a size scalar with [ParseByteSize].
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return valueErrorf("expected a size such as 10MiB, got a %s", kindName(n))
	}
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// MarshalYAML encodes the size in the form ParseByteSize reads.
func (b ByteSize) MarshalYAML() (any, error) { return b.String(), nil }

// String formats the size with the largest binary unit that divides it
// ("10MiB", "512KiB"), else as a number of bytes.
func (b ByteSize) String() string {
	for _, u := range []struct {
		n    ByteSize
		name string
	}{{TiB, "TiB"}, {GiB, "GiB"}, {MiB, "MiB"}, {KiB, "KiB"}} {
		if b != 0 && b%u.n == 0 {
			return strconv.FormatInt(int64(b/u.n), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	case yaml.DocumentNode:
		return "document"
	default:
		return "scalar"
	}
}
