package hygiene

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"winnow/sink/record"
)

func readGolden(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "golden", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// promoBody is the gambling-promotion text of testdata/golden/promo_page.txt
// without its title and brand line: what is left of a spam page once the
// line rules have cut what they recognize.
func promoBody(t *testing.T) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(readGolden(t, "promo_page.txt")), "\n")
	return lines[2:]
}

// TestPageJudgement checks the page-level decision in both scripts: a
// page whose kept text is gambling promotion is spam_page once it also
// carries spam evidence; promotion alone, or spam evidence alone (an
// injected genuine article), is not.
func TestPageJudgement(t *testing.T) {
	c := defaultCleaner(t)
	p := parts(t)
	host := hostDoc(t, nil)
	tests := []struct {
		name       string
		doc        Document
		verdict    string
		promoLines int      // spam.promo_page removals
		reason     []string // page reason parts
	}{
		{"spam title over promotion", Document{TitleCandidates: []string{"天天彩票计划_极速快三人工计划_亏损包赔"}, Body: promoBody(t)},
			record.VerdictSpamPage, 5, []string{PagePromoResidual, PageSpamEvidence, PageNoCleanTitle}},
		{"clean title, a spam line and promotion",
			Document{TitleCandidates: []string{"2026年最新活动公告"}, Body: append([]string{"鑫盛娱乐官网开户"}, promoBody(t)...)},
			record.VerdictSpamPage, 5, []string{PagePromoResidual, PageSpamEvidence}},
		{"promotion alone", Document{TitleCandidates: []string{"2026年最新活动公告"}, Body: promoBody(t)[1:]},
			record.VerdictClean, 0, nil},
		{"spam title and spam lines over a genuine article",
			Document{TitleCandidates: []string{seedSpam}, Body: append([]string{seedSpam, "鑫盛娱乐官网开户", "本文关键词：澳门新葡京，百家乐技巧，网上赌博平台"}, host.Body...)},
			record.VerdictCleaned, 0, nil},
		{"crackdown report", textDoc(readGolden(t, "trap_crackdown.txt")), record.VerdictClean, 0, nil},
		{"fraud warning", textDoc(readGolden(t, "trap_fraud.txt")), record.VerdictClean, 0, nil},
		{"lottery results", textDoc(readGolden(t, "trap_lottery.txt")), record.VerdictClean, 0, nil},
		{"fraud warning with an injected chain on top",
			Document{TitleCandidates: []string{"警惕网络赌博诈骗新花样"}, Body: append([]string{seedSpam}, textDoc(readGolden(t, "trap_fraud.txt")).Body...)},
			record.VerdictCleaned, 0, nil},
	}
	for _, sc := range []struct {
		name string
		conv func(string) string
	}{{"hans", func(s string) string { return s }}, {"hant", p.s2t.Convert}} {
		for _, tt := range tests {
			t.Run(sc.name+"/"+tt.name, func(t *testing.T) {
				doc := Document{}
				for _, s := range tt.doc.TitleCandidates {
					doc.TitleCandidates = append(doc.TitleCandidates, sc.conv(s))
				}
				for _, s := range tt.doc.Body {
					doc.Body = append(doc.Body, sc.conv(s))
				}
				res := c.Clean(doc)
				checkInvariants(t, c, res)
				checkRecord(t, c, res)
				if res.Verdict != tt.verdict {
					t.Fatalf("verdict %q, want %q (%s); removed %+v", res.Verdict, tt.verdict, res.PageReason, briefs(res.Removed))
				}
				n := 0
				for _, r := range res.Removed {
					if r.Rule != RulePromoPage {
						continue
					}
					n++
					if r.Kind != record.KindSpam || r.Scope != record.ScopeLine || !strings.Contains(r.Reason, res.PageReason) {
						t.Errorf("promo removal %+v", r)
					}
					for _, b := range res.Body {
						if strings.Contains(b, r.Text) {
							t.Errorf("removed promo line still in the body: %q", r.Text)
						}
					}
				}
				if n != tt.promoLines {
					t.Errorf("%d promo-line removals, want %d: %+v", n, tt.promoLines, briefs(res.Removed))
				}
				for _, part := range tt.reason {
					if !strings.Contains(res.PageReason, part) {
						t.Errorf("page reason %q lacks %s", res.PageReason, part)
					}
				}
				if tt.verdict != record.VerdictSpamPage && res.PageReason != "" {
					t.Errorf("page reason %q on a %s page", res.PageReason, res.Verdict)
				}
				if strings.HasPrefix(tt.name, "crackdown") || strings.HasPrefix(tt.name, "fraud warning") || strings.HasPrefix(tt.name, "lottery") {
					// traps: the body is kept whole
					var want []string
					for _, l := range doc.Body {
						if strings.TrimSpace(l) != "" && l != sc.conv(seedSpam) {
							want = append(want, l)
						}
					}
					var got []string
					for _, l := range res.Body {
						if strings.TrimSpace(l) != "" {
							got = append(got, l)
						}
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("trap body damaged (-want +got):\n%s", diff)
					}
				}
			})
		}
	}
}

// TestPageJudgementRules checks that the page decision follows the
// ruleset: weights, thresholds and the spam.promo_page switch.
func TestPageJudgementRules(t *testing.T) {
	doc := Document{TitleCandidates: []string{"天天彩票计划_极速快三人工计划_亏损包赔"}, Body: promoBody(t)}
	tests := []struct {
		name, yaml string
		verdict    string
		promoLines int
	}{
		{"default", "", record.VerdictSpamPage, 5},
		{"no residue points", "weights:\n  page.promo_residual: 0\n", record.VerdictCleaned, 0},
		{"promo lines kept", "disable: [spam.promo_page]\n", record.VerdictSpamPage, 0},
		{"stricter share", "thresholds:\n  promo_share: 0.95\n", record.VerdictCleaned, 0},
		{"weak promo terms count more", "weights:\n  vocab.promo_weak: 2\n", record.VerdictSpamPage, 6},
		{"no line is promotion", "thresholds:\n  promo_line_score: 100\n", record.VerdictCleaned, 0},
		{"title alone decides", "weights:\n  page.no_clean_title: 4\n  page.promo_residual: 0\n", record.VerdictSpamPage, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var paths []string
			if tt.yaml != "" {
				paths = append(paths, writeFile(t, "page.yaml", "name: page\nversion: \"1\"\n"+tt.yaml))
			}
			rs, err := LoadRules(paths...)
			if err != nil {
				t.Fatal(err)
			}
			c := newCleaner(t, rs)
			res := c.Clean(doc)
			checkInvariants(t, c, res)
			n := 0
			for _, r := range res.Removed {
				if r.Rule == RulePromoPage {
					n++
				}
			}
			if res.Verdict != tt.verdict || n != tt.promoLines {
				t.Errorf("verdict %q with %d promo-line removals, want %q with %d (%s)", res.Verdict, n, tt.verdict, tt.promoLines, res.PageReason)
			}
		})
	}
}

// TestPromoPoints checks which kept lines count as gambling promotion.
func TestPromoPoints(t *testing.T) {
	c := defaultCleaner(t)
	th := c.rules.thresholds
	tests := []struct {
		line  string
		promo bool
	}{
		{"新会员首存300送300，仅需十倍流水即可提款，三分钟极速到账。", true},
		{"专业导师一对一带单，历史命中率高达九成，跟单稳定盈利。", true},
		{"诚招代理：零门槛加盟，佣金比例最高百分之六十，月入过万不是梦。", true},
		{"如遇网址无法打开，请联系在线客服获取最新地址，收藏不迷路。", true},
		// weak terms alone, news context, ordinary business
		{"支持银行卡、扫码等多种充值方式，资金安全有保障。", false},
		{"警方提醒，所谓“稳赚不赔”“内部计划”都是诱饵，切勿轻信。", false},
		{"券商佣金率持续下行，上半年行业盈利同比下降。", false},
		{"工厂新上了一条生产流水线，产能提升三成。", false},
		{"他考研成功上岸，被一所985高校录取。", false},
		{"本期投注总额为3.6亿元，奖池资金累计金额为21.8亿元。", false},
	}
	for _, tt := range tests {
		for _, text := range []string{tt.line, parts(t).s2t.Convert(tt.line)} {
			pts, ev := c.promoPoints(c.analyze(text))
			if got := pts >= th.PromoLineScore; got != tt.promo {
				t.Errorf("%q: promo %v (%g points: %s), want %v", text, got, pts, ev, tt.promo)
			}
		}
	}
}
