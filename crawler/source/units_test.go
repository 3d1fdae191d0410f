package source

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string // substring; "" means success
	}{
		{in: "1500ms", want: 1500 * time.Millisecond},
		{in: "10s", want: 10 * time.Second},
		{in: "2h", want: 2 * time.Hour},
		{in: "30d", want: 30 * 24 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "1d12h30m", want: 36*time.Hour + 30*time.Minute},
		{in: " 2h45m ", want: 2*time.Hour + 45*time.Minute},
		{in: "0", want: 0},
		{in: "0s", want: 0},
		{in: "fast", wantErr: `"fast" is not a duration`},
		{in: "10", wantErr: `the unit is missing (use e.g. 10s)`},
		{in: "", wantErr: "empty duration"},
		{in: "-5s", wantErr: "must not be negative"},
		{in: "1d-5s", wantErr: "is not a duration"},
		{in: "d", wantErr: "is not a duration"},
		{in: "1.5d", wantErr: "is not a duration"},
		{in: "99999999999d", wantErr: "too large"},
		{in: "106751d23h47m17s", wantErr: "too large"},
		{in: "106751d23h47m16s", want: 106751*24*time.Hour + 23*time.Hour + 47*time.Minute + 16*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseDuration(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("error %v does not wrap ErrInvalid", err)
				}
				return
			}
			if err != nil || got.D() != tt.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", tt.in, got.D(), err, tt.want)
			}
		})
	}
}

func TestDurationString(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{1500 * time.Millisecond, "1.5s"},
		{90 * time.Second, "1m30s"},
		{10 * time.Minute, "10m"},
		{2 * time.Hour, "2h"},
		{90 * time.Minute, "1h30m"},
		{30 * 24 * time.Hour, "30d"},
		{36 * time.Hour, "1d12h"},
		{24*time.Hour + time.Second, "1d1s"},
	}
	for _, tt := range tests {
		got := Duration(tt.d).String()
		if got != tt.want {
			t.Errorf("Duration(%v).String() = %q, want %q", tt.d, got, tt.want)
		}
		back, err := ParseDuration(got)
		if err != nil || back.D() != tt.d {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", got, back.D(), err, tt.d)
		}
	}
}

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{in: "512KiB", want: 512 << 10},
		{in: "10MiB", want: 10 << 20},
		{in: "1GB", want: 1_000_000_000},
		{in: "10MB", want: 10_000_000},
		{in: "1048576", want: 1 << 20},
		{in: "0", want: 0},
		{in: "10 mib", want: 10 << 20},
		{in: "1.5GiB", want: 3 << 29},
		{in: "2TiB", want: 2 << 40},
		{in: "100B", want: 100},
		{in: "10 parsecs", wantErr: `"10 parsecs" is not a size`},
		{in: "MiB", wantErr: "is not a size"},
		{in: "-1", wantErr: "is not a size"},
		{in: "1.2.3MB", wantErr: "is not a size"},
		{in: "10M", wantErr: "is not a size"},
		{in: "9999999999999TiB", wantErr: "too large"},
		{in: "99999999999999999999", wantErr: "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseByteSize(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("ParseByteSize(%q) = %v, %v; want ErrInvalid containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || int64(got) != tt.want {
				t.Fatalf("ParseByteSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestByteSizeString(t *testing.T) {
	var got []string
	for _, b := range []ByteSize{0, 100, 512 * KiB, 10 * MiB, 3 * GiB, 1_000_000_000} {
		s := b.String()
		got = append(got, s)
		back, err := ParseByteSize(s)
		if err != nil || back != b {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", s, back, err, b)
		}
	}
	want := []string{"0", "100", "512KiB", "10MiB", "3GiB", "1000000000"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("String() mismatch (-want +got):\n%s", diff)
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"1500ms", "30d", "1d12h", "0", "-1s", "10", "1d", "9223372036854775807ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("ParseDuration(%q) = %v: negative", s, d.D())
		}
		back, err := ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("round trip of %q via %q = %v, %v", s, d.String(), back.D(), err)
		}
	})
}

func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"512KiB", "1.5GB", "0", "10 MiB", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseByteSize(s)
		if err != nil {
			return
		}
		if b < 0 {
			t.Fatalf("ParseByteSize(%q) = %d: negative", s, b)
		}
		back, err := ParseByteSize(b.String())
		if err != nil || back != b {
			t.Fatalf("round trip of %q via %q = %d, %v", s, b.String(), back, err)
		}
	})
}
