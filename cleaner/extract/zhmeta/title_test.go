package zhmeta

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitTitle(t *testing.T) {
	type split struct{ Headline, Section, Site string }
	tests := []struct {
		in   string
		want split
	}{
		{"续写更多政法干警“春天的故事”_梧州零距离网", split{"续写更多政法干警“春天的故事”", "", "梧州零距离网"}},
		{"標題_科技_新浪網", split{"標題", "科技", "新浪網"}},
		{"标题_科技_新浪网", split{"标题", "科技", "新浪网"}},
		{"苹果发布新款手机 | 科技频道 | 腾讯网", split{"苹果发布新款手机", "科技频道", "腾讯网"}},
		{"女儿出嫁，郑板桥画了几笔兰花当嫁妆--文化--人民网", split{"女儿出嫁，郑板桥画了几笔兰花当嫁妆", "文化", "人民网"}},
		{"外媒眼中的武汉长假 - 长江网", split{"外媒眼中的武汉长假", "", "长江网"}},
		{"外媒眼中的武汉长假－长江网", split{"外媒眼中的武汉长假", "", "长江网"}},
		{"外媒眼中的武汉长假——长江日报", split{"外媒眼中的武汉长假", "", "长江日报"}},
		{"柳叶刀：味觉嗅觉丧失是最强预测指标_科技湃_澎湃新闻-The Paper", split{"柳叶刀：味觉嗅觉丧失是最强预测指标", "科技湃", "澎湃新闻-The Paper"}},
		{"债券市场是否存在泡沫？_新浪财经_新浪网", split{"债券市场是否存在泡沫？", "新浪财经", "新浪网"}},
		{"老外为何说这个地方了不得？|公园_新浪新闻", split{"老外为何说这个地方了不得？", "公园", "新浪新闻"}},
		{"这个地方|公园_新浪新闻", split{"这个地方|公园_新浪新闻", "", ""}}, // all short: only known names come off
		{"儿歌被改成一元钱_腾讯新闻", split{"儿歌被改成一元钱", "", "腾讯新闻"}},
		{"多地项目连环爆雷_网易财经", split{"多地项目连环爆雷", "", "网易财经"}},
		{"高考放榜_教育_新闻中心_新浪网", split{"高考放榜", "教育", "新浪网"}},
		{"iPhone13评测_科技_新浪网", split{"iPhone13评测", "科技", "新浪网"}},
		{"美国大选最新消息 - 国际", split{"美国大选最新消息", "国际", ""}},
		{"三星发布会 | 今日头条", split{"三星发布会", "", "今日头条"}},
		// A short unrecognised last part is still taken as the site.
		{"一篇文章的标题 | 爱否科技", split{"一篇文章的标题", "", "爱否科技"}},

		// Unchanged: no separator, a dash inside the headline, keyword chains.
		{"续写更多政法干警“春天的故事”", split{"续写更多政法干警“春天的故事”", "", ""}},
		{"新冠病毒-19 变异株研究进展", split{"新冠病毒-19 变异株研究进展", "", ""}},
		{"专访 - 他说：我们还会回来，一定会的", split{"专访 - 他说：我们还会回来，一定会的", "", ""}},
		{"苹果发布会 - iPhone 15", split{"苹果发布会 - iPhone 15", "", ""}},
		{"99福利在线_xxxx影院_毛片网站免费_777sesese", split{"99福利在线_xxxx影院_毛片网站免费_777sesese", "", ""}},
		{"澳门新葡京_官网登录_注册送88彩金_8888vip", split{"澳门新葡京_官网登录_注册送88彩金_8888vip", "", ""}},
		{"福利在线_毛片影院_免费网站", split{"福利在线_毛片影院_免费网站", "", ""}},
		{"新浪网", split{"新浪网", "", ""}},
		{"_新浪网", split{"_新浪网", "", ""}},
		{"", split{"", "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			h, sec, site := SplitTitle(tt.in)
			if diff := cmp.Diff(tt.want, split{h, sec, site}); diff != "" {
				t.Errorf("SplitTitle(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseBreadcrumb(t *testing.T) {
	type crumbs struct {
		Crumbs []string
		OK     bool
	}
	tests := []struct {
		in   string
		want crumbs
	}{
		{"梧州零距離網 > 聚焦梧州 > 正文", crumbs{[]string{"梧州零距離網", "聚焦梧州"}, true}},
		{"首页 > 新闻 > 国内新闻", crumbs{[]string{"新闻", "国内新闻"}, true}},
		{"首頁 > 新聞 > 兩岸", crumbs{[]string{"新聞", "兩岸"}, true}},
		{"当前位置：首页 » 要闻", crumbs{[]string{"要闻"}, true}},
		{"當前位置：首頁 › 要聞 › 正文", crumbs{[]string{"要聞"}, true}},
		{"您的位置: 首页 / 财经", crumbs{[]string{"财经"}, true}},
		{"您现在的位置是：网站首页 >> 新闻中心 >> 本地新闻", crumbs{[]string{"新闻中心", "本地新闻"}, true}},
		{"现在位置： 首页 >> 东区新闻 >> 正文", crumbs{[]string{"东区新闻"}, true}},
		{"人民网>>文化", crumbs{[]string{"人民网", "文化"}, true}},
		{"网易首页 > 财经频道 > 正文", crumbs{[]string{"网易", "财经频道"}, true}},
		{"首页 → 体育 → 足球", crumbs{[]string{"体育", "足球"}, true}},
		{"首页＞国际＞亚洲", crumbs{[]string{"国际", "亚洲"}, true}},
		{"首页 - 新闻动态", crumbs{[]string{"新闻动态"}, true}},
		{"首页 / 科技 / 正文", crumbs{[]string{"科技"}, true}},
		{"当前位置：", crumbs{nil, true}},
		{"首页 > 正文", crumbs{nil, true}},

		{"首页 > 国内 > 女儿出嫁，郑板桥画了几笔兰花当嫁妆", crumbs{[]string{"国内", "女儿出嫁，郑板桥画了几笔兰花当嫁妆"}, true}},
		{"手机/数码", crumbs{}},
		{"首页 快讯 公司 公司", crumbs{}},
		{"安装新浪财经客户端第一时间接收最全面的市场资讯→【下载地址】", crumbs{}},
		{"如果A>B，那么B<A。", crumbs{}},
		{"续写更多政法干警“春天的故事”", crumbs{}},
		{"", crumbs{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, ok := ParseBreadcrumb(tt.in)
			if diff := cmp.Diff(tt.want, crumbs{c, ok}, cmpEmpty()); diff != "" {
				t.Errorf("ParseBreadcrumb(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestSiteSection(t *testing.T) {
	type ss struct{ Site, Section string }
	tests := []struct {
		in   []string
		want ss
	}{
		{[]string{"梧州零距離網", "聚焦梧州"}, ss{"梧州零距離網", "聚焦梧州"}},
		{[]string{"网易", "新闻中心", "国内新闻"}, ss{"网易", "国内新闻"}},
		{[]string{"人民网", "文化"}, ss{"人民网", "文化"}},
		{[]string{"新闻", "国内新闻"}, ss{"", "国内新闻"}},
		{[]string{"东区新闻"}, ss{"", "东区新闻"}},
		{[]string{"和讯网", "股票", "股市报道"}, ss{"和讯网", "股市报道"}},
		{[]string{"人民网", "文化", "女儿出嫁，郑板桥画了几笔兰花当嫁妆"}, ss{"人民网", "文化"}},
		{[]string{"人民网"}, ss{"人民网", ""}},
		{nil, ss{}},
	}
	for _, tt := range tests {
		site, section := SiteSection(tt.in)
		if diff := cmp.Diff(tt.want, ss{site, section}); diff != "" {
			t.Errorf("SiteSection(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestTrimSubtitle(t *testing.T) {
	tests := map[string]string{
		"——市政法機關扎實開展“我為群眾辦實事”實踐活動綜述": "市政法機關扎實開展“我為群眾辦實事”實踐活動綜述",
		"—— 副题":  "副题",
		"--副题":   "副题",
		"－－副题":   "副题",
		"-1℃的早晨": "-1℃的早晨",
		" 正常标题 ": "正常标题",
	}
	for in, want := range tests {
		if got := TrimSubtitle(in); got != want {
			t.Errorf("TrimSubtitle(%q) = %q, want %q", in, got, want)
		}
	}
}
