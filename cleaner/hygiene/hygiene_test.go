package hygiene

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"winnow/sink/record"
	"winnow/sink/record/recordtest"
)

// brief is the part of a removal the tests compare.
type brief struct {
	Text, Kind, Rule, Scope, Field string
}

func briefs(rs []record.Removal) []brief {
	out := make([]brief, 0, len(rs))
	for _, r := range rs {
		out = append(out, brief{r.Text, r.Kind, r.Rule, r.Scope, r.Field})
	}
	return out
}

// checkRecord puts a result into an article record and checks it against
// the schema.
func checkRecord(t *testing.T, c *Cleaner, res Result) {
	t.Helper()
	a := record.New()
	a.Title = res.Title
	a.Body = strings.Join(res.Body, "\n")
	a.ID = record.NewID("", a.Title, a.Body)
	a.ContentHash = record.NewContentHash(a.Title, a.Body)
	a.Hygiene = record.Hygiene{Verdict: res.Verdict, Removed: res.Removed, RulesVersion: c.RulesVersion()}
	recordtest.Check(t, a)
}

const (
	seedSpam       = "99福利在线_xxxx影院_毛片网站免费_777sesese"
	seedAd         = "梧州零距離APP梧州零距離"
	seedBreadcrumb = "梧州零距離網 > 聚焦梧州 > 正文"
)

// TestSeedLike is the seed case: a Traditional article whose text-mode
// lines start with an injected Simplified porn chain, an app banner and a
// breadcrumb. Exactly these three are removed (spam, ad, boilerplate),
// plus the trailing author signature that repeats the byline.
func TestSeedLike(t *testing.T) {
	c := defaultCleaner(t)
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "seed_like.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	wantMain := []brief{
		{seedSpam, record.KindSpam, RuleKeywordChain, record.ScopeLine, record.FieldTitle},
		{seedAd, record.KindAd, RuleAppPromo, record.ScopeLine, record.FieldBody},
		{seedBreadcrumb, record.KindBoilerplate, RuleBreadcrumb, record.ScopeLine, record.FieldBody},
		{"(陳嘉文 劉志強)", record.KindBoilerplate, RuleSignatureRepeat, record.ScopeSpan, record.FieldBody},
	}
	t.Run("text mode", func(t *testing.T) {
		res := c.Clean(textDoc(string(data)))
		if diff := cmp.Diff(wantMain, briefs(res.Removed)); diff != "" {
			t.Errorf("removals (-want +got):\n%s", diff)
		}
		if res.Verdict != record.VerdictCleaned {
			t.Errorf("verdict %q", res.Verdict)
		}
		if res.Title != "" {
			t.Errorf("title %q: the only candidate is spam", res.Title)
		}
		checkInvariants(t, c, res)
		checkRecord(t, c, res)
	})
	t.Run("extracted", func(t *testing.T) {
		// the shape the extractor hands over: lines above the headline as
		// preamble, the breadcrumb as its own segment
		doc := Document{
			TitleCandidates: []string{lines[4]},
			Segments: []Segment{
				{Text: lines[0], Role: RolePreamble},
				{Text: lines[2], Role: RolePreamble},
				{Text: lines[3], Role: RoleBreadcrumb},
			},
			Body: lines[7:],
		}
		res := c.Clean(doc)
		want := []brief{
			{seedSpam, record.KindSpam, RuleKeywordChain, record.ScopeLine, record.FieldPage},
			{seedAd, record.KindAd, RuleAppPromo, record.ScopeLine, record.FieldPage},
			{seedBreadcrumb, record.KindBoilerplate, RuleBreadcrumb, record.ScopeLine, record.FieldPage},
		}
		if diff := cmp.Diff(want, briefs(res.Removed)); diff != "" {
			t.Errorf("removals (-want +got):\n%s", diff)
		}
		if res.Verdict != record.VerdictCleaned || res.Title != lines[4] {
			t.Errorf("verdict %q title %q", res.Verdict, res.Title)
		}
		checkInvariants(t, c, res)
	})
}

// TestSeedDocument runs the project's seed document (a copy of
// shared/seed/000_e9e67510d88d065b.txt) split into lines.
func TestSeedDocument(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "seed.txt"))
	if err != nil {
		t.Fatal(err)
	}
	c := defaultCleaner(t)
	res := c.Clean(textDoc(string(data)))
	var got []brief
	for _, r := range briefs(res.Removed) {
		if r.Rule != RuleSignatureRepeat { // the seed allows dropping the signature
			got = append(got, brief{Text: r.Text, Kind: r.Kind})
		}
	}
	want := []brief{{Text: seedSpam, Kind: record.KindSpam}, {Text: seedAd, Kind: record.KindAd},
		{Text: seedBreadcrumb, Kind: record.KindBoilerplate}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("removals (-want +got):\n%s", diff)
	}
	if res.Verdict != record.VerdictCleaned {
		t.Errorf("verdict %q", res.Verdict)
	}
}

// TestRules checks each rule on lines it must catch and on the
// false-positive traps it must leave alone, one body paragraph in the
// clean host article.
func TestRules(t *testing.T) {
	c := defaultCleaner(t)
	tests := []struct {
		rule  string
		scope string
		hits  []string
		traps []string
	}{
		{RuleKeywordChain, record.ScopeLine,
			[]string{seedSpam, "午夜福利影院_国产精品自拍偷拍_免费看片网站_yy6080", "亚洲无码在线观看|日韩精品一区二区|8x8x",
				"666kkk_51_88av_xxxx", "福利_影院_美女_自拍_666"},
			[]string{"华为发布新款折叠屏手机_科技_新浪网", "彩票|体育|娱乐|财经|科技", "举报类型：低俗色情 | 赌博诈骗 | 政治谣言",
				"成人高考报名时间公布_教育_中国网", "iPhone15发布会在线观看_视频_新浪网", "2024年巴黎奥运会_体育_腾讯网"}},
		{RuleKeywordStuffing, record.ScopeLine,
			[]string{"国产自拍偷拍在线观看免费高清无码", "免费黄色网站大全 成人影院"},
			[]string{"扫黄打非办公室：严厉打击网络色情低俗信息", "医生提醒：沉迷色情内容影响身心健康", "性感与优雅并存，这位女星的红毯造型惊艳全场。"}},
		{RuleGamblingBrand, record.ScopeLine,
			[]string{"开云体育app下载官网入口", "九游会j9官网登录入口", "金沙娱乐城最新网址", "百家乐真人娱乐平台开户", "鑫鼎娱乐注册开户线路"},
			[]string{"银河娱乐集团宣布派发特别股息", "威廉希尔开出的赔率显示，巴西队夺冠赔率为5.5。", "国家政务服务平台官网入口",
				"新浪体育APP下载", "澳门博彩业八月毛收入同比增长，博彩股普遍上涨。"}},
		// a known brand or a brand-shaped token (unknown name + head) with
		// an action at a phrase boundary; letter-spaced, junk appended
		{RuleGamblingBrand, record.ScopeLine,
			[]string{"美 高 梅 官 网", "葡京赌场app下载", "银河娱乐注册㐱㐱", "新 濠 天 地 平 台", "鑫盛娱乐注册", "凯旋国际官网",
				"星耀体育app下载", "ky棋牌网址", "宝利娱乐城官方网站欢迎您", "金 沙 代 理 888"},
			[]string{"美高梅中国公布第三季度业绩", "银河娱乐集团在港交所公告", "美高梅官网公布最新业绩", "太阳城注册资本增至一亿元",
				"下载央视新闻app", "注册会计师", "平台经济", "代理记账", "开通国际线路", "商标国际注册", "腾讯体育app下载",
				"中国体育官网", "文化娱乐平台"}},
		{RuleLotteryJargon, record.ScopeLine,
			[]string{"【快三计划】【导师带玩】【亏损包赔】", "重庆时时彩人工计划，稳赚不赔，导师一对一带", "首存即送！返水无上限！全网最高赔率！"},
			[]string{"体彩大乐透第24001期开奖：头奖开出2注1000万元", "想一夜暴富男子多次偷盗彩票店，刮了5万多元“刮刮乐”",
				"警方破获一起特大网络赌博案，涉案平台以“导师带玩”“亏损包赔”为诱饵。", "春节祝福语：鸿运当头，财源滚滚，好运来！"}},
		{RuleContactObfuscation, record.ScopeLine,
			[]string{"摩天娱乐【Q-——123457——】", "看片加QQ-——2886669——免费福利", "威信：1 5 8 8 6 6 6 9 9 1", "最新地址：www點abc123點com",
				"专业代理开户QQ：88——66——99"},
			[]string{"联系我们：QQ 123456789", "违法和不良信息举报电话：027-66668888 举报邮箱：jubao@example.com",
				"客服电话：400-820-1234", "微信号 FViewXFG"}},
		{RuleHashBuster, record.ScopeLine,
			[]string{"囍潾朤WO00珩淼", "龘靐齉爩 XK77"},
			[]string{"鳜鱼、鲥鱼、鲈鱼、鲟鱼", "蒹葭苍苍，白露为霜。"}},
		{RuleKeywordLine, record.ScopeLine,
			[]string{"本文关键词：澳门新葡京，百家乐技巧，网上赌博平台", "相关搜索：成人视频 在线av 免费黄色网站"},
			[]string{"本文关键词：城市更新，老旧小区，民生工程", "关键词 >> 共享充电宝"}},
		{RuleTemplatePlaceholder, record.ScopeLine,
			[]string{"{关键词}官方网站-{随机数字}", "[随机数字]{网站名}最新地址"},
			[]string{"[图片]", "函数返回{code: 0}表示成功"}},
		{RuleFakeAttribution, record.ScopeLine,
			[]string{"资讯来源：新华网、人民网、央视新闻、中新网、凤凰网、澎湃新闻等主流平台，深度报道收获广泛关注。"},
			[]string{"来源：新华网", "来源：新华社、人民日报"}},
		{RuleSpanBrand, record.ScopeSpan,
			[]string{"记者从市文旅局获悉，开云体育官网入口今年国庆假期全市接待游客超过三百万人次，同比增长一成。",
				"据99福利在线报道，今年一季度全市新增市场主体一万二千户，同比增长百分之八。"},
			[]string{"开云体育赞助的本届城市马拉松吸引了三万名跑者参加，赛事组织工作井然有序。", "拨开云雾见青天，这场危机终于迎来了转机。"}},
		{RuleSpanBrand, record.ScopeSpan,
			[]string{"据统计美高梅注册，香港已成为我市最大的外资来源地。",
				"本次招聘会共有三百多家企业参加葡京赌场app下载，提供就业岗位一万余个。",
				"警方提醒，广大群众要增强防范意识亚博体育app下载，守好自己的钱袋子。",
				"截至目前，全市已建成充电桩三千余个鑫盛娱乐注册，实现乡镇全覆盖。",
				"会议要求各地做好秋冬季森林防火工作凯 旋 国 际 官 网，确保不发生重大火情。",
				"据介绍，新馆藏书超过一百万册，宝利体育网址㵘䶮，设有少儿阅览区和古籍阅览区。"},
			[]string{"据美高梅官网，公司旗下酒店第三季度入住率维持在九成以上。",
				"市民可登录银河娱乐官网，查询最新的招聘岗位和报名方式。",
				"诈骗分子冒充美高梅官网，诱骗受害人下载虚假应用并充值。",
				"该赌博网站名为“鑫盛娱乐”，平台以“注册即送”“首存返水”为噱头吸引玩家。",
				"他是这家外资品牌的国际代理，负责亚太地区的市场开拓工作。",
				"多家企业开通国际线路，申请国际注册商标，积极拓展海外市场。"}},
		{RuleAppPromo, record.ScopeLine,
			[]string{seedAd, "下载新闻客户端，随时随地看资讯", "晨报APP"},
			[]string{"小区居民通过手机APP就能预约社区食堂，十分方便。", "ECG app", "Vivy-App"}},
		{RuleQRPrompt, record.ScopeLine,
			[]string{"扫描二维码关注我们的微信公众号", "长按识别二维码，关注更多精彩内容", "更多粉丝福利扫描二维码关注"},
			[]string{"市民可扫码乘车，出行更加便捷。这项服务上线以来，已累计服务乘客两百万人次。"}},
		{RuleBreadcrumb, record.ScopeLine,
			[]string{seedBreadcrumb, "首页 > 新闻中心 > 正文", "当前位置：首页 > 本地新闻"},
			[]string{"温度 > 30摄氏度时，请减少户外活动。"}},
		{RuleShareBar, record.ScopeLine,
			[]string{"分享到：微信 微博 QQ空间", "【打印】【关闭】", "缩小字体 放大字体 收藏 微博 微信 分享 106"},
			[]string{"他在微博上分享了这段经历，引发网友热议。"}},
		{RuleCopyright, record.ScopeLine,
			[]string{"版权所有 未经授权不得转载", "Copyright © 2024 某某日报社 All Rights Reserved"},
			[]string{"法院认定，原告对该作品享有著作权，被告未经许可使用构成侵权，判决赔偿经济损失五万元。"}},
		{RuleRelatedList, record.ScopeLine,
			[]string{"相关阅读", "延伸阅读：", "相关新闻"},
			[]string{"相关新闻报道引发社会广泛关注，有关部门已介入调查。"}},
		{RuleEditorLine, record.ScopeLine,
			[]string{"责任编辑：王小明", "【编辑：姚昊】", "本文来源：新京报 责任编辑：李华"},
			[]string{"时间：2024-03-18 来源：本地日报 作者：周明远 编辑：林晓"}},
		{RuleEndMark, record.ScopeLine,
			[]string{"（完）", "-END-"},
			[]string{"工程预计年底完工。"}},
		{RuleTemplateLeak, record.ScopeLine,
			[]string{"@@status_text@@@@teacher_name@@：@@title@@", "{{article.title}}"},
			[]string{"折扣力度达到50%，活动持续到月底。"}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			for _, line := range tt.hits {
				res := c.Clean(hostDoc(t, nil, line))
				checkInvariants(t, c, res)
				found := false
				for _, r := range res.Removed {
					if strings.Contains(line, r.Text) && r.Rule == tt.rule && r.Scope == tt.scope {
						found = true
					}
				}
				if !found {
					t.Errorf("%q: no %s removal (%s); got %+v", line, tt.rule, tt.scope, briefs(res.Removed))
				}
			}
			for _, line := range tt.traps {
				res := c.Clean(hostDoc(t, nil, line))
				for _, r := range res.Removed {
					if strings.Contains(line, r.Text) && (r.Rule == tt.rule || r.Kind == record.KindSpam) {
						t.Errorf("trap %q removed: %+v", line, r)
					}
				}
			}
		})
	}
}

// TestRoles checks where each segment role records what.
func TestRoles(t *testing.T) {
	c := defaultCleaner(t)
	doc := Document{
		TitleCandidates: []string{"午夜福利影院_免费看片网站_777sesese", "区政府部署老旧小区改造工作"},
		Segments: []Segment{
			{Text: "网站首页", Role: RolePreamble},
			{Text: "首页 > 本地新闻", Role: RoleBreadcrumb},
			{Text: "本地", Role: RoleBreadcrumb},
			{Text: "新闻 体育 财经 彩票", Role: RoleChrome},
			{Text: "版权所有 未经授权不得转载", Role: RoleChrome},
			{Text: "亚洲无码在线观看|日韩精品一区二区|8x8x", Role: RoleHidden},
			{Text: "区政府部署老旧小区改造工作_本地新闻_城市网", Role: RoleTitle},
			{Text: "编后：改造工作任重道远。", Role: RoleTrailer},
			{Text: "责任编辑：赵敏", Role: RoleTrailer},
		},
		Body: []string{"昨日，区政府召开专题会议，研究部署今年老旧小区改造工作，要求把群众满意作为出发点和落脚点。"},
	}
	res := c.Clean(doc)
	want := []brief{
		{"午夜福利影院_免费看片网站_777sesese", record.KindSpam, RuleKeywordChain, record.ScopeLine, record.FieldTitle},
		{"网站首页", record.KindBoilerplate, RuleOutsideArticle, record.ScopeLine, record.FieldPage},
		{"首页 > 本地新闻", record.KindBoilerplate, RuleBreadcrumb, record.ScopeLine, record.FieldPage},
		{"本地", record.KindBoilerplate, RuleBreadcrumb, record.ScopeLine, record.FieldPage},
		{"亚洲无码在线观看|日韩精品一区二区|8x8x", record.KindSpam, RuleKeywordChain, record.ScopeLine, record.FieldPage},
		{"责任编辑：赵敏", record.KindBoilerplate, RuleEditorLine, record.ScopeLine, record.FieldPage},
	}
	if diff := cmp.Diff(want, briefs(res.Removed)); diff != "" {
		t.Errorf("removals (-want +got):\n%s", diff)
	}
	if res.Title != "区政府部署老旧小区改造工作" {
		t.Errorf("title %q", res.Title)
	}
	if res.Verdict != record.VerdictCleaned {
		t.Errorf("verdict %q", res.Verdict)
	}
	checkRecord(t, c, res)
}

// TestVerdicts checks clean, cleaned and spam_page.
func TestVerdicts(t *testing.T) {
	c := defaultCleaner(t)
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join("testdata", "golden", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	tests := []struct {
		name string
		doc  Document
		want string
	}{
		{"clean host", hostDoc(t, nil), record.VerdictCleaned}, // its repeated signature is boilerplate
		{"nothing to remove", Document{TitleCandidates: []string{"标题"}, Body: []string{"区政府召开专题会议，研究部署老旧小区改造工作。"}}, record.VerdictClean},
		{"empty", Document{}, record.VerdictClean},
		{"one injected line", hostDoc(t, nil, seedSpam), record.VerdictCleaned},
		{"lottery SEO page", textDoc(read("spam_page.txt")), record.VerdictSpamPage},
		{"injected GitHub-style page", textDoc(read("injected.txt")), record.VerdictCleaned},
		{"spam title, no body", Document{TitleCandidates: []string{seedSpam}}, record.VerdictSpamPage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.Clean(tt.doc)
			if res.Verdict != tt.want {
				t.Errorf("verdict %q, want %q; removed %+v", res.Verdict, tt.want, briefs(res.Removed))
			}
			checkInvariants(t, c, res)
		})
	}
}

// TestLinkFarmContext checks that a run of links is spam on a page with
// spam and boilerplate elsewhere.
func TestLinkFarmContext(t *testing.T) {
	c := defaultCleaner(t)
	links := []string{"相关链接：", "https://www.gov.cn/", "https://www.example.org/news/", "https://data.example.com/stats"}
	res := c.Clean(hostDoc(t, nil, links...))
	for _, r := range res.Removed {
		if r.Kind == record.KindSpam {
			t.Errorf("spam removal on a clean page: %+v", r)
		}
	}
	if got := briefs(res.Removed); len(got) < 4 || got[1].Rule != RuleLinkList {
		t.Errorf("link list not removed as boilerplate: %+v", got)
	}
	res = c.Clean(hostDoc(t, nil, append([]string{seedSpam}, links...)...))
	n := 0
	for _, r := range res.Removed {
		if r.Rule == RuleLinkFarm && r.Kind == record.KindSpam {
			n++
		}
	}
	if n != 4 { // the 相关链接 heading is the farm's anchor
		t.Errorf("%d link-farm removals on a page with spam, want 4: %+v", n, briefs(res.Removed))
	}
}

// TestScriptMismatch checks that a Simplified line with spam vocabulary
// counts more inside a Traditional page, and only there.
func TestScriptMismatch(t *testing.T) {
	c := defaultCleaner(t)
	p := parts(t)
	line := "最新影院免费观看，美女主播在线直播"
	if res := c.Clean(hostDoc(t, p.s2t.Convert, line)); !hasRule(res, RuleScriptMismatch, line) {
		t.Errorf("Simplified spam line in a Traditional page kept: %+v", briefs(res.Removed))
	}
	if res := c.Clean(hostDoc(t, nil, line)); hasRemoval(res, line) {
		t.Errorf("the same line in a Simplified page removed: %+v", briefs(res.Removed))
	}
	if res := c.Clean(hostDoc(t, p.s2t.Convert, p.s2t.Convert(line))); hasRemoval(res, p.s2t.Convert(line)) {
		t.Errorf("the line in Traditional in a Traditional page removed: %+v", briefs(res.Removed))
	}
}

func hasRule(res Result, rule, text string) bool {
	for _, r := range res.Removed {
		if strings.Contains(text, r.Text) && strings.Contains(r.Reason, rule) {
			return true
		}
	}
	return false
}

func hasRemoval(res Result, text string) bool {
	for _, r := range res.Removed {
		if strings.Contains(text, r.Text) {
			return true
		}
	}
	return false
}

// TestScriptInvariance checks that decisions do not depend on script:
// every golden document and corpus case gives the same removals
// (converted) in Simplified and in Traditional.
func TestScriptInvariance(t *testing.T) {
	c := defaultCleaner(t)
	p := parts(t)
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.txt"))
	var docs []Document
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, textDoc(string(data)))
	}
	for _, cc := range corpusCases(t) {
		docs = append(docs, hostDoc(t, nil, cc.text))
	}
	conv := func(d Document, f func(string) string) Document {
		var out Document
		for _, s := range d.TitleCandidates {
			out.TitleCandidates = append(out.TitleCandidates, f(s))
		}
		for _, s := range d.Body {
			out.Body = append(out.Body, f(s))
		}
		return out
	}
	for i, d := range docs {
		hans := conv(d, p.t2s.Convert)
		hant := conv(d, p.s2t.Convert)
		a, b := c.Clean(hans), c.Clean(hant)
		got := []brief{}
		for _, r := range briefs(b.Removed) {
			r.Text = p.t2s.Convert(r.Text)
			got = append(got, r)
		}
		want := briefs(a.Removed)
		for j := range want {
			want[j].Text = p.t2s.Convert(want[j].Text)
		}
		if diff := cmp.Diff(want, got); diff != "" || a.Verdict != b.Verdict {
			t.Errorf("document %d: Simplified and Traditional differ (verdicts %s/%s, -hans +hant):\n%s", i, a.Verdict, b.Verdict, diff)
		}
	}
}

// TestIdempotent cleans every golden document and corpus case twice.
func TestIdempotent(t *testing.T) {
	c := defaultCleaner(t)
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.txt"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, c, c.Clean(textDoc(string(data))))
	}
	var all []string
	for _, cc := range corpusCases(t) {
		all = append(all, cc.text)
	}
	// every case in one page: page context and link runs interact
	checkInvariants(t, c, c.Clean(hostDoc(t, nil, all...)))
}

// TestNeverPanicsOnOddInput feeds invalid UTF-8, control characters and
// huge lines.
func TestNeverPanicsOnOddInput(t *testing.T) {
	c := defaultCleaner(t)
	odd := []string{"\xff\xfe福利\xc3", "\x00\x01\x02", strings.Repeat("毛片_", 5000), strings.Repeat("a", 100000),
		"（）", "(", "_|_|_", "{", "【】【】", "\u200b\u200d", "𝐀𝐁𝐂", "http://", "%E4%", "https://x.cc/%zz%E9"}
	res := c.Clean(Document{TitleCandidates: odd, Body: odd, Segments: []Segment{{Text: odd[0], Role: RoleChrome}}})
	checkInvariants(t, c, res)
	for _, r := range res.Removed {
		if !strings.Contains(strings.ToValidUTF8(strings.Join(odd, "\n"), "\uFFFD"), r.Text) {
			t.Errorf("removal text %q is not in the (repaired) input", r.Text)
		}
	}
}

// TestConcurrent runs one Cleaner from several goroutines (run with
// -race): results equal the sequential ones.
func TestConcurrent(t *testing.T) {
	c := defaultCleaner(t)
	var docs []Document
	for _, cc := range corpusCases(t) {
		docs = append(docs, hostDoc(t, nil, cc.text))
	}
	want := make([]Result, len(docs))
	for i, d := range docs {
		want[i] = c.Clean(d)
	}
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i := range docs {
				if diff := cmp.Diff(want[i], c.Clean(docs[i])); diff != "" {
					errs <- diff
					return
				}
			}
			errs <- ""
		}()
	}
	for g := 0; g < 4; g++ {
		if d := <-errs; d != "" {
			t.Errorf("concurrent result differs:\n%s", d)
		}
	}
}
