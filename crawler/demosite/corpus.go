package demosite

import (
	"bufio"
	"embed"
	"fmt"
	"strings"
)

// data holds the vocabularies, sentence templates, the seed article and the
// Simplified -> Traditional table; templates holds the page layouts.
//
//go:embed data/*.txt data/hant.tsv
var data embed.FS

//go:embed templates/*.html
var templateFS embed.FS

// topic is one family of generated articles: headline, lead and body
// sentence templates (see data/topics.txt).
type topic struct {
	section, name string
	trap          bool
	titles        []string
	subtitles     []string
	leads         []string
	body          []string
	heads         []string
	quotes        []string
	ends          []string
}

// corpus is everything the generator composes text from.
type corpus struct {
	lists    map[string][]string
	topics   []*topic
	spamPage []string
	hant     map[string]string
	seed     []string          // the seed article's lines (Traditional)
	seedHans map[string]string // seed line -> its OpenCC t2s form
}

func loadCorpus() (*corpus, error) {
	read := func(name string) (string, error) {
		b, err := data.ReadFile("data/" + name)
		if err != nil {
			return "", fmt.Errorf("demosite: embedded %s: %w", name, err)
		}
		return string(b), nil
	}
	c := &corpus{lists: map[string][]string{}, hant: map[string]string{}}
	for _, name := range []string{"vocab.txt", "spam.txt"} {
		s, err := read(name)
		if err != nil {
			return nil, err
		}
		if err := parseLists(s, c.lists); err != nil {
			return nil, fmt.Errorf("demosite: %s: %w", name, err)
		}
	}
	s, err := read("topics.txt")
	if err != nil {
		return nil, err
	}
	if c.topics, err = parseTopics(s); err != nil {
		return nil, fmt.Errorf("demosite: topics.txt: %w", err)
	}
	if s, err = read("spampage.txt"); err != nil {
		return nil, err
	}
	for _, line := range contentLines(s) {
		if rest, ok := strings.CutPrefix(line, "P "); ok {
			c.spamPage = append(c.spamPage, rest)
		}
	}
	if s, err = read("hant.tsv"); err != nil {
		return nil, err
	}
	for _, line := range contentLines(s) {
		hans, hant, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("demosite: hant.tsv: line without tab: %q", line)
		}
		c.hant[hans] = hant
	}
	if s, err = read("seed.txt"); err != nil {
		return nil, err
	}
	for line := range strings.SplitSeq(s, "\n") {
		if line = strings.TrimRight(line, "\r"); strings.TrimSpace(line) != "" {
			c.seed = append(c.seed, line)
		}
	}
	if s, err = read("seed.hans.txt"); err != nil {
		return nil, err
	}
	var hans []string
	for line := range strings.SplitSeq(s, "\n") {
		if line = strings.TrimRight(line, "\r"); strings.TrimSpace(line) != "" {
			hans = append(hans, line)
		}
	}
	if len(hans) != len(c.seed) {
		return nil, fmt.Errorf("demosite: seed.hans.txt has %d lines, seed.txt %d", len(hans), len(c.seed))
	}
	c.seedHans = map[string]string{}
	for i, l := range c.seed {
		c.seedHans[l] = hans[i]
	}
	return c, nil
}

// contentLines returns the lines of s that are neither empty nor comments.
func contentLines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out
}

// parseLists reads "[name]" headed lists into lists.
func parseLists(s string, lists map[string][]string) error {
	name := ""
	for _, line := range contentLines(s) {
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			name = line[1 : len(line)-1]
			if _, dup := lists[name]; dup {
				return fmt.Errorf("list %q defined twice", name)
			}
			lists[name] = nil
			continue
		}
		if name == "" {
			return fmt.Errorf("entry %q before any [list]", line)
		}
		lists[name] = append(lists[name], line)
	}
	return nil
}

// parseTopics reads data/topics.txt.
func parseTopics(s string) ([]*topic, error) {
	var out []*topic
	var cur *topic
	for _, line := range contentLines(s) {
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			head := strings.Fields(line[1 : len(line)-1])
			sec, name, ok := strings.Cut(head[0], ".")
			if !ok {
				return nil, fmt.Errorf("topic %q: want [section.name]", line)
			}
			cur = &topic{section: sec, name: name, trap: len(head) > 1 && head[1] == "trap"}
			out = append(out, cur)
			continue
		}
		if cur == nil || len(line) < 3 || line[1] != ' ' {
			return nil, fmt.Errorf("line %q: want \"X text\" inside a topic", line)
		}
		text := line[2:]
		switch line[0] {
		case 'T':
			cur.titles = append(cur.titles, text)
		case 'S':
			cur.subtitles = append(cur.subtitles, text)
		case 'L':
			cur.leads = append(cur.leads, text)
		case 'B':
			cur.body = append(cur.body, text)
		case 'H':
			cur.heads = append(cur.heads, text)
		case 'Q':
			cur.quotes = append(cur.quotes, text)
		case 'E':
			cur.ends = append(cur.ends, text)
		default:
			return nil, fmt.Errorf("line %q: unknown prefix %q", line, line[0])
		}
	}
	for _, t := range out {
		if len(t.titles) == 0 || len(t.leads) == 0 || len(t.body) < 4 {
			return nil, fmt.Errorf("topic %s.%s: needs titles, leads and at least 4 body sentences", t.section, t.name)
		}
	}
	return out, nil
}

// toHant returns the Traditional form of a Simplified corpus string, and
// whether the table has it.
func (c *corpus) toHant(s string) (string, bool) {
	if s == "" || !hasHan(s) {
		return s, true
	}
	t, ok := c.hant[s]
	if !ok {
		return s, false
	}
	return t, true
}

// hasHan reports whether s holds a CJK ideograph.
func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x3400 && r <= 0x9fff || r >= 0x20000 && r <= 0x2ffff {
			return true
		}
	}
	return false
}

// allStrings lists every corpus string that needs a Traditional form.
// data/hant.tsv must cover them (see gen_hant.go and the tests).
func (c *corpus) allStrings() []string {
	var out []string
	for _, l := range c.lists {
		out = append(out, l...)
	}
	for _, t := range c.topics {
		for _, l := range [][]string{t.titles, t.subtitles, t.leads, t.body, t.heads, t.quotes, t.ends} {
			out = append(out, l...)
		}
	}
	out = append(out, c.spamPage...)
	return out
}
