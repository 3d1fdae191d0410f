package hygiene

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrBadAllow is wrapped by AddAllow when the entry itself is unusable.
var ErrBadAllow = errors.New("hygiene: bad allow entry")

// AddAllow records an analyst's false-positive correction: it appends
// entry to the allow list of the override rules file at path and bumps
// the file's version, so records cleaned with it name a new
// rules_version. A missing file is created (name from the file name,
// version "1"); an existing one keeps its other content and comments.
// Adding an entry that is already there (same rule, text and pattern)
// changes nothing. The file is validated over the embedded default (as
// LoadRules would apply it) before it atomically replaces the old one.
// It returns the file's version after the call.
//
// AddAllow does not lock the file: callers that may run concurrently
// (a web form and a CLI) must take turns.
func AddAllow(path string, entry AllowEntry) (version string, err error) {
	entry.Text = strings.TrimSpace(entry.Text)
	entry.Note = strings.TrimSpace(entry.Note)
	if err := checkAllow(entry); err != nil {
		return "", err
	}
	data, err := os.ReadFile(path)
	var doc yaml.Node
	switch {
	case errors.Is(err, fs.ErrNotExist):
		doc = newOverrideDoc(path)
	case err != nil:
		return "", fmt.Errorf("%w: %w", ErrReadRules, err)
	default:
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return "", fmt.Errorf("%w: %s: %v", ErrBadRules, path, err)
		}
		if len(doc.Content) == 0 {
			doc = newOverrideDoc(path)
		}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return "", fmt.Errorf("%w: %s: not a mapping", ErrBadRules, path)
	}
	if v := mapValue(root, "version"); v == nil {
		return "", fmt.Errorf("%w: %s: field %q: missing", ErrBadRules, path, "version")
	}
	allow := mapValue(root, "allow")
	if allow == nil || allow.Kind != yaml.SequenceNode {
		if allow != nil && !(allow.Kind == yaml.ScalarNode && allow.Tag == "!!null") {
			return "", fmt.Errorf("%w: %s: field %q: not a list", ErrBadRules, path, "allow")
		}
		allow = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		setMapValue(root, "allow", allow)
	}
	for _, n := range allow.Content {
		var have AllowEntry
		if err := n.Decode(&have); err == nil && have.Rule == entry.Rule &&
			strings.TrimSpace(have.Text) == entry.Text && have.Pattern == entry.Pattern {
			return mapValue(root, "version").Value, nil
		}
	}
	var item yaml.Node
	if err := item.Encode(entry); err != nil {
		return "", fmt.Errorf("hygiene: encode allow entry: %w", err)
	}
	allow.Content = append(allow.Content, &item)
	ver := mapValue(root, "version")
	ver.Value = BumpVersion(ver.Value)
	ver.Tag, ver.Style = "!!str", yaml.DoubleQuotedStyle

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return "", fmt.Errorf("hygiene: encode %s: %w", path, err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("hygiene: encode %s: %w", path, err)
	}
	if err := writeValidated(path, buf.Bytes()); err != nil {
		return "", err
	}
	return ver.Value, nil
}

// checkAllow validates one entry as LoadRules would.
func checkAllow(e AllowEntry) error {
	if e.Rule != "*" && !slices.Contains(RuleIDs(), e.Rule) {
		return fmt.Errorf("%w: unknown rule id %q", ErrBadAllow, e.Rule)
	}
	if (e.Text == "") == (e.Pattern == "") {
		return fmt.Errorf("%w: needs exactly one of text and pattern", ErrBadAllow)
	}
	if e.Pattern != "" {
		if _, err := regexp.Compile(e.Pattern); err != nil {
			return fmt.Errorf("%w: pattern: %v", ErrBadAllow, err)
		}
	}
	return nil
}

// newOverrideDoc is an empty override file named after path.
func newOverrideDoc(path string) yaml.Node {
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	name = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return '-'
	}, name)
	if strings.Trim(name, "-_") == "" {
		name = "overrides"
	}
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }
	root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", HeadComment: "winnow hygiene rules override: analysts' false-positive corrections (winnow audit allow)."}
	root.Content = append(root.Content, str("name"), str(name), str("version"), str("0"))
	root.Content[3].Style = yaml.DoubleQuotedStyle
	return yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func setMapValue(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

// BumpVersion returns the next version of an override file: the last run
// of digits incremented ("7" -> "8", "2026.3" -> "2026.4", "fp-9" ->
// "fp-10"), or ".1" appended when there is none ("" -> "1").
func BumpVersion(v string) string {
	v = strings.TrimSpace(v)
	end := len(v)
	for end > 0 && (v[end-1] < '0' || v[end-1] > '9') {
		end--
	}
	start := end
	for start > 0 && v[start-1] >= '0' && v[start-1] <= '9' {
		start--
	}
	if start == end {
		if v == "" {
			return "1"
		}
		return v + ".1"
	}
	n, err := strconv.ParseUint(v[start:end], 10, 64)
	if err != nil {
		return v + ".1"
	}
	return v[:start] + strconv.FormatUint(n+1, 10) + v[end:]
}

// writeValidated checks data as an override file and replaces path with
// it atomically (temporary file in the same directory, fsync, rename).
func writeValidated(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("hygiene: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("hygiene: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("hygiene: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("hygiene: write %s: %w", path, err)
	}
	if _, err := LoadRules(tmp.Name()); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("hygiene: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("hygiene: write %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// SpanAllowPattern returns an allow pattern for a span removal: the
// allowlist is checked per line, so a span is exempted by a pattern that
// matches any line containing it, in folded form (NFKC, lower case,
// zero-width characters dropped; Traditional or Simplified, since the
// line is simplified only when it holds Traditional characters). simplify
// is the t2s converter; nil leaves the script alone. Pair it with rule
// "*": a span removal names the cut (spam.span_brand) while the line's
// points come from other rules (spam.gambling_brand …), so an entry for
// the span's own rule would not keep it.
func SpanAllowPattern(span string, simplify func(string) string) string {
	f := foldText(strings.TrimSpace(span))
	plain := string(f.runes)
	simplifyFolded(&f, simplify)
	simp := string(f.runes)
	if simp == plain {
		return regexp.QuoteMeta(plain)
	}
	return "(?:" + regexp.QuoteMeta(plain) + "|" + regexp.QuoteMeta(simp) + ")"
}
