package hygiene

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzClean checks that Clean never panics, returns valid UTF-8, removes
// only text that was in the (repaired) input, and is idempotent on its
// own output. The input is split into lines: the first is a title
// candidate, lines starting with "#" are chrome segments, "~" preamble,
// the rest body.
func FuzzClean(f *testing.F) {
	seeds := []string{
		seedSpam + "\n标题\n正文第一段，内容正常。",
		"摩天娱乐官网登录【Q-——123457——】\n\n正文\n相关推荐：\nhttps://x.cc/a\n<img src=\"https://y.cc/b.png\" />\nhttps://x.cc/%E5%8D%9A%E5%BD%A9",
		"✅【网: 𝐀𝐁𝟔𝟔.𝐕𝐈𝐏 】\n【快三计划】【导师带玩】【亏损包赔】\n{关键词}\n囍潾朤WO00珩淼",
		"记者从市文旅局获悉，开云体育官网入口今年国庆假期全市接待游客超过三百万人次。霩鼟龘靐齉",
		"#新闻 体育 彩票\n~网站首页\n首页 > 新闻 > 正文\n分享到：微信 微博\n正文（完）（完）\n（李明 王刚）\n作者：李明 王刚",
		"\xff\xfe\x00_|_|{[%@@x@@",
		"博 彩 网 站 大 全\n威信：1 5 8 8 6 6 6 9 9 1\nwww點abc123點com",
		"标题\n据统计美高梅注册，香港已成为我市最大的外资来源地。\n美 高 梅 官 网\n银河娱乐注册㐱㐱\n截至目前鑫盛娱乐注册，全市已建成充电桩。",
		"天天彩票计划_极速快三人工计划_亏损包赔\n新会员首存300送300，仅需十倍流水即可提款，三分钟极速到账。\n专业导师一对一带单，跟单稳定盈利。\n诚招代理：佣金比例最高百分之六十，月入过万。",
		"据美高梅官网，公司入住率九成。\n平台以“注册即送”“首存返水”为噱头。\n太 阳 城 代 理这次获得\n凯旋国际官网欢迎您",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	c := defaultCleaner(f)
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 1<<14 {
			return
		}
		var doc Document
		for i, l := range strings.Split(in, "\n") {
			switch {
			case i == 0:
				doc.TitleCandidates = append(doc.TitleCandidates, l)
			case strings.HasPrefix(l, "#"):
				doc.Segments = append(doc.Segments, Segment{Text: l[1:], Role: RoleChrome})
			case strings.HasPrefix(l, "~"):
				doc.Segments = append(doc.Segments, Segment{Text: l[1:], Role: RolePreamble})
			default:
				doc.Body = append(doc.Body, l)
			}
		}
		res := c.Clean(doc)
		repaired := strings.ToValidUTF8(in, "\uFFFD")
		if !utf8.ValidString(res.Title) {
			t.Fatalf("title not UTF-8: %q", res.Title)
		}
		for _, b := range res.Body {
			if !utf8.ValidString(b) {
				t.Fatalf("body not UTF-8: %q", b)
			}
		}
		for _, r := range res.Removed {
			if !utf8.ValidString(r.Text) || !utf8.ValidString(r.Reason) {
				t.Fatalf("removal not UTF-8: %+v", r)
			}
			if r.Text == "" || !strings.Contains(repaired, r.Text) {
				t.Fatalf("removal text %q not in the input", r.Text)
			}
			if r.Rule == "" || r.Kind == "" || r.Scope == "" || r.Field == "" || r.Reason == "" {
				t.Fatalf("incomplete removal %+v", r)
			}
		}
		again := c.Clean(Document{TitleCandidates: nonEmpty(res.Title), Body: res.Body})
		if len(again.Removed) != 0 {
			t.Fatalf("not idempotent on %q: second pass removed %+v (kept body %q)", in, again.Removed, res.Body)
		}
	})
}
