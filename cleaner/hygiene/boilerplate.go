package hygiene

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"winnow/sink/record"
)

// lineMatch is an ad or boilerplate rule that matched a whole line.
type lineMatch struct {
	kind, rule, reason string
}

// lineRule returns the first ad or boilerplate rule matching the whole
// line, or nil. Which roles may record it is decided by the caller.
func (c *Cleaner) lineRule(li *lineInfo) *lineMatch {
	th := c.rules.thresholds
	runes := li.trimmedRunes()
	bp := func(rule, format string, args ...any) *lineMatch {
		return &lineMatch{kind: record.KindBoilerplate, rule: rule, reason: fmt.Sprintf(format, args...)}
	}
	ad := func(rule, format string, args ...any) *lineMatch {
		return &lineMatch{kind: record.KindAd, rule: rule, reason: fmt.Sprintf(format, args...)}
	}
	on := func(rule string) bool { return !c.off(rule) }

	if on(RuleKeywordLabel) && runes <= 3*th.ShortLine {
		if c.keywordTag(li) {
			return bp(RuleKeywordLabel, "keyword/tag line")
		}
		for _, k := range li.cat(cKeywordLabel) {
			if trim := li.ftrim(); trim == k || strings.TrimRight(trim, ":：") == k {
				return bp(RuleKeywordLabel, "keyword/tag heading %q", k)
			}
		}
	}
	if on(RuleBreadcrumb) && runes <= 3*th.ShortLine && li.breadSep {
		if r := c.breadcrumb(li); r != "" {
			return bp(RuleBreadcrumb, "%s", r)
		}
	}
	if on(RuleRelatedList) && runes <= 16 && c.relatedLine(li) {
		return bp(RuleRelatedList, "related-links heading %q", li.ftrim())
	}
	if on(RuleShareBar) && runes <= th.ShortLine+20 {
		if r := c.shareBar(li); r != "" {
			return bp(RuleShareBar, "%s", r)
		}
	}
	if on(RuleCopyright) && runes <= 4*th.ShortLine {
		if t := li.cat(cCopyright); len(t) > 0 {
			lead := strings.TrimLeft(li.ftrim(), "【[(（ ")
			startsWith := false
			for _, x := range t {
				startsWith = startsWith || strings.HasPrefix(lead, x)
			}
			if !li.prose || startsWith || !li.fullStop {
				return bp(RuleCopyright, "copyright/legal line (%s)", strings.Join(t, " "))
			}
		}
	}
	if on(RuleEditorLine) && runes <= th.ShortLine+20 && c.editorLine(li) {
		return bp(RuleEditorLine, "editor credit line")
	}
	if on(RuleEndMark) && runes <= 12 && c.endMarkLine(li) {
		return bp(RuleEndMark, "end-of-article mark %q", li.ftrim())
	}
	if on(RuleAppPromo) {
		if r := c.appPromo(li, runes); r != "" {
			return ad(RuleAppPromo, "%s", r)
		}
	}
	if on(RuleQRPrompt) && runes <= 2*th.ShortLine && !li.fullStop {
		if q, a := li.cat(cQR), li.cat(cQRAction); len(q) > 0 && len(a) > 0 {
			return ad(RuleQRPrompt, "QR-code prompt (%s + %s)", strings.Join(q, " "), strings.Join(a, " "))
		}
	}
	if on(RuleTemplateLeak) && (li.hasByte('{') || li.hasByte('@') || li.hasByte('%')) && mayCodeTemplate(li.fold.runes) {
		if _, code, names := c.placeholders(li); len(code) > 0 {
			covered := 0
			for _, m := range code {
				covered += utf8.RuneCountInString(li.fstr()[m[0]:m[1]])
			}
			if covered*2 >= li.nonSpace {
				return bp(RuleTemplateLeak, "unfilled code template fields %s", strings.Join(names, " "))
			}
		}
	}
	return nil
}

// breadcrumb recognizes 首页 > 新闻 > 正文 lines.
func (c *Cleaner) breadcrumb(li *lineInfo) string {
	s := strings.TrimSpace(li.fstr())
	for _, h := range c.rules.vocab[catBreadcrumbHead] {
		if rest, ok := strings.CutPrefix(s, h); ok {
			rest = strings.TrimLeft(rest, " :：")
			if rest != s && (strings.HasPrefix(h, "当前") || strings.HasPrefix(h, "您") || strings.HasPrefix(h, "你") || strings.HasPrefix(h, "所在")) {
				s = rest
			}
		}
	}
	parts := reBreadSep.Split(s, -1)
	if len(parts) < 2 {
		return ""
	}
	for _, p := range parts[:len(parts)-1] {
		n := utf8.RuneCountInString(strings.TrimSpace(p))
		if n == 0 || n > 16 {
			return ""
		}
	}
	last := strings.TrimSpace(parts[len(parts)-1])
	if utf8.RuneCountInString(last) > 16 {
		return ""
	}
	first := strings.TrimSpace(parts[0])
	head := false
	for _, h := range c.rules.vocab[catBreadcrumbHead] {
		head = head || strings.HasSuffix(first, h) || first == h
	}
	switch {
	case len(parts) >= 3 && last != "":
		return fmt.Sprintf("breadcrumb of %d levels", len(parts))
	case len(parts) >= 3 && last == "" && len(parts) >= 4:
		return fmt.Sprintf("breadcrumb of %d levels", len(parts)-1)
	case last == "正文" || head && last != "":
		return fmt.Sprintf("breadcrumb %q", strings.TrimSpace(li.text))
	}
	return ""
}

// shareBar recognizes 分享到：微信 微博 QQ空间 and 【打印】【关闭】 bars.
func (c *Cleaner) shareBar(li *lineInfo) string {
	terms := li.cat(cShareBar)
	if len(terms) == 0 {
		return ""
	}
	covered := make([]bool, len(li.comp.runes))
	letters := 0
	for i, r := range li.comp.runes {
		if isHan(r) || isASCIIAlnum(r) {
			letters++
		} else {
			covered[i] = true
		}
	}
	for _, h := range li.hits {
		if h.is(cShareBar) {
			for k := h.start; k < h.end; k++ {
				covered[k] = true
			}
		}
	}
	// digits (share counts) are part of the bar
	cov := 0
	for i, r := range li.comp.runes {
		if (isHan(r) || isASCIIAlnum(r)) && (covered[i] || r >= '0' && r <= '9') {
			cov++
		}
	}
	if letters == 0 || cov*10 < letters*8 {
		return ""
	}
	verb := false
	for _, t := range terms {
		switch t {
		case "分享到", "分享至", "分享", "打印", "关闭", "关闭窗口", "打印本页", "收藏", "放大字体", "缩小字体", "字体", "复制链接", "返回顶部":
			verb = true
		}
	}
	if !verb && len(terms) < 3 {
		return ""
	}
	return fmt.Sprintf("share/print bar (%s)", strings.Join(terms, " "))
}

// appPromo recognizes app download promos: 梧州零距離APP梧州零距離,
// 下载客户端, 新浪财经APP. Without an action word, a bare app name is a
// promo only with a Chinese name (not ECG app).
func (c *Cleaner) appPromo(li *lineInfo, runes int) string {
	if runes > c.rules.thresholds.ShortLine || li.fullStop {
		return ""
	}
	apps := li.cat(cAppPromo)
	if len(apps) == 0 {
		return ""
	}
	acts := li.cat(cAppAction)
	if len(acts) > 0 && (li.han < 24 || !li.prose) {
		return fmt.Sprintf("app promo (%s + %s)", strings.Join(apps, " "), strings.Join(acts, " "))
	}
	s := string(li.comp.runes)
	for _, a := range []string{"app", "客户端"} {
		i := strings.Index(s, a)
		if i < 0 {
			continue
		}
		before, after := s[:i], s[i+len(a):]
		switch {
		case after == "" && utf8.RuneCountInString(before) <= 12 && (a != "app" || strings.ContainsFunc(before, isHan)):
			// a Chinese name + APP (晨报APP) is a promo; a Latin name
			// + app (ECG app, Vivy-App) names an app in an article
			return fmt.Sprintf("app name %q", strings.TrimSpace(li.text))
		case before != "" && before == after:
			return fmt.Sprintf("app banner %q", strings.TrimSpace(li.text))
		case before != "" && strings.HasPrefix(after, before):
			return fmt.Sprintf("app banner %q", strings.TrimSpace(li.text))
		}
	}
	return ""
}

// span is a piece removed from inside a kept line.
type span struct {
	start, end int // bytes of the line
	kind, rule string
	reason     string
}

// tailSpans finds boilerplate at the end of a kept paragraph: （完）,
// （责任编辑：X）, and a repeated author signature (张三 李四) whose names
// appear elsewhere in the document.
func (c *Cleaner) tailSpans(li *lineInfo, names func(string) bool) []span {
	var out []span
	text := li.text
	for iter := 0; iter < 6; iter++ {
		if li == nil {
			li = c.analyze(text)
		}
		if !mayEndWithMark(li.lastRune()) {
			break
		}
		t := strings.TrimRight(li.fstr(), " \t\u3000")
		// the marks are short: look at the last 160 bytes only
		base := 0
		if len(t) > 160 {
			base = len(t) - 160
			for base < len(t) && !utf8.RuneStart(t[base]) {
				base++
			}
		}
		tail := t[base:]
		var s *span
		if m := c.endTail(li, t); m != nil && !c.off(RuleEndMark) && m[0] > 0 {
			// the whole run of marks at once: （完）（完）
			a, b := li.fstrSpan(m[0], m[1])
			s = &span{a, b, record.KindBoilerplate, RuleEndMark, "end-of-article mark"}
		} else if m := c.editorTail(li, tail); m != nil && !c.off(RuleEditorLine) && base+m[0] > 0 {
			a, b := li.fstrSpan(base+m[0], base+m[1])
			s = &span{a, b, record.KindBoilerplate, RuleEditorLine, "editor credit at the end of a paragraph"}
		} else if m := c.comp.signature.FindStringSubmatchIndex(tail); m != nil && !c.off(RuleSignatureRepeat) && base+m[0] > 0 && names != nil {
			list := strings.FieldsFunc(tail[m[2]:m[3]], func(r rune) bool { return r == ' ' || r == '、' || r == ',' || r == '，' || r == '\u3000' })
			all := len(list) > 0
			for _, n := range list {
				all = all && names(n)
			}
			if all {
				a, b := li.fstrSpan(base+m[0], base+m[1])
				s = &span{a, b, record.KindBoilerplate, RuleSignatureRepeat,
					fmt.Sprintf("author signature repeating the byline (%s)", strings.Join(list, " "))}
			}
		}
		if s == nil {
			break
		}
		out = append(out, *s)
		text = strings.TrimRight(text[:s.start], " \t\u3000")
		if strings.TrimSpace(text) == "" {
			break
		}
		li = nil
	}
	return out
}

// mayEndWithMark is a cheap test before the end-of-paragraph regexps,
// given the last rune of the folded text without trailing blanks
// (lastRune).
func mayEndWithMark(r rune) bool {
	switch r {
	case '）', ')', '】', ']', '-', '—', '–', '完', 'd':
		return true
	}
	return false
}
