package hygiene

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed rules/default.yaml
var defaultRulesYAML []byte

// Sentinel errors of the package; wrapping errors name the file and field.
var (
	// ErrBadRules is wrapped by every error about a rules file's content.
	ErrBadRules = errors.New("hygiene: bad rules")
	// ErrReadRules is wrapped when a rules file cannot be read.
	ErrReadRules = errors.New("hygiene: read rules")
)

// Rule ids. Each removal names one; the allowlist and the weights refer to
// them. See the package documentation for what each one looks for.
const (
	RuleKeywordChain        = "spam.keyword_chain"
	RuleKeywordStuffing     = "spam.keyword_stuffing"
	RuleGamblingBrand       = "spam.gambling_brand"
	RuleUnknownBrand        = "spam.unknown_brand"
	RuleLotteryJargon       = "spam.lottery_jargon"
	RuleContactObfuscation  = "spam.contact_obfuscation"
	RuleContactPlain        = "spam.contact_plain"
	RuleUnicodeEvasion      = "spam.unicode_evasion"
	RuleScriptMismatch      = "spam.script_mismatch"
	RuleHashBuster          = "spam.hash_buster"
	RuleKeywordLine         = "spam.keyword_line"
	RuleLinkFarm            = "spam.link_farm"
	RuleTemplatePlaceholder = "spam.template_placeholder"
	RuleFakeAttribution     = "spam.fake_attribution"
	RuleSpanBrand           = "spam.span_brand"
	RuleSpamURL             = "spam.spam_url"
	RuleDecoration          = "spam.decoration"
	RuleRepeat              = "spam.repeat"
	RulePromoPage           = "spam.promo_page" // a promotional kept line on a spam page

	RuleAppPromo = "ad.app_promo"
	RuleQRPrompt = "ad.qr_prompt"

	RuleBreadcrumb      = "boilerplate.breadcrumb"
	RuleShareBar        = "boilerplate.share_bar"
	RuleCopyright       = "boilerplate.copyright"
	RuleRelatedList     = "boilerplate.related_list"
	RuleSignatureRepeat = "boilerplate.signature_repeat"
	RuleEditorLine      = "boilerplate.editor_line"
	RuleEndMark         = "boilerplate.end_mark"
	RuleKeywordLabel    = "boilerplate.keyword_line"
	RuleLinkList        = "boilerplate.link_list"
	RuleTemplateLeak    = "boilerplate.template_leak"
	RuleOutsideArticle  = "boilerplate.outside_article"
)

// weightedRules are the spam rules whose points come from weights.
var weightedRules = []string{RuleKeywordChain, RuleKeywordStuffing, RuleGamblingBrand, RuleUnknownBrand,
	RuleContactObfuscation, RuleContactPlain, RuleUnicodeEvasion, RuleScriptMismatch, RuleHashBuster,
	RuleKeywordLine, RuleTemplatePlaceholder, RuleFakeAttribution, RuleSpanBrand, RuleSpamURL, RuleDecoration,
	RuleRepeat}

// RuleIDs lists every rule id, sorted.
func RuleIDs() []string {
	ids := []string{
		RuleKeywordChain, RuleKeywordStuffing, RuleGamblingBrand, RuleUnknownBrand, RuleLotteryJargon,
		RuleContactObfuscation, RuleContactPlain, RuleUnicodeEvasion, RuleScriptMismatch, RuleHashBuster,
		RuleKeywordLine, RuleLinkFarm, RuleTemplatePlaceholder, RuleFakeAttribution, RuleSpanBrand,
		RuleSpamURL, RuleDecoration, RuleRepeat, RulePromoPage,
		RuleAppPromo, RuleQRPrompt,
		RuleBreadcrumb, RuleShareBar, RuleCopyright, RuleRelatedList, RuleSignatureRepeat, RuleEditorLine,
		RuleEndMark, RuleKeywordLabel, RuleLinkList, RuleTemplateLeak, RuleOutsideArticle,
	}
	sort.Strings(ids)
	return ids
}

// Vocabulary categories (keys of the vocab section).
const (
	catPorn              = "porn"
	catPornWeak          = "porn_weak"
	catStream            = "stream"
	catGambling          = "gambling"
	catGamblingWeak      = "gambling_weak"
	catGamblingBrand     = "gambling_brand"
	catGamblingBrandWeak = "gambling_brand_weak"
	catLottery           = "lottery"
	catLotteryWeak       = "lottery_weak"
	catBonus             = "bonus"
	catBonusWeak         = "bonus_weak"
	catAction            = "action"
	catActionStrong      = "action_strong"
	catGuard             = "guard"
	catNewsContext       = "news_context"
	catContact           = "contact"
	catSpamTLD           = "spam_tld"
	catPlaceholder       = "placeholder"
	catOutlet            = "outlet"
	catAppPromo          = "app_promo"
	catAppAction         = "app_action"
	catQR                = "qr"
	catQRAction          = "qr_action"
	catShareBar          = "share_bar"
	catCopyright         = "copyright"
	catRelated           = "related"
	catKeywordLabel      = "keyword_label"
	catEditor            = "editor"
	catByline            = "byline"
	catEndMark           = "end_mark"
	catBreadcrumbHead    = "breadcrumb_head"
	catBrandHead         = "brand_head"
	catBrandAction       = "brand_action"
	catHeadAction        = "head_action"
	catBrandTail         = "brand_tail"
	catPromo             = "promo"
	catPromoWeak         = "promo_weak"
	// Word lists checked by suffix, not matched by the automaton (single
	// characters such as 据 and 的 would flood it with hits).
	catBrandLead = "brand_lead"
	catNameStop  = "name_stop"
)

// pageCats are the vocabulary categories that carry points for the page
// judgement only (a promotional line on a page that is spam as a whole).
var pageCats = []string{catPromo, catPromoWeak}

// suffixCats are vocabulary lists the rules compare directly instead of
// matching them with the automaton.
var suffixCats = []string{catBrandLead, catNameStop}

// Page weights: keys of the ruleset's weights that give the points of
// the page-level signals (see Thresholds.SpamPageScore).
const (
	// PageSpamEvidence: spam was removed from the title or body.
	PageSpamEvidence = "page.spam_evidence"
	// PageNoCleanTitle: every title candidate was removed as spam.
	PageNoCleanTitle = "page.no_clean_title"
	// PageSpamShare: spam removals cover Thresholds.SpamPageTextShare of
	// the title and body text.
	PageSpamShare = "page.spam_share"
	// PagePromoResidual: the kept body lines are mostly gambling
	// promotion (Thresholds.PromoMinLines, PromoShare, PromoLineScore).
	PagePromoResidual = "page.promo_residual"
)

var pageWeights = []string{PageSpamEvidence, PageNoCleanTitle, PageSpamShare, PagePromoResidual}

// scoredCats are the vocabulary categories that carry points.
var scoredCats = []string{catPorn, catPornWeak, catStream, catGambling, catGamblingWeak, catGamblingBrand,
	catGamblingBrandWeak, catLottery, catLotteryWeak, catBonus, catBonusWeak}

func vocabCategories() []string {
	return append(slices.Clone(scoredCats), catAction, catActionStrong, catGuard, catNewsContext, catContact,
		catSpamTLD, catPlaceholder, catOutlet, catAppPromo, catAppAction, catQR, catQRAction, catShareBar,
		catCopyright, catRelated, catKeywordLabel, catEditor, catByline, catEndMark, catBreadcrumbHead,
		catBrandHead, catBrandAction, catHeadAction, catBrandTail, catPromo, catPromoWeak, catBrandLead, catNameStop)
}

// Thresholds are the numeric knobs of the rules (rules/default.yaml
// explains each one too).
type Thresholds struct {
	// SpamScore is the score at which a line is spam.
	SpamScore float64 `yaml:"spam_score"`
	// ContextScore is the score at which a line with structural evidence
	// is spam once the page holds a spam line.
	ContextScore float64 `yaml:"context_score"`
	// ProseMinHan is the number of Han characters from which a line with
	// sentence punctuation is prose.
	ProseMinHan int `yaml:"prose_min_han"`
	// ProseDiscount multiplies vocabulary points in prose.
	ProseDiscount float64 `yaml:"prose_discount"`
	// ChainMaxToken is the longest chain token (runes) that counts as a
	// keyword.
	ChainMaxToken int `yaml:"chain_max_token"`
	// ShortLine bounds the length of ad and boilerplate lines (runes).
	ShortLine int `yaml:"short_line"`
	// LinkFarmMinURLs is the number of URLs that makes a run of link
	// lines a link farm or link list.
	LinkFarmMinURLs int `yaml:"link_farm_min_urls"`
	// SpamPageMinLines promotional spam lines make a spam page.
	SpamPageMinLines int `yaml:"spam_page_min_lines"`
	// SpamPageShare of the non-empty lines, with three or more
	// promotional spam lines, makes a spam page.
	SpamPageShare float64 `yaml:"spam_page_share"`
	// ScriptMinTraditional Traditional-only characters ...
	ScriptMinTraditional int `yaml:"script_min_traditional"`
	// ... making up ScriptMajority of the script-specific characters make
	// a page Traditional.
	ScriptMajority float64 `yaml:"script_majority"`
	// HashMinRare rare characters make a hash buster.
	HashMinRare int `yaml:"hash_min_rare"`
	// AttributionMinOutlets outlets named in a 来源 line make it
	// fabricated.
	AttributionMinOutlets int `yaml:"attribution_min_outlets"`
	// WeakOnlyCap caps the points of weak vocabulary alone.
	WeakOnlyCap float64 `yaml:"weak_only_cap"`
	// SpamPageScore page points (weights page.*) make a spam page.
	SpamPageScore float64 `yaml:"spam_page_score"`
	// SpamPageTextShare of the title and body text removed as spam earns
	// the page.spam_share points.
	SpamPageTextShare float64 `yaml:"spam_page_text_share"`
	// PromoLineScore promo points (weights vocab.promo, vocab.promo_weak)
	// make a kept line promotional.
	PromoLineScore float64 `yaml:"promo_line_score"`
	// PromoMinLines promotional kept lines ...
	PromoMinLines int `yaml:"promo_min_lines"`
	// ... making up PromoShare of the kept body lines earn the
	// page.promo_residual points.
	PromoShare float64 `yaml:"promo_share"`
}

// AllowEntry exempts text from a rule: an exact text (compared after
// trimming, as written or folded) or a Go regular expression matched
// against the folded text (NFKC, lower case, Simplified).
type AllowEntry struct {
	// Rule is a rule id, or "*" for every rule.
	Rule string `yaml:"rule"`
	// Text is an exact text that must never be removed.
	Text string `yaml:"text,omitempty"`
	// Pattern is a regular expression over the folded text.
	Pattern string `yaml:"pattern,omitempty"`
	// Note says why (an analyst's ticket, a date); not used.
	Note string `yaml:"note,omitempty"`
}

// ruleFile is one YAML file; pointers tell "absent" from zero in overlays.
type ruleFile struct {
	Name        string              `yaml:"name"`
	Version     string              `yaml:"version"`
	Thresholds  *thresholdsFile     `yaml:"thresholds"`
	Weights     map[string]float64  `yaml:"weights"`
	Disable     []string            `yaml:"disable"`
	Vocab       map[string][]string `yaml:"vocab"`
	VocabRemove map[string][]string `yaml:"vocab_remove"`
	Allow       []AllowEntry        `yaml:"allow"`
}

type thresholdsFile struct {
	SpamScore             *float64 `yaml:"spam_score"`
	ContextScore          *float64 `yaml:"context_score"`
	ProseMinHan           *int     `yaml:"prose_min_han"`
	ProseDiscount         *float64 `yaml:"prose_discount"`
	ChainMaxToken         *int     `yaml:"chain_max_token"`
	ShortLine             *int     `yaml:"short_line"`
	LinkFarmMinURLs       *int     `yaml:"link_farm_min_urls"`
	SpamPageMinLines      *int     `yaml:"spam_page_min_lines"`
	SpamPageShare         *float64 `yaml:"spam_page_share"`
	ScriptMinTraditional  *int     `yaml:"script_min_traditional"`
	ScriptMajority        *float64 `yaml:"script_majority"`
	HashMinRare           *int     `yaml:"hash_min_rare"`
	AttributionMinOutlets *int     `yaml:"attribution_min_outlets"`
	WeakOnlyCap           *float64 `yaml:"weak_only_cap"`
	SpamPageScore         *float64 `yaml:"spam_page_score"`
	SpamPageTextShare     *float64 `yaml:"spam_page_text_share"`
	PromoLineScore        *float64 `yaml:"promo_line_score"`
	PromoMinLines         *int     `yaml:"promo_min_lines"`
	PromoShare            *float64 `yaml:"promo_share"`
}

// Ruleset is a parsed, validated, versioned set of rules. It is immutable
// once built and safe to share between Cleaners.
type Ruleset struct {
	version    string
	thresholds Thresholds
	weights    map[string]float64
	disabled   map[string]bool
	vocab      map[string][]string
	allow      []AllowEntry
	allowRe    []*regexp.Regexp // parallel to allow; nil for text entries
}

// Version returns the ruleset version: name-version of each file joined
// by "+" ("default-2026.11.2+override-3").
func (rs *Ruleset) Version() string { return rs.version }

// Thresholds returns the thresholds in force.
func (rs *Ruleset) Thresholds() Thresholds { return rs.thresholds }

// Allow returns a copy of the allowlist.
func (rs *Ruleset) Allow() []AllowEntry { return slices.Clone(rs.allow) }

// Vocab returns a copy of one vocabulary category (nil if unknown).
func (rs *Ruleset) Vocab(category string) []string { return slices.Clone(rs.vocab[category]) }

// Disabled reports whether a rule is switched off.
func (rs *Ruleset) Disabled(rule string) bool { return rs.disabled[rule] }

// DefaultRules returns the embedded default ruleset.
func DefaultRules() (*Ruleset, error) {
	return ParseRules(bytes.NewReader(defaultRulesYAML))
}

// ParseRules parses one complete, standalone ruleset (the shape of
// rules/default.yaml: every threshold and weight present).
func ParseRules(r io.Reader) (*Ruleset, error) {
	return parseNamed(r, "<reader>")
}

func parseNamed(r io.Reader, name string) (*Ruleset, error) {
	f, err := decodeFile(r, name)
	if err != nil {
		return nil, err
	}
	rs := &Ruleset{weights: map[string]float64{}, disabled: map[string]bool{}, vocab: map[string][]string{}}
	if err := rs.apply(f, name, true); err != nil {
		return nil, err
	}
	return rs, nil
}

// LoadRules returns the embedded default ruleset with each file applied
// over it in order: scalars replace, lists extend (vocab_remove deletes
// terms, disable switches rules off), and the version gains each file's
// name-version. Errors name the file and the field.
func LoadRules(paths ...string) (*Ruleset, error) {
	rs, err := DefaultRules()
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrReadRules, err)
		}
		f, err := decodeFile(bytes.NewReader(data), p)
		if err != nil {
			return nil, err
		}
		next := rs.clone()
		if err := next.apply(f, p, false); err != nil {
			return nil, err
		}
		rs = next
	}
	return rs, nil
}

func decodeFile(r io.Reader, name string) (*ruleFile, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var f ruleFile
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: %s: empty file", ErrBadRules, name)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrBadRules, name, err)
	}
	return &f, nil
}

func (rs *Ruleset) clone() *Ruleset {
	c := &Ruleset{
		version:    rs.version,
		thresholds: rs.thresholds,
		weights:    map[string]float64{},
		disabled:   map[string]bool{},
		vocab:      map[string][]string{},
		allow:      slices.Clone(rs.allow),
		allowRe:    slices.Clone(rs.allowRe),
	}
	for k, v := range rs.weights {
		c.weights[k] = v
	}
	for k, v := range rs.disabled {
		c.disabled[k] = v
	}
	for k, v := range rs.vocab {
		c.vocab[k] = slices.Clone(v)
	}
	return c
}

// apply merges f into rs; complete requires every threshold and weight.
func (rs *Ruleset) apply(f *ruleFile, file string, complete bool) error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: field %q: %s", ErrBadRules, file, field, fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(f.Name) == "" {
		return bad("name", "missing")
	}
	if strings.TrimSpace(f.Version) == "" {
		return bad("version", "missing")
	}
	id := strings.TrimSpace(f.Name) + "-" + strings.TrimSpace(f.Version)
	if rs.version == "" {
		rs.version = id
	} else {
		rs.version += "+" + id
	}
	if err := rs.applyThresholds(f.Thresholds, complete, bad); err != nil {
		return err
	}
	known := map[string]bool{}
	for _, id := range RuleIDs() {
		known[id] = true
	}
	knownCat := map[string]bool{}
	for _, c := range vocabCategories() {
		knownCat[c] = true
	}
	for k, v := range f.Weights {
		cat, isVocab := strings.CutPrefix(k, "vocab.")
		switch {
		case isVocab && !slices.Contains(scoredCats, cat) && !slices.Contains(pageCats, cat):
			return bad("weights."+k, "no scored vocabulary category %q", cat)
		case !isVocab && !known[k] && !slices.Contains(pageWeights, k):
			return bad("weights."+k, "unknown rule id")
		case v < 0 || v > 100:
			return bad("weights."+k, "%v is outside 0..100", v)
		}
		rs.weights[k] = v
	}
	if complete {
		for _, c := range slices.Concat(scoredCats, pageCats) {
			if _, ok := rs.weights["vocab."+c]; !ok {
				return bad("weights.vocab."+c, "missing")
			}
		}
		for _, r := range slices.Concat(weightedRules, pageWeights) {
			if _, ok := rs.weights[r]; !ok {
				return bad("weights."+r, "missing")
			}
		}
	}
	for i, d := range f.Disable {
		if !known[d] {
			return bad(fmt.Sprintf("disable[%d]", i), "unknown rule id %q", d)
		}
		rs.disabled[d] = true
	}
	for cat, terms := range f.Vocab {
		if !knownCat[cat] {
			return bad("vocab."+cat, "unknown category (known: %s)", strings.Join(vocabCategories(), ", "))
		}
		for i, t := range terms {
			if strings.TrimSpace(t) == "" || compactTerm(t) == "" {
				return bad(fmt.Sprintf("vocab.%s[%d]", cat, i), "empty term %q", t)
			}
			if !slices.Contains(rs.vocab[cat], t) {
				rs.vocab[cat] = append(rs.vocab[cat], t)
			}
		}
	}
	for cat, terms := range f.VocabRemove {
		if !knownCat[cat] {
			return bad("vocab_remove."+cat, "unknown category")
		}
		rs.vocab[cat] = slices.DeleteFunc(rs.vocab[cat], func(t string) bool { return slices.Contains(terms, t) })
	}
	if complete {
		for _, c := range vocabCategories() {
			if len(rs.vocab[c]) == 0 {
				return bad("vocab."+c, "missing or empty")
			}
		}
	}
	for i, a := range f.Allow {
		field := fmt.Sprintf("allow[%d]", i)
		if a.Rule != "*" && !known[a.Rule] {
			return bad(field+".rule", "unknown rule id %q", a.Rule)
		}
		if (a.Text == "") == (a.Pattern == "") {
			return bad(field, "needs exactly one of text and pattern")
		}
		var re *regexp.Regexp
		if a.Pattern != "" {
			var err error
			if re, err = regexp.Compile(a.Pattern); err != nil {
				return bad(field+".pattern", "%v", err)
			}
		}
		rs.allow = append(rs.allow, a)
		rs.allowRe = append(rs.allowRe, re)
	}
	return nil
}

func (rs *Ruleset) applyThresholds(t *thresholdsFile, complete bool, bad func(string, string, ...any) error) error {
	if t == nil {
		if complete {
			return bad("thresholds", "missing")
		}
		return nil
	}
	type fl struct {
		name     string
		src      *float64
		dst      *float64
		min, max float64
	}
	type in struct {
		name     string
		src      *int
		dst      *int
		min, max int
	}
	th := &rs.thresholds
	floats := []fl{
		{"spam_score", t.SpamScore, &th.SpamScore, 0.5, 100},
		{"context_score", t.ContextScore, &th.ContextScore, 0.5, 100},
		{"prose_discount", t.ProseDiscount, &th.ProseDiscount, 0, 1},
		{"spam_page_share", t.SpamPageShare, &th.SpamPageShare, 0.05, 1},
		{"script_majority", t.ScriptMajority, &th.ScriptMajority, 0.5, 1},
		{"weak_only_cap", t.WeakOnlyCap, &th.WeakOnlyCap, 0, 100},
		{"spam_page_score", t.SpamPageScore, &th.SpamPageScore, 0.5, 1000},
		{"spam_page_text_share", t.SpamPageTextShare, &th.SpamPageTextShare, 0.01, 1},
		{"promo_line_score", t.PromoLineScore, &th.PromoLineScore, 0.5, 100},
		{"promo_share", t.PromoShare, &th.PromoShare, 0.05, 1},
	}
	ints := []in{
		{"prose_min_han", t.ProseMinHan, &th.ProseMinHan, 1, 10000},
		{"chain_max_token", t.ChainMaxToken, &th.ChainMaxToken, 2, 1000},
		{"short_line", t.ShortLine, &th.ShortLine, 4, 10000},
		{"link_farm_min_urls", t.LinkFarmMinURLs, &th.LinkFarmMinURLs, 1, 1000},
		{"spam_page_min_lines", t.SpamPageMinLines, &th.SpamPageMinLines, 1, 100000},
		{"script_min_traditional", t.ScriptMinTraditional, &th.ScriptMinTraditional, 1, 100000},
		{"hash_min_rare", t.HashMinRare, &th.HashMinRare, 1, 100},
		{"attribution_min_outlets", t.AttributionMinOutlets, &th.AttributionMinOutlets, 2, 100},
		{"promo_min_lines", t.PromoMinLines, &th.PromoMinLines, 1, 100000},
	}
	for _, f := range floats {
		switch {
		case f.src == nil && complete:
			return bad("thresholds."+f.name, "missing")
		case f.src == nil:
		case *f.src < f.min || *f.src > f.max:
			return bad("thresholds."+f.name, "%v is outside %v..%v", *f.src, f.min, f.max)
		default:
			*f.dst = *f.src
		}
	}
	for _, f := range ints {
		switch {
		case f.src == nil && complete:
			return bad("thresholds."+f.name, "missing")
		case f.src == nil:
		case *f.src < f.min || *f.src > f.max:
			return bad("thresholds."+f.name, "%v is outside %v..%v", *f.src, f.min, f.max)
		default:
			*f.dst = *f.src
		}
	}
	if th.ContextScore > th.SpamScore {
		return bad("thresholds.context_score", "%v is above spam_score %v", th.ContextScore, th.SpamScore)
	}
	return nil
}

// weight returns the points of a rule id or vocab.<category>.
func (rs *Ruleset) weight(key string) float64 { return rs.weights[key] }
