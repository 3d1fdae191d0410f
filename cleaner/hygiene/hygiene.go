// Package hygiene removes injected spam, ads and boilerplate from an
// article draft and records every removal with its kind, stable rule id,
// scope, field and reason. Rules are data: an embedded default ruleset
// (rules/default.yaml) with a version, overridable from files, with an
// allowlist for analysts' false-positive corrections.
//
// # How a line is judged
//
// Every title candidate, body paragraph and segment is folded for
// matching — NFKC (math-bold and full-width letters become ASCII), lower
// case, zero-width characters dropped, Traditional -> Simplified
// (Options.Simplify) — and matched against every vocabulary at once with
// one Aho-Corasick automaton. Spam rules add points (weights in the
// ruleset); a line scoring spam_score or more is spam. No word list
// decides alone: vocabulary counts half in prose and nothing in a line
// with news-context words (扫黄打非, 警方, 打击 …), and guard phrases hide
// the words inside them (成人礼, 福利彩票, 粉丝福利, 国产芯片 …); in a
// sentence, terms that stand only inside quotation marks are cited, not
// carried (平台以“注册即送”为噱头). Structure decides: keyword chains,
// brand + action suffix, obfuscated contacts, look-alike letters,
// rare-character hash busters, placeholders, link farms. Once a page
// holds a spam line, lines with structural evidence count from
// context_score.
//
// A brand + action phrase standing apart is spam wherever it is, cut as
// a span inside a genuine sentence: a known brand (gambling_brand,
// gambling_brand_weak: 美高梅, 葡京赌场) or a brand-shaped token — a name
// of two characters or a Latin/digit run before a head (brand_head: 娱乐,
// 国际, 体育 …) — followed by an action (brand_action, head_action) that
// ends at a phrase boundary: punctuation or the end, rare characters or
// digit/Latin junk appended, a slogan (欢迎您), the end of a
// letter-spaced run (美 高 梅 官 网). 美高梅官网公布 (the action starts a
// longer word) is news; so are a reference after a lead word (据美高梅官网，
// 登录XX娱乐官网, brand_lead), a quoted name, and names that are
// function characters or generic words (name_stop: 中国体育, 开通国际线路).
//
// Spam rules: spam.keyword_chain, spam.keyword_stuffing,
// spam.gambling_brand, spam.unknown_brand, spam.lottery_jargon,
// spam.contact_obfuscation, spam.contact_plain, spam.unicode_evasion,
// spam.script_mismatch, spam.hash_buster, spam.keyword_line,
// spam.link_farm, spam.template_placeholder, spam.fake_attribution,
// spam.span_brand, spam.spam_url, spam.decoration, spam.repeat,
// spam.promo_page. The removal names the rule that contributed most; the
// reason lists every signal with its points.
//
// Ads: ad.app_promo (梧州零距離APP梧州零距離, 下载客户端), ad.qr_prompt
// (扫描二维码关注). Boilerplate: boilerplate.breadcrumb,
// boilerplate.share_bar, boilerplate.copyright,
// boilerplate.related_list, boilerplate.signature_repeat,
// boilerplate.editor_line, boilerplate.end_mark,
// boilerplate.keyword_line, boilerplate.link_list,
// boilerplate.template_leak, boilerplate.outside_article.
//
// # Where rules apply
//
// Title candidates: spam and ads; a removed candidate is skipped and the
// first clean one becomes Result.Title. Body: every rule, line or span.
// Segments by role: breadcrumb is always recorded (boilerplate unless
// spam); preamble gets every rule, and a preamble line that matches none
// is recorded as boilerplate.outside_article (text above the headline is
// not article text: it is injected, site furniture or an ad); trailer
// gets every rule and unmatched trailer text is not recorded; chrome and
// hidden record spam only (ordinary page chrome is not a removal); title
// segments get spam and ads.
//
// Removed is in page order as far as it is known: title candidates, then
// segments other than trailers in their given order, then the body in
// order (a paragraph's span removals in text order), then trailer
// segments. The first body or segment line identical to a removed title
// candidate (the same line, seen twice by the extractor) is dropped but
// not recorded twice.
//
// # Verdicts
//
// clean when nothing was removed, cleaned when something was, spam_page
// when the page is spam as a whole: at least spam_page_min_lines
// promotional spam lines, or at least three making up spam_page_share of
// the non-empty lines, or a spam title over a body with next to no text
// left (fewer than prose_min_han Han characters), or page points (weights
// page.*) reaching spam_page_score. The points weigh what is left once
// the spam is cut — kept lines that are gambling promotion (deposit,
// withdrawal, turnover, bonus, agent and guaranteed-win pitches: vocab
// promo, promo_weak; no news-context word) making up promo_share of the
// kept lines (page.promo_residual) — against the spam evidence in the
// title and body: any spam removed there (page.spam_evidence), no clean
// title candidate left (page.no_clean_title), spam covering
// spam_page_text_share of the title and body text (page.spam_share).
// With the default weights the promotional residue is necessary and one
// piece of evidence completes it: a report on gambling fraud quotes the
// pitches but has no spam cut out of it, and an injected genuine article
// loses its title and half its text but keeps no promotion.
// On a spam page every spam line is still recorded, the promotional kept
// lines are removed too (spam.promo_page, the reason naming the page
// evidence, also in Result.PageReason) and Body keeps the other lines.
//
// # Caveats
//
//   - Decisions do not depend on the script of a single-script document;
//     the one deliberate exception is spam.script_mismatch, which adds
//     points to a Simplified line with spam vocabulary inside a
//     Traditional page and so exists only in mixed-script input.
//   - Simplify is called only for lines holding Traditional-only
//     characters, and its output is used only when it keeps the rune
//     count (OpenCC t2s does), so removals map back to exact input bytes.
//   - Invalid UTF-8 is replaced with U+FFFD before anything else; removal
//     texts are exact substrings of that repaired input.
//   - A paragraph is the unit: a multi-line paragraph is judged as one.
//   - Rarity for hash busters is GB2312 level 1 membership (the 3,755
//     commonest characters); hash busters made of common characters are
//     caught only by the other rules.
//   - Cleaning the kept output again removes nothing more (tested,
//     including by fuzzing); the verdict of the second pass may differ
//     (the spam that made the page spam is gone).
//   - A brand + action phrase glued to the words after it (inserted
//     after a comma: ，鑫盛娱乐注册今年…) is caught only when letter-spaced
//     or followed by junk: 美高梅官网公布 and 银河娱乐代理主席 are news.
//   - Brand-shaped tokens (unknown names) near a news-context word are
//     left alone, as are XX国际注册, XX国际代理, XX国际线路, XX国际开户 and
//     XX彩票代理 (guard phrases: ordinary trade and travel language). A
//     name is taken as two characters, so a longer unknown name loses its
//     first characters to the sentence (大富豪娱乐注册 leaves 大).
//   - A page of gambling promotion from which no line rule cuts anything
//     is cleaned, not judged spam_page: promotion alone is what a fraud
//     warning quotes.
package hygiene

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"winnow/cleaner/normalize"
	"winnow/sink/record"
)

// Role of a segment (mirrors extract.Role).
type Role string

// Segment roles.
const (
	RolePreamble   Role = "preamble"   // above the title inside the article region
	RoleBreadcrumb Role = "breadcrumb" // a breadcrumb line
	RoleTrailer    Role = "trailer"    // after the body inside the article region
	RoleChrome     Role = "chrome"     // page text outside the article
	RoleHidden     Role = "hidden"     // hidden elements
	RoleTitle      Role = "title"      // a title candidate not chosen
)

// Segment is page text outside the title and body.
type Segment struct {
	Text string
	Role Role
}

// Document is what the cleaner checks.
type Document struct {
	// TitleCandidates are raw titles, best first.
	TitleCandidates []string
	// Body paragraphs in order.
	Body []string
	// Segments are page text outside title and body, in page order.
	Segments []Segment
}

// Result is the cleaned document.
type Result struct {
	// Title is the first title candidate that is not spam ("" if none).
	Title string
	// Body is the kept paragraphs, spans removed.
	Body []string
	// Removed lists every removal, in page order.
	Removed []record.Removal
	// Verdict is record.VerdictClean, VerdictCleaned or VerdictSpamPage.
	Verdict string
	// PageReason says why the page is spam as a whole ("" unless Verdict
	// is VerdictSpamPage).
	PageReason string
}

// Cleaner applies a ruleset; safe for concurrent use.
type Cleaner struct {
	rules    *Ruleset
	simplify func(string) string
	scripts  *normalize.Scripts
	comp     *compiled
	pool     sync.Pool // *scratch for Clean calls
	// noPlain turns off the plain-chrome shortcut (tests compare).
	noPlain bool
}

// Options configure New. The zero value is ready to use.
type Options struct {
	// Rules is the ruleset; nil means the embedded default.
	Rules *Ruleset
	// Simplify folds text to Simplified script for matching, so decisions
	// do not depend on script; nil means build an OpenCC t2s converter.
	Simplify func(string) string
	// Scripts counts Traditional-only and Simplified-only characters; nil
	// means build one (about 20 ms). Share one between Cleaners to save
	// the time.
	Scripts *normalize.Scripts
}

// New returns a Cleaner. It compiles the ruleset's vocabularies into one
// matcher, so build one Cleaner and share it.
func New(opts Options) (*Cleaner, error) {
	rs := opts.Rules
	if rs == nil {
		var err error
		if rs, err = DefaultRules(); err != nil {
			return nil, err
		}
	}
	c := &Cleaner{rules: rs, simplify: opts.Simplify, scripts: opts.Scripts}
	if c.simplify == nil {
		conv, err := normalize.New("t2s")
		if err != nil {
			return nil, fmt.Errorf("hygiene: %w", err)
		}
		c.simplify = conv.Convert
	}
	if c.scripts == nil {
		sc, err := normalize.NewScripts()
		if err != nil {
			return nil, fmt.Errorf("hygiene: %w", err)
		}
		c.scripts = sc
	}
	c.comp = compileRules(rs, func(t string) string {
		f := foldText(t)
		simplifyFolded(&f, c.simplify)
		return string(compactOf(f).runes)
	})
	c.comp.runes = newRuneTable(c.comp, c.scripts)
	return c, nil
}

// RulesVersion returns the version of the rules in use.
func (c *Cleaner) RulesVersion() string { return c.rules.version }

// unit is one line of the document under judgement.
type unit struct {
	field string
	role  Role
	index int
	text  string
	li    *lineInfo
	sigs  []signal
	total float64
	best  signal
	match *lineMatch

	spam    bool
	removed *record.Removal // line removal, if any
	spans   []span          // spam spans of a kept body line (bytes of text)
	cuts    []record.Removal
	kept    string // a kept body line after its cuts
	linkish bool
	urls    int
	// plain: a chrome or hidden line no rule can act on (plainLine); it
	// is not analyzed (li stays nil) and only ends runs of link lines.
	plain bool
}

// Clean checks doc and returns what remains. It never fails: bad input
// yields fewer removals, not an error.
func (c *Cleaner) Clean(doc Document) Result {
	sc, _ := c.pool.Get().(*scratch)
	if sc == nil {
		sc = new(scratch)
	}
	defer func() {
		sc.reset()
		c.pool.Put(sc)
	}()
	th := c.rules.thresholds
	n := len(doc.TitleCandidates) + len(doc.Segments) + len(doc.Body)
	units := sc.units.take(n)
	all := make([]*unit, n)
	for i := range units {
		all[i] = &units[i]
	}
	titles := all[:len(doc.TitleCandidates)]
	segs := all[len(titles) : len(titles)+len(doc.Segments)]
	body := all[len(titles)+len(segs):]
	// (texts are made valid UTF-8 below: folding finds invalid bytes)
	for i, t := range doc.TitleCandidates {
		*titles[i] = unit{field: record.FieldTitle, index: i, text: t}
	}
	for i, s := range doc.Segments {
		*segs[i] = unit{field: record.FieldPage, role: s.Role, index: i, text: s.Text}
	}
	for i, p := range doc.Body {
		*body[i] = unit{field: record.FieldBody, index: i, text: p}
	}

	// 1. evidence per line
	for _, u := range all {
		if isBlank(u.text) {
			continue // (an invalid byte is not blank: blank text is valid)
		}
		if (u.role == RoleChrome || u.role == RoleHidden) && !c.noPlain && c.comp.plainLine(u.text) {
			u.plain = true
			continue
		}
		u.li = c.analyzeIn(sc, u.text)
		if u.li.fold.invalid {
			u.text = strings.ToValidUTF8(u.text, "\uFFFD")
			u.li = c.analyzeIn(sc, u.text)
		}
		u.sigs = c.spamSignals(u.li)
		u.match = c.lineRule(u.li)
	}
	// 2. page script, from lines no rule touches (stable under cleaning)
	var trad, simp int
	for _, u := range all {
		if u.li == nil || len(u.sigs) > 0 || u.match != nil || c.hasScored(u.li) {
			continue
		}
		trad += u.li.trad
		simp += u.li.simp
	}
	hant := trad >= th.ScriptMinTraditional && float64(trad) >= th.ScriptMajority*float64(trad+simp)
	for _, u := range all {
		if !hant || u.li == nil || c.off(RuleScriptMismatch) {
			continue
		}
		if u.li.simp >= 2 && u.li.trad == 0 && c.hasSpamTopic(u.li) {
			u.sigs = append(u.sigs, signal{rule: RuleScriptMismatch, points: c.rules.weight(RuleScriptMismatch),
				evidence: fmt.Sprintf("Simplified line (%d Simplified-only, 0 Traditional-only characters) in a Traditional page (%d:%d)",
					u.li.simp, trad, simp)})
		}
	}
	// 3. allowlist, scores, page context
	context := false
	for _, u := range all {
		if u.li == nil {
			continue
		}
		u.sigs = slices.DeleteFunc(u.sigs, func(s signal) bool { return c.allowed(s.rule, u.li) })
		if u.match != nil && c.allowed(u.match.rule, u.li) {
			u.match = nil
		}
		if len(u.sigs) == 0 {
			continue // (total and best stay zero: what score gives)
		}
		u.total, u.best = c.score(u.li, u.sigs)
		if u.total >= th.SpamScore {
			context = true
		}
	}
	// 4. spam decisions
	for _, u := range all {
		if u.li == nil || len(u.sigs) == 0 {
			continue
		}
		threshold := th.SpamScore
		if context && u.total < th.SpamScore && c.structural(u) {
			threshold = th.ContextScore
		}
		if u.total < threshold {
			continue
		}
		u.spam = true
		if u.field == record.FieldBody && c.trySpans(u, threshold) {
			continue
		}
		u.removed = &record.Removal{Text: u.text, Kind: record.KindSpam, Rule: u.best.rule, Scope: record.ScopeLine,
			Field: u.field, Reason: c.describe(u.li, u.total, threshold, u.sigs)}
	}
	// 5. link farms and link lists, over runs of link lines
	c.linkBlocks(body, context)
	c.linkBlocks(segs, context)
	// 6. ads and boilerplate
	for _, u := range all {
		if u.li == nil || u.removed != nil || u.spam {
			continue
		}
		c.applyLineRule(u)
	}
	// 7. spans: cut them, then judge what is left until nothing changes
	names := c.nameIndex(all)
	for _, u := range body {
		if u.li != nil && u.removed == nil {
			c.finalize(u, names)
		}
	}
	return c.assemble(titles, segs, body)
}

// off reports whether the ruleset disables rule.
func (c *Cleaner) off(rule string) bool {
	return len(c.rules.disabled) > 0 && c.rules.disabled[rule]
}

// isBlank reports whether s is empty or all white space
// (strings.TrimSpace(s) == "").
func isBlank(s string) bool {
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b != ' ' && (b < '\t' || b > '\r') {
				return false
			}
			i++
			continue
		}
		r, size := decodeRune(s, i)
		if !isSpace(r) {
			return false
		}
		i += size
	}
	return true
}

func (c *Cleaner) hasScored(li *lineInfo) bool {
	return li.mask&mScored != 0
}

// hasSpamTopic reports a porn term or a strong gambling or lottery term:
// the vocabulary that a script mismatch makes suspicious (计划 and 体育
// alone do not).
func (c *Cleaner) hasSpamTopic(li *lineInfo) bool {
	return li.mask&(1<<cPorn|1<<cPornWeak|1<<cGambling|1<<cGamblingBrand|1<<cLottery) != 0
}

// structural reports whether a line has evidence beyond vocabulary, or a
// strong vocabulary term: only such lines count from context_score.
func (c *Cleaner) structural(u *unit) bool {
	for _, s := range u.sigs {
		if !s.vocab && c.effective(u.li, s) > 0 {
			return true
		}
	}
	return u.li.mask&(1<<cPorn|1<<cGambling|1<<cGamblingBrand|1<<cLottery) != 0 && len(u.li.news) == 0
}

// allowed reports whether the allowlist exempts li from rule.
func (c *Cleaner) allowed(rule string, li *lineInfo) bool {
	if len(c.rules.allow) == 0 {
		return false
	}
	text := strings.TrimSpace(li.text)
	folded := strings.TrimSpace(li.fstr())
	for i, a := range c.rules.allow {
		if a.Rule != "*" && a.Rule != rule {
			continue
		}
		if a.Text != "" && (strings.TrimSpace(a.Text) == text || c.comp.allowFolded[i] == string(li.comp.runes) ||
			strings.TrimSpace(a.Text) == folded) {
			return true
		}
		if re := c.rules.allowRe[i]; re != nil && re.MatchString(li.fstr()) {
			return true
		}
	}
	return false
}

// trySpans removes only the spam spans of a prose body line when what
// is left is prose that scores below the threshold; it reports success.
func (c *Cleaner) trySpans(u *unit, threshold float64) bool {
	var cuts [][2]int
	for _, s := range u.sigs {
		if c.effective(u.li, s) > 0 && len(s.spans) == 0 && s.rule != RuleRepeat {
			// evidence that is not localized: vocabulary outside the spans
			// is checked on the remainder below
			if !(s.vocab && s.discount) {
				return false
			}
		}
		cuts = append(cuts, s.spans...)
	}
	if len(cuts) == 0 {
		return false
	}
	cuts = mergeSpans(cuts)
	rest := cutSpans(u.text, cuts)
	rli := c.analyze(rest)
	if rli.han < c.rules.thresholds.ProseMinHan || !rli.prose {
		return false
	}
	rt, _ := c.score(rli, c.spamSignals(rli))
	if rt >= threshold || rt >= c.rules.thresholds.ContextScore {
		return false
	}
	for _, cut := range cuts {
		rule := RuleSpanBrand
		for _, s := range u.sigs {
			for _, sp := range s.spans {
				if sp[0] < cut[1] && cut[0] < sp[1] && (s.rule == RuleHashBuster || s.rule == RuleTemplatePlaceholder) {
					rule = s.rule
				}
			}
		}
		if c.off(rule) {
			return false
		}
		u.spans = append(u.spans, span{start: cut[0], end: cut[1], kind: record.KindSpam, rule: rule,
			reason: c.describe(u.li, u.total, threshold, u.sigs) + "; the sentence around it is kept"})
	}
	return true
}

func mergeSpans(in [][2]int) [][2]int {
	s := slices.Clone(in)
	slices.SortFunc(s, func(a, b [2]int) int { return a[0] - b[0] })
	var out [][2]int
	for _, x := range s {
		if n := len(out); n > 0 && x[0] <= out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], x[1])
			continue
		}
		out = append(out, x)
	}
	return out
}

func cutSpans(text string, cuts [][2]int) string {
	var b strings.Builder
	prev := 0
	for _, c := range cuts {
		b.WriteString(text[prev:c[0]])
		prev = c[1]
	}
	b.WriteString(text[prev:])
	return b.String()
}

// finalize cuts the spam spans of a kept body line, then repeatedly
// judges what is left on its own: boilerplate at its end (（完）, a
// repeated signature, an editor credit) is cut as a span, and a rest that
// is itself boilerplate, an ad or spam is removed as a line. So cleaning
// the output again finds nothing more.
func (c *Cleaner) finalize(u *unit, names func(string) bool) {
	th := c.rules.thresholds
	orig := u.text
	cur := orig
	li := u.li
	if len(u.spans) > 0 {
		sp := slices.Clone(u.spans)
		slices.SortFunc(sp, func(a, b span) int { return a.start - b.start })
		cuts := make([][2]int, 0, len(sp))
		for _, s := range sp {
			u.cuts = append(u.cuts, record.Removal{Text: orig[s.start:s.end], Kind: s.kind, Rule: s.rule,
				Scope: record.ScopeSpan, Field: u.field, Reason: s.reason})
			cuts = append(cuts, [2]int{s.start, s.end})
		}
		cur = cutSpans(orig, mergeSpans(cuts))
		if sp[len(sp)-1].end >= len(strings.TrimRight(orig, " \t\u3000")) {
			cur = strings.TrimRight(cur, " \t\u3000")
		}
		li = nil
	}
	for iter := 0; iter < 8 && strings.TrimSpace(cur) != ""; iter++ {
		if li == nil {
			li = c.analyze(cur)
		}
		if tails := c.tailSpans(li, names); len(tails) > 0 {
			for _, s := range tails {
				u.cuts = append(u.cuts, record.Removal{Text: cur[s.start:s.end], Kind: s.kind, Rule: s.rule,
					Scope: record.ScopeSpan, Field: u.field, Reason: s.reason})
			}
			cur = strings.TrimRight(cur[:tails[len(tails)-1].start], " \t\u3000")
			li = nil
			continue
		}
		if cur == orig {
			break // nothing was cut: the line was judged as it is
		}
		var m *lineMatch
		if sigs := c.spamSignals(li); len(sigs) > 0 {
			if total, best := c.score(li, sigs); total >= th.SpamScore {
				m = &lineMatch{kind: record.KindSpam, rule: best.rule, reason: c.describe(li, total, th.SpamScore, sigs)}
			}
		}
		if m == nil {
			m = c.lineRule(li)
		}
		if m == nil || c.allowed(m.rule, li) {
			break
		}
		text := cur
		if !strings.Contains(orig, text) {
			text = orig // the rest is not contiguous in the input: name the whole line
		}
		u.cuts = append(u.cuts, record.Removal{Text: text, Kind: m.kind, Rule: m.rule, Scope: record.ScopeLine,
			Field: u.field, Reason: m.reason + " (what was left after the cuts above)"})
		cur = ""
	}
	u.kept = cur
}

// linkBlocks finds runs of link lines (bare URLs, HTML tags, short
// labels such as 相关推荐：) holding link_farm_min_urls URLs or more: a link
// farm (spam) on a page with spam or when the links carry spam, a link
// list (boilerplate) otherwise. Lines removed by other rules do not break
// a run, so cleaning the output again finds the same runs.
func (c *Cleaner) linkBlocks(units []*unit, context bool) {
	var block []*unit
	flush := func() {
		defer func() { block = block[:0] }()
		urls, lines, spammy := 0, 0, false
		for _, u := range block {
			urls += u.urls
			if u.urls > 0 {
				lines++
			}
			for _, s := range u.sigs {
				if s.rule == RuleSpamURL || s.rule == RuleContactObfuscation {
					spammy = true
				}
			}
		}
		if urls < c.rules.thresholds.LinkFarmMinURLs || lines == 0 {
			return
		}
		spam := (context || spammy) && !c.off(RuleLinkFarm)
		for _, u := range block {
			// a farm's anchor headings (相关推荐：) are part of it; other
			// labels (参考来源：) are left to the boilerplate rules
			label := u.urls == 0 && !htmlTagLine(u.li.ftrim())
			anchor := label && u.match != nil && u.match.rule == RuleRelatedList
			switch {
			case spam && label && !anchor:
				if u.removed == nil && u.match == nil && !c.off(RuleLinkList) && !c.allowed(RuleLinkList, u.li) {
					u.match = &lineMatch{kind: record.KindBoilerplate, rule: RuleLinkList,
						reason: fmt.Sprintf("label of a link farm of %d URLs", urls)}
				}
			case spam && (u.removed == nil || u.removed.Kind != record.KindSpam):
				if c.allowed(RuleLinkFarm, u.li) {
					continue
				}
				u.spam = true
				u.removed = &record.Removal{Text: u.text, Kind: record.KindSpam, Rule: RuleLinkFarm, Scope: record.ScopeLine,
					Field: u.field, Reason: fmt.Sprintf("link farm: run of %d link lines with %d URLs on a page with spam", len(block), urls)}
				if !context {
					u.removed.Reason = fmt.Sprintf("link farm: run of %d link lines with %d URLs, links on throw-away domains or naming spam", len(block), urls)
				}
			case !spam && u.removed == nil && !u.spam && !c.off(RuleLinkList) && !c.allowed(RuleLinkList, u.li):
				u.match = &lineMatch{kind: record.KindBoilerplate, rule: RuleLinkList,
					reason: fmt.Sprintf("list of links: run of %d link lines with %d URLs", len(block), urls)}
			}
		}
	}
	var role Role
	for _, u := range units {
		if u.li == nil {
			if u.plain {
				// what its analysis would give: no link line, nothing
				// matched, so it ends a run
				if u.role != role {
					flush()
					role = u.role
				}
				flush()
			}
			continue
		}
		if u.role != role {
			flush()
			role = u.role
		}
		c.linkInfo(u)
		switch {
		case u.linkish:
			block = append(block, u)
		case u.removed != nil || u.spam || u.match != nil:
			// transparent
		default:
			flush()
		}
	}
	flush()
}

// linkInfo marks link lines and counts their URLs.
func (c *Cleaner) linkInfo(u *unit) {
	u.urls = len(c.urls(u.li))
	// the tests below look for http, www or < at the start, a colon at
	// the end, or URLs: without them the trimmed text is not spelled
	first, last := u.li.ends()
	if u.urls == 0 && first != 'h' && first != 'w' && first != '<' && last != ':' && last != '：' {
		return
	}
	t := u.li.ftrim()
	switch {
	case urlishLine(t) || htmlTagLine(t):
		u.linkish = true
	case labelOnlyLine(t) && utf8.RuneCountInString(t) <= 10:
		u.linkish = true
	case u.urls > 0:
		rest := t
		if mayHaveURL(rest) {
			rest = replaceMatches(rest, findURLMatches(rest), "")
		}
		if c.comp.mayHaveDomain(rest) {
			rest = replaceMatches(rest, c.comp.findDomainMatches(rest), "")
		}
		n := 0
		for _, r := range rest {
			if isHan(r) || isASCIIAlnum(r) {
				n++
			}
		}
		u.linkish = n <= 12
	}
}

// applyLineRule records the ad/boilerplate match of a line where its role
// allows it.
func (c *Cleaner) applyLineRule(u *unit) {
	m := u.match
	switch {
	case u.field == record.FieldTitle || u.role == RoleTitle:
		if m != nil && m.kind != record.KindAd {
			m = nil
		}
	case u.role == RoleChrome || u.role == RoleHidden:
		m = nil
	case u.role == RoleBreadcrumb:
		if m == nil || m.rule != RuleBreadcrumb {
			m = &lineMatch{kind: record.KindBoilerplate, rule: RuleBreadcrumb, reason: "breadcrumb segment"}
		}
	case u.role == RolePreamble && m == nil && !c.off(RuleOutsideArticle):
		m = &lineMatch{kind: record.KindBoilerplate, rule: RuleOutsideArticle,
			reason: "text above the headline inside the article region"}
	}
	if m == nil {
		return
	}
	u.removed = &record.Removal{Text: u.text, Kind: m.kind, Rule: m.rule, Scope: record.ScopeLine, Field: u.field, Reason: m.reason}
}

// nameIndex answers whether a name occurs in a byline or credit line of
// the document (a line with 作者, 记者, 编辑 …). The lines are gathered
// on the first question (most pages end no paragraph with a signature).
func (c *Cleaner) nameIndex(all []*unit) func(string) bool {
	var hay string
	done := false
	return func(name string) bool {
		if !done {
			var b strings.Builder
			for _, u := range all {
				if u.li != nil && (u.li.has(cByline) || u.li.has(cEditor)) {
					b.WriteString(u.li.fstr())
					b.WriteByte('\n')
				}
			}
			hay, done = b.String(), true
		}
		return strings.Contains(hay, name)
	}
}

// assemble builds the result: the title, the kept body, the removals in
// page order and the verdict.
func (c *Cleaner) assemble(titles, segs, body []*unit) Result {
	res := Result{Removed: []record.Removal{}} // (Body: the kept lines, below)
	type key struct{ text, kind string }
	titleRemoved := map[key]int{} // removed title candidates not yet matched by a line
	titleSpam := false
	for _, u := range titles {
		if u.removed != nil {
			titleRemoved[key{strings.TrimSpace(u.text), u.removed.Kind}]++
			titleSpam = titleSpam || u.spam
			continue
		}
		if res.Title == "" && strings.TrimSpace(u.text) != "" {
			res.Title = u.text
		}
	}
	// the kept text of every body line, before the page is judged
	kept := make([]string, len(body))
	keep := make([]bool, len(body))
	for i, u := range body {
		switch {
		case u.removed != nil:
		case u.li == nil:
			kept[i], keep[i] = u.text, true
		case len(u.cuts) > 0 && strings.TrimSpace(u.kept) == "":
		default:
			kept[i], keep[i] = u.kept, true
		}
	}
	page := c.judgePage(titles, segs, body, kept, keep, res.Title == "" && titleSpam)
	for _, u := range titles {
		if u.removed != nil {
			res.Removed = append(res.Removed, *u.removed)
		}
	}
	record1 := func(u *unit) {
		if u.removed == nil {
			return
		}
		if k := (key{strings.TrimSpace(u.text), u.removed.Kind}); titleRemoved[k] > 0 {
			titleRemoved[k]-- // the same line as a removed title candidate: recorded once
			return
		}
		res.Removed = append(res.Removed, *u.removed)
	}
	for _, u := range segs {
		if u.role != RoleTrailer {
			record1(u)
		}
	}
	res.Body = kept[:0] // (the kept lines, compacted in place)
	for i, u := range body {
		if u.removed != nil {
			record1(u)
			continue
		}
		if u.li != nil {
			res.Removed = append(res.Removed, u.cuts...)
		}
		if !keep[i] {
			continue
		}
		if r := page.promo[i]; r != nil {
			res.Removed = append(res.Removed, *r)
			continue
		}
		res.Body = append(res.Body, kept[i])
	}
	for _, u := range segs {
		if u.role == RoleTrailer {
			record1(u)
		}
	}
	switch {
	case page.spam:
		res.Verdict = record.VerdictSpamPage
		res.PageReason = page.reason
	case len(res.Removed) > 0:
		res.Verdict = record.VerdictCleaned
	default:
		res.Verdict = record.VerdictClean
	}
	return res
}

// pageJudgement is the page-level decision.
type pageJudgement struct {
	spam   bool
	reason string
	promo  map[int]*record.Removal // body index -> removal of a promotional line on a spam page
}

// judgePage decides whether the page is spam as a whole. Two ways:
//
//   - many promotional spam lines: at least spam_page_min_lines, or at
//     least three making up spam_page_share of the lines, or a spam title
//     over a body with next to no text left;
//   - page points (weights page.*) reaching spam_page_score: what is
//     left dominated by gambling promotion (page.promo_residual: at least
//     promo_min_lines kept lines, promo_share of them, each with
//     promo_line_score promo points and no news-context word), spam
//     removed from the title or body (page.spam_evidence), no clean title
//     candidate left (page.no_clean_title), spam removals covering
//     spam_page_text_share of the title and body text (page.spam_share).
//
// On a spam page the promotional kept lines are removed too
// (spam.promo_page); the other lines stay in the body.
func (c *Cleaner) judgePage(titles, segs, body []*unit, kept []string, keep []bool, noTitle bool) pageJudgement {
	th := c.rules.thresholds
	promoLines := map[string]bool{}
	judged := func(u *unit) bool { return u.li != nil && u.role != RoleChrome && u.role != RoleHidden }
	for _, u := range slices.Concat(titles, segs, body) {
		if judged(u) && u.spam && u.removed != nil && promoRule(u.removed.Rule) {
			promoLines[strings.TrimSpace(u.text)] = true
		}
	}
	// the distinct judged lines, counted only when the share can decide
	nLines := func() int {
		lines := map[string]bool{}
		for _, u := range slices.Concat(titles, segs, body) {
			if judged(u) {
				lines[strings.TrimSpace(u.text)] = true
			}
		}
		return len(lines)
	}
	keptHan := 0
	for i, u := range body {
		if keep[i] && u.li != nil {
			keptHan += u.li.han
		}
	}
	var pj pageJudgement
	titleSpam := false
	for _, u := range titles {
		titleSpam = titleSpam || (u.spam && u.removed != nil)
	}
	switch {
	case len(promoLines) >= th.SpamPageMinLines:
		pj.spam, pj.reason = true, fmt.Sprintf("%d promotional spam lines (>= %d)", len(promoLines), th.SpamPageMinLines)
	case len(promoLines) >= 3 && float64(len(promoLines)) >= th.SpamPageShare*float64(nLines()):
		pj.spam, pj.reason = true, fmt.Sprintf("%d of %d lines are promotional spam (>= %g)", len(promoLines), nLines(), th.SpamPageShare)
	case titleSpam && keptHan < th.ProseMinHan:
		pj.spam, pj.reason = true, fmt.Sprintf("spam title over a body with %d Han characters left (< %d)", keptHan, th.ProseMinHan)
	}
	// page points
	var pts float64
	var ev []string
	if w := c.rules.weight(PageSpamEvidence); w > 0 {
		for _, u := range slices.Concat(titles, body) {
			spam := u.removed != nil && u.removed.Kind == record.KindSpam
			for _, cut := range u.cuts {
				spam = spam || cut.Kind == record.KindSpam
			}
			if spam {
				pts += w
				ev = append(ev, fmt.Sprintf("%s +%g: spam removed from the %s", PageSpamEvidence, w, u.field))
				break
			}
		}
	}
	if noTitle {
		if w := c.rules.weight(PageNoCleanTitle); w > 0 {
			pts += w
			ev = append(ev, fmt.Sprintf("%s +%g: every title candidate is spam", PageNoCleanTitle, w))
		}
	}
	if w := c.rules.weight(PageSpamShare); w > 0 && (th.SpamPageTextShare <= 0 || anySpam(titles, body)) {
		// (with no spam removed the share is 0: below any positive threshold)
		removed, total := spamTextShare(titles, body)
		if total > 0 && float64(removed) >= th.SpamPageTextShare*float64(total) {
			pts += w
			ev = append(ev, fmt.Sprintf("%s +%g: spam removals cover %d of %d title and body characters (>= %g)",
				PageSpamShare, w, removed, total, th.SpamPageTextShare))
		}
	}
	// promotional kept lines: looked at only when they can decide
	w := c.rules.weight(PagePromoResidual)
	var promo map[int]string
	if pj.spam || pts >= th.SpamPageScore || (w > 0 && pts+w >= th.SpamPageScore) {
		promo = map[int]string{}
		n := 0
		for i, u := range body {
			if !keep[i] || strings.TrimSpace(kept[i]) == "" {
				continue
			}
			n++
			li := u.li
			if li == nil || kept[i] != u.text {
				li = c.analyze(kept[i])
			}
			if p, terms := c.promoPoints(li); p >= th.PromoLineScore {
				promo[i] = fmt.Sprintf("gambling-promotion line (%s, %g promo points >= %g)", terms, p, th.PromoLineScore)
			}
		}
		if !pj.spam && w > 0 && len(promo) >= th.PromoMinLines && float64(len(promo)) >= th.PromoShare*float64(n) {
			pts += w
			ev = append(ev, fmt.Sprintf("%s +%g: %d of %d kept lines are gambling promotion (>= %d lines, >= %g)",
				PagePromoResidual, w, len(promo), n, th.PromoMinLines, th.PromoShare))
		}
	}
	if !pj.spam && pts >= th.SpamPageScore {
		pj.spam = true
		pj.reason = fmt.Sprintf("page score %g >= %g; %s", pts, th.SpamPageScore, strings.Join(ev, "; "))
	}
	if !pj.spam || c.off(RulePromoPage) {
		return pj
	}
	pj.promo = map[int]*record.Removal{}
	for i, why := range promo {
		u := body[i]
		text := kept[i]
		if !strings.Contains(u.text, text) {
			text = u.text
		}
		li := u.li
		if li == nil || kept[i] != u.text {
			li = c.analyze(kept[i])
		}
		if c.allowed(RulePromoPage, li) {
			continue
		}
		reason := why + " on a page that is spam as a whole: " + pj.reason
		if kept[i] != u.text {
			reason += " (what was left after the cuts above)"
		}
		pj.promo[i] = &record.Removal{Text: text, Kind: record.KindSpam, Rule: RulePromoPage, Scope: record.ScopeLine,
			Field: u.field, Reason: reason}
	}
	return pj
}

// anySpam reports a spam removal, of a line or a span, in units.
func anySpam(groups ...[]*unit) bool {
	for _, units := range groups {
		for _, u := range units {
			if u.removed != nil && u.removed.Kind == record.KindSpam {
				return true
			}
			for _, cut := range u.cuts {
				if cut.Kind == record.KindSpam {
					return true
				}
			}
		}
	}
	return false
}

// spamTextShare counts the Han and ASCII letters and digits of the title
// candidates (each distinct text once) and body lines, and how many of
// them spam removals took.
func spamTextShare(titles, body []*unit) (removed, total int) {
	seen := map[string]bool{}
	for _, u := range titles {
		t := strings.TrimSpace(u.text)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		n := textRunes(t)
		total += n
		if u.removed != nil && u.removed.Kind == record.KindSpam {
			removed += n
		}
	}
	for _, u := range body {
		n := textRunes(u.text)
		total += n
		switch {
		case u.removed != nil:
			if u.removed.Kind == record.KindSpam {
				removed += n
			}
		default:
			for _, cut := range u.cuts {
				if cut.Kind == record.KindSpam {
					removed += textRunes(cut.Text)
				}
			}
		}
	}
	return min(removed, total), total
}

// textRunes counts Han characters and ASCII letters and digits.
func textRunes(s string) int {
	n := 0
	for _, r := range s {
		if isHan(r) || isASCIIAlnum(r) {
			n++
		}
	}
	return n
}

// promoPoints scores the gambling-promotion vocabulary of a line: promo
// terms at vocab.promo, weak ones at vocab.promo_weak, each distinct term
// once and none inside a longer one (代理 in 代理加盟); nothing in a line
// with news-context words (a report or a fraud warning quotes these
// pitches).
func (c *Cleaner) promoPoints(li *lineInfo) (float64, string) {
	if len(li.news) > 0 {
		return 0, ""
	}
	var promo []hit
	for _, h := range li.hits {
		if h.is(cPromo) || h.is(cPromoWeak) {
			promo = append(promo, h)
		}
	}
	var pts float64
	var ev []string
	seen := map[string]bool{}
	for _, h := range promo {
		inside := false
		for _, o := range promo {
			if o.start <= h.start && h.end <= o.end && o.end-o.start > h.end-h.start {
				inside = true
				break
			}
		}
		t := c.comp.m.terms[h.term].text
		if inside || seen[t] {
			continue
		}
		seen[t] = true
		w := c.rules.weight("vocab." + catPromoWeak)
		if h.is(cPromo) {
			w = c.rules.weight("vocab." + catPromo)
		}
		if w > 0 {
			pts += w
			ev = append(ev, fmt.Sprintf("%s %g", t, w))
		}
	}
	return pts, strings.Join(ev, ", ")
}

// promoRule reports whether a rule finds promotional spam (as opposed to
// link farms and template debris) — what makes a spam page.
func promoRule(rule string) bool {
	switch rule {
	case RuleKeywordChain, RuleKeywordStuffing, RuleGamblingBrand, RuleUnknownBrand, RuleLotteryJargon,
		RuleContactObfuscation, RuleUnicodeEvasion, RuleKeywordLine, RuleScriptMismatch, RuleSpamURL:
		return true
	}
	return false
}
