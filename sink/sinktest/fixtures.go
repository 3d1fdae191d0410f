package sinktest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"winnow/sink/record"
)

// base is the fetch time of version 0 of every fixture.
var base = time.Date(2022, 2, 24, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

// sentences are written for these fixtures (not taken from any page); none
// contains the characters 政 or 法, so the search corpus controls exactly
// which articles match those queries.
var sentences = []string{
	"今年以来，全市持续推进城市道路改造，新建和改造人行道一百二十多公里。",
	"记者从市交通运输局获悉，新开通的三条公交线路日均客流已超过一万人次。",
	"入春以来气温回升较快，农业部门提醒种植户抓住有利时机做好春耕备耕。",
	"社区工作人员逐户走访独居老人，了解他们在用水用电方面遇到的困难。",
	"该项目总投资约八亿元，建成后将新增就业岗位一千五百个左右。",
	"图书馆延长了周末开放时间，并增设了面向中小学生的阅读指导课程。",
	"气象台预计，未来三天我市以多云天气为主，局部地区有小到中雨。",
	"为方便群众办事，政务服务中心推出预约办理和延时服务等多项措施。",
	"医院新建的门诊楼投入使用后，候诊区面积比原来扩大了一倍。",
	"旅游部门统计显示，假期全市接待游客人数同比增长百分之十八。",
	"工作人员表示，下一步将继续完善配套设施，让居民出行更加便利。",
	"学校组织学生走进田间地头，亲身体验播种和插秧的过程。",
}

// pool are common characters for filler clauses that keep long bodies
// from being unrealistically repetitive (and so unrealistically
// compressible). 政 and 法 are left out on purpose.
var pool = []rune("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞")

// Article returns the realistic, valid record number i: a Chinese news
// article of a few paragraphs, cleaned, with three removals (spam, ad,
// boilerplate). Different i give different ids.
func Article(i int) *record.Article {
	return Sized(i, 1200)
}

// Sized is Article with a body of about bodyBytes bytes of UTF-8 (at
// least one paragraph), for benchmarks: Sized(i, 20<<10) is a 20 KB body.
func Sized(i, bodyBytes int) *record.Article {
	r := rand.New(rand.NewPCG(uint64(i), 0x5eed))
	var paras []string
	size := 0
	for size < bodyBytes || len(paras) == 0 {
		var p strings.Builder
		for n := 2 + r.IntN(4); n > 0; n-- {
			if r.IntN(10) < 6 {
				p.WriteString(sentences[r.IntN(len(sentences))])
				continue
			}
			for w := 3 + r.IntN(5); w > 0; w-- {
				for c := 2 + r.IntN(3); c > 0; c-- {
					p.WriteRune(pool[r.IntN(len(pool))])
				}
				if w > 1 {
					p.WriteString("，")
				}
			}
			fmt.Fprintf(&p, "%d项。", 10+r.IntN(990))
		}
		paras = append(paras, p.String())
		size += p.Len() + 1
	}
	a := record.New()
	a.URL = fmt.Sprintf("https://news.example.cn/content/2022-02/24/content_%d.htm?from=rss", 1000+i)
	a.CanonicalURL = fmt.Sprintf("https://news.example.cn/content/2022-02/24/content_%d.htm", 1000+i)
	a.ID = record.NewID(a.CanonicalURL, "", "")
	a.Source = "example-news"
	a.SiteName = "示例新闻网"
	a.Section = "本地新闻"
	a.Title = fmt.Sprintf("城市建设稳步推进 第%d期", i)
	a.Authors = []string{"张明", "李华"}
	a.Editor = "王芳"
	a.Origin = "示例新闻网-示例日报"
	a.PublishedAt = base.Add(-time.Duration(i) * time.Hour).Format(time.RFC3339)
	a.PublishedPrecision = record.PrecisionMinute
	a.FetchedAt = base.Format(time.RFC3339)
	a.Lang = "zh"
	a.ScriptIn = record.ScriptHant
	a.ScriptOut = record.ScriptHans
	a.Body = strings.Join(paras, "\n")
	a.ContentHash = record.NewContentHash(a.Title, a.Body)
	a.Hygiene = cleanedOf("88娱乐城_真人视频_在线开户_666bet", "4 gambling tokens joined by _ with digit junk",
		"下载示例新闻APP 看更多本地资讯", "app download banner", "示例新闻网 > 本地新闻 > 正文")
	a.Normalization = map[string]string{"opencc": "t2s"}
	a.RawRef = fmt.Sprintf("crawl-20220224.warc.gz#%d", 4096*i)
	return a
}

// Version returns a copy of a as re-crawled k times later: the body gains
// a correction paragraph, so the content hash changes; FetchedAt moves k
// minutes on; the record keeps k%3+1 of a's removals (so a replaced
// version has a different set of removals). Version(a, 0) is an exact
// copy.
func Version(a *record.Article, k int) *record.Article {
	v := clone(a)
	if k == 0 {
		return v
	}
	v.Body = a.Body + fmt.Sprintf("\n更正：本文第%d次更新，补充了相关数据。", k)
	v.ContentHash = record.NewContentHash(v.Title, v.Body)
	if t, err := time.Parse(time.RFC3339, a.FetchedAt); err == nil {
		v.FetchedAt = t.Add(time.Duration(k) * time.Minute).Format(time.RFC3339)
	}
	if n := k%3 + 1; n < len(v.Hygiene.Removed) {
		v.Hygiene.Removed = v.Hygiene.Removed[:n]
	}
	return v
}

// cleanedOf is the hygiene of a page cleaned of one spam line, one app
// ad and one breadcrumb line, with the reasons given for the first two.
func cleanedOf(spam, spamReason, ad, adReason, breadcrumb string) record.Hygiene {
	line := func(text, kind, rule, reason string) record.Removal {
		return record.Removal{Text: text, Kind: kind, Rule: rule, Scope: record.ScopeLine, Field: record.FieldPage, Reason: reason}
	}
	return record.Hygiene{
		Verdict:      record.VerdictCleaned,
		RulesVersion: "2022.02.1",
		Removed: []record.Removal{
			line(spam, record.KindSpam, "spam.keyword_chain", spamReason),
			line(ad, record.KindAd, "ad.app_banner", adReason),
			line(breadcrumb, record.KindBoilerplate, "boilerplate.breadcrumb", "breadcrumb line with > separators"),
		},
	}
}

func clone(a *record.Article) *record.Article {
	v := *a
	v.Authors = append([]string{}, a.Authors...)
	v.Hygiene.Removed = append([]record.Removal{}, a.Hygiene.Removed...)
	v.Normalization = make(map[string]string, len(a.Normalization))
	for k, s := range a.Normalization {
		v.Normalization[k] = s
	}
	return &v
}

// doc builds a small, valid search-corpus record.
func doc(slug, title, body, verdict string) *record.Article {
	a := record.New()
	a.CanonicalURL = "https://search.example.cn/" + slug + ".html"
	a.URL = a.CanonicalURL
	a.ID = record.NewID(a.CanonicalURL, "", "")
	a.Source = "search-corpus"
	a.SiteName = "示例新闻网"
	a.Title = title
	a.Body = body
	a.Lang = "zh"
	a.ScriptOut = record.ScriptHans
	a.PublishedAt = "2022-02-24T00:00:00+08:00"
	a.PublishedPrecision = record.PrecisionDay
	a.FetchedAt = base.Format(time.RFC3339)
	a.ContentHash = record.NewContentHash(title, body)
	a.Hygiene.RulesVersion = "2022.02.1"
	a.Hygiene.Verdict = verdict
	if verdict == record.VerdictSpamPage {
		a.Hygiene.Removed = []record.Removal{{Text: title, Kind: record.KindSpam, Rule: "spam.keyword_chain", Scope: record.ScopeLine, Field: record.FieldTitle, Reason: "gambling tokens chained by _"}}
	}
	a.Normalization = map[string]string{"opencc": "t2s"}
	return a
}

// SeedLike returns an article shaped like the project's seed document (a
// local-government news feature about the 政法 system, Traditional input
// normalized to Simplified, cleaned of a spam line, an app ad and a
// breadcrumb). The text is written for this fixture.
func SeedLike() *record.Article {
	a := record.New()
	a.URL = "http://www.wuzhou.example.cn/html/2022/02/24/content_55101.htm"
	a.CanonicalURL = a.URL
	a.ID = record.NewID(a.CanonicalURL, "", "")
	a.Source = "wuzhou-example"
	a.SiteName = "梧州示例网"
	a.Section = "聚焦梧州"
	a.Title = "政法干警走进社区 把服务送到群众家门口"
	a.Subtitle = "全市政法机关开展“服务群众”实践活动见闻"
	a.Authors = []string{"陈立", "黄敏"}
	a.Editor = "周洁"
	a.Origin = "梧州示例网-梧州示例日报"
	a.PublishedAt = "2022-02-24T00:00:00+08:00"
	a.PublishedPrecision = record.PrecisionDay
	a.FetchedAt = base.Format(time.RFC3339)
	a.Lang = "zh"
	a.ScriptIn = record.ScriptHant
	a.ScriptOut = record.ScriptHans
	a.Body = strings.Join([]string{
		"“以前办个证要跑好几趟，现在在家门口就能办好。”家住河东社区的刘大爷说起最近的变化，连连点头。",
		"去年以来，梧州市各级政法机关把为群众办实事作为队伍建设的重要内容，组织干警走进社区、走进企业，面对面听取意见建议。",
		"群众的需要就是工作的方向",
		"市公安局在各派出所设立便民服务窗口，户籍、出入境等二十多项业务可以就近办理；市检察院开通公益诉讼线索受理热线，一年来收到群众反映的线索三百余条。",
		"全市政法系统共收集群众意见建议一千二百多条，已办结率达到百分之九十五。下一步，政法机关将继续完善服务机制，让群众的获得感成色更足。",
	}, "\n")
	a.ContentHash = record.NewContentHash(a.Title, a.Body)
	a.Hygiene = cleanedOf("66彩票网_快3计划_包赔导师_888yx", "lottery tokens chained by _ before the title",
		"梧州示例APP梧州示例", "app banner above the breadcrumb", "梧州示例網 > 聚焦梧州 > 正文")
	a.Normalization = map[string]string{"opencc": "t2s"}
	a.RawRef = "crawl-20220224.warc.gz#0"
	return a
}

// corpus is the search test set: which documents a query must return is
// decided by the text below.
type corpus struct {
	seed, lawEnforcement, sports, spam, onceInBody, tech *record.Article
}

func newCorpus() corpus {
	return corpus{
		seed: SeedLike(),
		lawEnforcement: doc("law-enforcement", "市场监管部门开展专项检查",
			"市场监管部门近日开展行政执法检查，依规查处一批违规经营行为。\n执法人员提醒商户规范经营。", record.VerdictClean),
		sports: doc("sports", "梧州队主场取胜",
			"在昨晚进行的篮球联赛中，梧州队以九十比八十战胜对手。\n球队教练表示将继续努力。", record.VerdictClean),
		spam: doc("spam", "88娱乐城_政法新闻_在线开户_666bet",
			"政法 政法 政法 娱乐城 开户 首存 彩金 返水 政法", record.VerdictSpamPage),
		onceInBody: doc("economy", "一季度经济运行平稳",
			"统计部门数据显示，一季度全市生产总值同比增长百分之六。\n会上，市委政法委负责人也通报了平安建设情况。\n各行业总体保持稳定。", record.VerdictClean),
		tech: doc("tech", "5G基站建设提速",
			"今年全市将新建5G基站八百个，手机APP办理业务更加便捷。", record.VerdictClean),
	}
}

func (c corpus) all() []*record.Article {
	return []*record.Article{c.seed, c.lawEnforcement, c.sports, c.spam, c.onceInBody, c.tech}
}
