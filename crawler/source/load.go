package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds a source or defaults file; larger files are refused.
const MaxFileSize = 1 << 20

// Names of the defaults file in a source directory.
const (
	DefaultsFile    = "defaults.yaml"
	AltDefaultsFile = "_defaults.yaml"
)

// LoadFile reads and validates one source file, without defaults.
func LoadFile(path string) (*Source, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, nil)
}

// LoadDir reads every *.yaml and *.yml file of dir (not sub-directories,
// not hidden files). A defaults file (defaults.yaml or _defaults.yaml)
// supplies values under every source; explicit per-source values win.
// Ids must be unique across the directory. The sources are returned sorted
// by id; on any error, LoadDir returns nil and every error found, joined.
func LoadDir(dir string) ([]*Source, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	var files, defaultsFiles []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		if ext := filepath.Ext(name); ext != ".yaml" && ext != ".yml" {
			continue
		}
		path := filepath.Join(dir, name)
		if name == DefaultsFile || name == AltDefaultsFile {
			defaultsFiles = append(defaultsFiles, path)
			continue
		}
		files = append(files, path)
	}
	var defaults *Source
	switch len(defaultsFiles) {
	case 0:
	case 1:
		data, err := readFile(defaultsFiles[0])
		if err != nil {
			return nil, err
		}
		if defaults, err = ParseDefaults(defaultsFiles[0], data); err != nil {
			return nil, err
		}
	default:
		return nil, &FieldError{File: defaultsFiles[1], Msg: "a directory has one defaults file, found " + strings.Join(defaultsFiles, " and ")}
	}

	var (
		errs []error
		srcs []*Source
		byID = map[string]*Source{}
	)
	for _, path := range files {
		data, err := readFile(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s, err := Parse(path, data, defaults)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, dup := byID[s.ID]; dup {
			p := problems{file: s.File, pos: s.pos}
			ppos, _ := prev.pos.lookup("id")
			p.add("id", nil, "%q is already the id of %s:%d", s.ID, prev.File, ppos.line)
			errs = append(errs, p.err())
			continue
		}
		byID[s.ID] = s
		srcs = append(srcs, s)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.SortFunc(srcs, func(a, b *Source) int { return strings.Compare(a.ID, b.ID) })
	return srcs, nil
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("source: read %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, &FieldError{File: path, Msg: fmt.Sprintf("file larger than %d bytes", MaxFileSize)}
	}
	return data, nil
}

// Parse decodes and validates one source from data; name is the file name
// used in errors. Fields absent from data keep their value in defaults
// (which may be nil and is not modified). Unknown fields are errors.
func Parse(name string, data []byte, defaults *Source) (*Source, error) {
	return parse(name, data, defaults, false)
}

// ParseDefaults decodes and validates a defaults file: any field of a
// source except id, name and seeds, all optional.
func ParseDefaults(name string, data []byte) (*Source, error) {
	return parse(name, data, nil, true)
}

// fieldsNotInDefaults are per-source only.
var fieldsNotInDefaults = []string{"id", "name", "seeds"}

func parse(name string, data []byte, defaults *Source, isDefaults bool) (*Source, error) {
	var s *Source
	if defaults != nil {
		s = defaults.clone()
	} else {
		s = &Source{}
	}
	s.File = name
	if s.pos == nil {
		s.pos = positions{}
	}
	root, err := parseDocument(name, data)
	if err != nil {
		return nil, err
	}
	s.pos[""] = position{file: name, line: root.Line, col: root.Column}
	d := &decoder{file: name, pos: s.pos, failed: map[string]bool{}}
	if isDefaults {
		d.forbidden = fieldsNotInDefaults
	}
	d.decodeStruct(root, reflect.ValueOf(s).Elem(), "")
	p := &problems{file: name, pos: s.pos, errs: d.errs, failed: d.failed}
	s.validate(p, isDefaults)
	if err := p.err(); err != nil {
		return nil, err
	}
	return s, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseDocument parses data as exactly one YAML document whose root is a
// mapping.
func parseDocument(name string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &FieldError{File: name, Msg: "empty file: a source needs at least id and seeds"}
		}
		return nil, yamlSyntaxError(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &FieldError{File: name, Line: extra.Line, Column: extra.Column, Msg: "a second YAML document: one source per file"}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlSyntaxError(name, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, &FieldError{File: name, Msg: "empty file: a source needs at least id and seeds"}
		}
		root = root.Content[0]
	}
	root = resolve(root)
	if root == nil || root.Kind != yaml.MappingNode {
		if root != nil && isNull(root) {
			return nil, &FieldError{File: name, Msg: "empty file: a source needs at least id and seeds"}
		}
		line, col := 0, 0
		if root != nil {
			line, col = root.Line, root.Column
		}
		return nil, &FieldError{File: name, Line: line, Column: col, Msg: "expected a mapping of fields (id: …, seeds: …)"}
	}
	return root, nil
}

func yamlSyntaxError(name string, err error) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &FieldError{File: name, Line: line, Msg: "yaml syntax: " + m[2], Err: err}
	}
	return &FieldError{File: name, Msg: "yaml syntax: " + strings.TrimPrefix(msg, "yaml: "), Err: err}
}

// maxAliasDepth bounds alias chains.
const maxAliasDepth = 32

// resolve follows aliases; nil for an over-long chain.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i == maxAliasDepth {
			return nil
		}
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// decoder walks a yaml.Node tree into a struct by its yaml tags, recording
// where each field was written and every error with its position.
type decoder struct {
	file      string
	pos       positions
	errs      []error
	failed    map[string]bool
	forbidden []string // top-level keys not allowed (defaults file)
	visits    int      // nodes visited, bounded by maxVisits
}

// maxVisits bounds the nodes a decode visits, so that merge keys and
// aliases cannot expand a small file exponentially.
const maxVisits = 100_000

// visit counts a node; false (and one error) once the budget is spent.
func (d *decoder) visit(n *yaml.Node, path string) bool {
	d.visits++
	if d.visits == maxVisits+1 {
		d.errorf(n, path, nil, "the document expands to more than %d nodes (aliases or merge keys)", maxVisits)
	}
	return d.visits <= maxVisits
}

func (d *decoder) errorf(n *yaml.Node, path string, cause error, format string, args ...any) {
	d.failed[path] = true
	e := &FieldError{File: d.file, Field: path, Msg: fmt.Sprintf(format, args...), Err: cause}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	n = resolve(n)
	if n == nil {
		d.errorf(nil, path, nil, "alias chain too long")
		return
	}
	if !d.visit(n, path) {
		return
	}
	if isNull(n) {
		return // "politeness:" with nothing: keep what is there
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, nil, "expected a mapping, got a %s", kindName(n))
		return
	}
	fields := tagIndex(v.Type())
	seen := map[string]int{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := resolve(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			d.errorf(n.Content[i], path, nil, "a key must be a plain name")
			continue
		}
		if k.ShortTag() == "!!merge" {
			merges = append(merges, val)
			continue
		}
		key := k.Value
		fpath := joinPath(path, key)
		if line, dup := seen[key]; dup {
			d.errorf(k, fpath, nil, "duplicate key (first at line %d)", line)
			continue
		}
		seen[key] = k.Line
		if path == "" && slices.Contains(d.forbidden, key) {
			d.errorf(k, fpath, nil, "not allowed in a defaults file (set it in each source)")
			continue
		}
		idx, ok := fields[key]
		if !ok {
			msg := "unknown field"
			if near := nearest(key, fields); near != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", near)
			}
			d.errorf(k, fpath, nil, "%s", msg)
			continue
		}
		d.decodeValue(val, k, v.Field(idx), fpath)
	}
	// Merge keys ("<<: *base"): explicit keys of this mapping win.
	for _, m := range merges {
		m = resolve(m)
		var maps []*yaml.Node
		switch {
		case m == nil:
		case m.Kind == yaml.MappingNode:
			maps = []*yaml.Node{m}
		case m.Kind == yaml.SequenceNode:
			maps = m.Content
		}
		for _, mm := range maps {
			mm = resolve(mm)
			if mm == nil || mm.Kind != yaml.MappingNode {
				d.errorf(m, path, nil, "a merge key (<<) needs a mapping")
				continue
			}
			filtered := &yaml.Node{Kind: yaml.MappingNode, Line: mm.Line, Column: mm.Column}
			for i := 0; i+1 < len(mm.Content); i += 2 {
				if k := resolve(mm.Content[i]); k != nil && k.Kind == yaml.ScalarNode && k.ShortTag() != "!!merge" {
					if _, explicit := seen[k.Value]; explicit {
						continue
					}
					seen[k.Value] = k.Line
				}
				filtered.Content = append(filtered.Content, mm.Content[i], mm.Content[i+1])
			}
			d.decodeStruct(filtered, v, path)
		}
	}
}

// decodeValue decodes n into v; key is the mapping key node (for the
// position of errors about the whole value), nil for list elements.
func (d *decoder) decodeValue(n, key *yaml.Node, v reflect.Value, path string) {
	n = resolve(n)
	if n == nil {
		d.errorf(key, path, nil, "alias chain too long")
		return
	}
	if !d.visit(n, path) {
		return
	}
	d.pos[path] = position{file: d.file, line: n.Line, col: n.Column}
	if isNull(n) && v.Kind() != reflect.Struct {
		v.SetZero()
		if v.Kind() == reflect.Slice {
			d.pos.dropUnder(path)
		}
		return
	}
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalerType) {
		if err := v.Addr().Interface().(yaml.Unmarshaler).UnmarshalYAML(n); err != nil {
			d.errorf(n, path, err, "%s", err.Error())
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		d.decodeValue(n, key, elem.Elem(), path)
		if !d.failed[path] {
			v.Set(elem)
		}
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.errorf(n, path, nil, "%s is not a boolean (true or false)", describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		var i int64
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil || v.OverflowInt(i) {
			d.errorf(n, path, nil, "%s is not an integer", describe(n))
			return
		}
		v.SetInt(i)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, path, nil, "expected a string, got a %s", kindName(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, path, nil, "expected a list, got a %s", kindName(n))
			return
		}
		d.pos.dropUnder(path)
		out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, e := range n.Content {
			d.decodeValue(e, nil, out.Index(i), path+"["+strconv.Itoa(i)+"]")
		}
		v.Set(out)
	default:
		d.errorf(n, path, nil, "field of unsupported type %s", v.Type())
	}
}

// describe quotes a scalar for an error message, or names the node kind.
func describe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return strconv.Quote(n.Value)
	}
	return "a " + kindName(n)
}

// tagIndex maps yaml tag names of t's exported fields to field indexes.
func tagIndex(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = i
	}
	return m
}

// nearest returns the known key closest to key (edit distance <= 2), or "".
func nearest(key string, known map[string]int) string {
	best, bestD := "", 3
	for k := range known {
		if dist := editDistance(key, k); dist < bestD || dist == bestD && k < best {
			best, bestD = k, dist
		}
	}
	if bestD > 2 {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// clone returns a deep copy of s.
func (s *Source) clone() *Source {
	c := *s
	c.Enabled = cloneBool(s.Enabled)
	c.Seeds = slices.Clone(s.Seeds)
	c.Discovery.Feeds = cloneBool(s.Discovery.Feeds)
	c.Discovery.Sitemaps = cloneBool(s.Discovery.Sitemaps)
	c.Discovery.FollowLinks = cloneBool(s.Discovery.FollowLinks)
	c.Scope.Hosts = slices.Clone(s.Scope.Hosts)
	c.Scope.Deny = slices.Clone(s.Scope.Deny)
	c.Scope.StripParams = slices.Clone(s.Scope.StripParams)
	c.Scope.denyRE = slices.Clone(s.Scope.denyRE)
	c.Scope.hostPats = slices.Clone(s.Scope.hostPats)
	c.Fetch.ContentTypes = slices.Clone(s.Fetch.ContentTypes)
	c.pos = maps.Clone(s.pos)
	return &c
}

func cloneBool(b *bool) *bool {
	if b == nil {
		return nil
	}
	v := *b
	return &v
}
