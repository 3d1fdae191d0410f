// Package normalize converts Chinese script with OpenCC (through
// github.com/longbridgeapp/opencc, of which it is the only importer) and
// detects which script a text is written in.
//
// Output keeps the source's punctuation: only OpenCC changes characters.
// A Converter is safe for concurrent use; build one per process and share
// it, because building loads the conversion dictionaries.
//
// Caveats: the opencc package registers a global "-dir" flag on the
// standard library's flag.CommandLine when it is linked in. winnow parses
// its own flag sets, so the flag never reaches winnow's command line.
package normalize

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/longbridgeapp/opencc"

	"winnow/sink/record"
)

// None is the configuration that leaves text unchanged.
const None = "none"

// Default is the configuration winnow uses unless told otherwise.
const Default = "t2s"

// ErrUnknownConfig is returned by New for a configuration OpenCC lacks.
var ErrUnknownConfig = errors.New("normalize: unknown OpenCC configuration")

// Configs lists the accepted configuration names, None included.
func Configs() []string {
	names := []string{None, "hk2s", "s2hk", "s2t", "s2tw", "s2twp", "t2hk", "t2s", "t2tw", "tw2s", "tw2sp", "s2hk-finance"}
	sort.Strings(names)
	return names
}

// Converter applies one OpenCC configuration.
type Converter struct {
	config string
	cc     *opencc.OpenCC // nil for None
}

// New returns a converter for config, one of Configs(); "" means Default.
func New(config string) (*Converter, error) {
	if config == "" {
		config = Default
	}
	if config == None {
		return &Converter{config: None}, nil
	}
	known := false
	for _, c := range Configs() {
		known = known || c == config
	}
	if !known {
		return nil, fmt.Errorf("%w: %q (choose from %s)", ErrUnknownConfig, config, strings.Join(Configs(), ", "))
	}
	cc, err := opencc.New(config)
	if err != nil {
		return nil, fmt.Errorf("normalize: load %s: %w", config, err)
	}
	return &Converter{config: config, cc: cc}, nil
}

// Config returns the configuration name.
func (c *Converter) Config() string { return c.config }

// Convert returns s in the target script. Text without CJK characters is
// returned as is (the dictionaries hold only CJK keys).
func (c *Converter) Convert(s string) string {
	if c.cc == nil || !hasCJK(s) {
		return s
	}
	out, err := c.cc.Convert(s)
	if err != nil {
		// The dictionaries are embedded and were loaded by New, so the
		// library cannot fail here; keep the text rather than lose it.
		return s
	}
	return out
}

func hasCJK(s string) bool {
	for _, r := range s {
		if r >= 0x2E80 {
			return true
		}
	}
	return false
}

// Process converts every text field of a (title, subtitle, body, names,
// site and section) and records the configuration. ScriptOut is set by the
// caller, which owns script detection (see Scripts).
func (c *Converter) Process(_ context.Context, a *record.Article) error {
	for _, f := range []*string{&a.Title, &a.Subtitle, &a.Body, &a.Editor, &a.Origin, &a.SiteName, &a.Section} {
		*f = c.Convert(*f)
	}
	for i := range a.Authors {
		a.Authors[i] = c.Convert(a.Authors[i])
	}
	if a.Normalization == nil {
		a.Normalization = map[string]string{}
	}
	a.Normalization["opencc"] = c.config
	return nil
}
