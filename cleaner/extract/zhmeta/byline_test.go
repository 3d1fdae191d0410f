package zhmeta

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// bylineView is a Byline with the time as text, for readable diffs.
type bylineView struct {
	OK        bool     `json:"ok"`
	Published string   `json:"published"`
	Precision string   `json:"precision"`
	Origin    string   `json:"origin"`
	Authors   []string `json:"authors"`
	Editor    string   `json:"editor"`
}

func viewOf(b Byline, ok bool) bylineView {
	v := bylineView{OK: ok, Precision: b.Precision, Origin: b.Origin, Authors: b.Authors, Editor: b.Editor}
	if !b.Published.IsZero() {
		v.Published = b.Published.Format(time.RFC3339)
	}
	return v
}

func TestParseByline(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bylineView
	}{
		{"seed Traditional", "時間:2022-02-24 來源:梧州零距離網-梧州日報 作者:李繼遠 高寒 廖敬生 編輯:徐慧", bylineView{
			OK: true, Published: "2022-02-24T00:00:00+08:00", Precision: "day",
			Origin: "梧州零距離網-梧州日報", Authors: []string{"李繼遠", "高寒", "廖敬生"}, Editor: "徐慧"}},
		{"seed Simplified", "时间:2022-02-24 来源:梧州零距离网-梧州日报 作者:李继远 高寒 廖敬生 编辑:徐慧", bylineView{
			OK: true, Published: "2022-02-24T00:00:00+08:00", Precision: "day",
			Origin: "梧州零距离网-梧州日报", Authors: []string{"李继远", "高寒", "廖敬生"}, Editor: "徐慧"}},
		{"full-width spaces and colons", "2022年02月24日 10:30\u3000来源：人民网－人民日报\u3000作者：张三", bylineView{
			OK: true, Published: "2022-02-24T10:30:00+08:00", Precision: "minute",
			Origin: "人民网－人民日报", Authors: []string{"张三"}}},
		{"publish time with seconds", "发布时间：2021-06-01 09:12:33 来源: 新华社", bylineView{
			OK: true, Published: "2021-06-01T09:12:33+08:00", Precision: "second", Origin: "新华社"}},
		{"Traditional publish label", "發佈時間：2021年6月1日 上午9:12　來源：中央社", bylineView{
			OK: true, Published: "2021-06-01T09:12:00+08:00", Precision: "minute", Origin: "中央社"}},
		{"reporters and correspondents", "记者 王五 通讯员 赵六", bylineView{OK: true, Authors: []string{"王五", "赵六"}}},
		{"bracketed reporter", "（记者 李四）", bylineView{OK: true, Authors: []string{"李四"}}},
		{"bracketed glued names", "（记者陈智 通讯员刘娟）", bylineView{OK: true, Authors: []string{"陈智", "刘娟"}}},
		{"dateline", "本报讯（记者 张三 通讯员 李四）", bylineView{OK: true, Authors: []string{"张三", "李四"}}},
		{"wire dateline", "新华社北京2月24日电（记者 王五）", bylineView{OK: true, Authors: []string{"王五"}}},
		{"text and photos", "文/图 王某", bylineView{OK: true, Authors: []string{"王某"}}},
		{"text bar", "文｜张三", bylineView{OK: true, Authors: []string{"张三"}}},
		{"editor in charge", "责任编辑：张三", bylineView{OK: true, Editor: "张三"}},
		{"Traditional editor in charge", "責任編輯：陳大文", bylineView{OK: true, Editor: "陳大文"}},
		{"bracketed editor", "【编辑：姚昊】", bylineView{OK: true, Editor: "姚昊"}},
		{"square bracketed editor", "[责任编辑：刘斌]", bylineView{OK: true, Editor: "刘斌"}},
		{"editor staff code", "本文来源：证券市场红周刊 责任编辑：杨倩_NF4425", bylineView{OK: true, Origin: "证券市场红周刊", Editor: "杨倩"}},
		{"editor code alone", "（责任编辑： HN666）", bylineView{OK: true, Editor: "HN666"}},
		{"editor in charge wins", "编辑：李四 责任编辑：张三", bylineView{OK: true, Editor: "张三"}},
		{"short editor label", "(责编：汤诗瑶、丁涛)", bylineView{OK: true, Editor: "汤诗瑶、丁涛"}},
		{"origin label variants 稿源", "稿源：新华社", bylineView{OK: true, Origin: "新华社"}},
		{"origin label variants 出处", "出处：人民日报", bylineView{OK: true, Origin: "人民日报"}},
		{"origin label variants 来源于", "来源于：东区办事处", bylineView{OK: true, Origin: "东区办事处"}},
		{"origin with widget words", "2019-09-07 13:43:45 来源: 证券市场红周刊 举报", bylineView{
			OK: true, Published: "2019-09-07T13:43:45+08:00", Precision: "second", Origin: "证券市场红周刊"}},
		{"labels glued together", "2019-09-26 12:11来源：证券时报网作者：李在山", bylineView{
			OK: true, Published: "2019-09-26T12:11:00+08:00", Precision: "minute", Origin: "证券时报网", Authors: []string{"李在山"}}},
		{"bar separated", "来源：央视新闻 | 作者：张三 | 2022-02-24 10:30", bylineView{
			OK: true, Published: "2022-02-24T10:30:00+08:00", Precision: "minute", Origin: "央视新闻", Authors: []string{"张三"}}},
		{"font size widget", "2019-09-09 19:32:27 字号：A- A A+ 来源：中新网", bylineView{
			OK: true, Published: "2019-09-09T19:32:27+08:00", Precision: "second", Origin: "中新网"}},
		{"origin with channel", "2019年06月15日08:18 来源：人民网-文化频道", bylineView{
			OK: true, Published: "2019-06-15T08:18:00+08:00", Precision: "minute", Origin: "人民网-文化频道"}},
		{"weekday", "2022年2月24日 星期四 来源：人民网", bylineView{
			OK: true, Published: "2022-02-24T00:00:00+08:00", Precision: "day", Origin: "人民网"}},
		{"no colon editor and proofreader", "编辑 刘晓阳 校对 李铭", bylineView{OK: true, Editor: "刘晓阳"}},
		{"paper glued to reporter", "新京报记者 陆一夫", bylineView{OK: true, Authors: []string{"陆一夫"}}},
		{"site glued to reporter, two names", "澎湃新闻记者 段彦超 廖艳", bylineView{OK: true, Authors: []string{"段彦超", "廖艳"}}},
		{"trainee reporter under 采写", "采写：南都见习记者 林子沛", bylineView{OK: true, Authors: []string{"林子沛"}}},
		{"photo suffix", "作者：张三 李四 摄", bylineView{OK: true, Authors: []string{"张三", "李四"}}},
		{"Latin names", "作者：John Smith, 李四", bylineView{OK: true, Authors: []string{"John Smith", "李四"}}},
		{"publish label without colon", "发表于 2022-02-24", bylineView{OK: true, Published: "2022-02-24T00:00:00+08:00", Precision: "day"}},
		{"full width everything", "２０２２年２月２４日\u3000下午３：０５\u3000来源：新华网", bylineView{
			OK: true, Published: "2022-02-24T15:05:00+08:00", Precision: "minute", Origin: "新华网"}},
		{"RFC 3339 alone", "2022-02-24T10:30:05+08:00", bylineView{OK: true, Published: "2022-02-24T10:30:05+08:00", Precision: "second"}},
		{"date alone", "2019年11月25日 16:04:30", bylineView{OK: true, Published: "2019-11-25T16:04:30+08:00", Precision: "second"}},
		{"date and paper", "2019年11月25日 18:57 参考消息", bylineView{
			OK: true, Published: "2019-11-25T18:57:00+08:00", Precision: "minute", Origin: "参考消息"}},
		{"original mark, paper, date", "原创 南方都市报 2019-09-09 16:01:46", bylineView{
			OK: true, Published: "2019-09-09T16:01:46+08:00", Precision: "second", Origin: "南方都市报"}},
		{"date and site at day precision", "2022-02-24 新华网", bylineView{
			OK: true, Published: "2022-02-24T00:00:00+08:00", Precision: "day", Origin: "新华网"}},
		{"origin holds a date", "来源：新华社 2022-02-24", bylineView{
			OK: true, Published: "2022-02-24T00:00:00+08:00", Precision: "day", Origin: "新华社"}},
		{"government portal", "发布时间：2022-02-24 10:30:00 来源：市政府办公室 浏览次数：1234 【字体：大 中 小】", bylineView{
			OK: true, Published: "2022-02-24T10:30:00+08:00", Precision: "second", Origin: "市政府办公室"}},
		{"bars and counters", "文章来源：新华网 | 作者：李四 | 发布日期：2022年2月24日 | 点击数：1024", bylineView{
			OK: true, Published: "2022-02-24T00:00:00+08:00", Precision: "day", Origin: "新华网", Authors: []string{"李四"}}},
		{"date first, bars", "2022-02-24 10:30 | 来源：央视新闻客户端 | 编辑：王五", bylineView{
			OK: true, Published: "2022-02-24T10:30:00+08:00", Precision: "minute", Origin: "央视新闻客户端", Editor: "王五"}},
		{"bracketed widgets after the editor", "来源：新华网 编辑：李四 【打印】【关闭】", bylineView{OK: true, Origin: "新华网", Editor: "李四"}},
		{"paper page", "来源：人民日报 2022年02月24日 第04版", bylineView{
			OK: true, Published: "2022-02-24T00:00:00+08:00", Precision: "day", Origin: "人民日报"}},
		{"staff reporter as author value", "作者：本报记者 张三", bylineView{OK: true, Authors: []string{"张三"}}},
		{"bullet before reporters", "■ 本报记者 张三 李四", bylineView{OK: true, Authors: []string{"张三", "李四"}}},
		{"information source", "信息来源：市教育局 发布时间：2022-02-24", bylineView{
			OK: true, Published: "2022-02-24T00:00:00+08:00", Precision: "day", Origin: "市教育局"}},
		{"author label wrote 撰稿", "撰稿：王小明　审核：李大明", bylineView{OK: true, Authors: []string{"王小明"}}},
		{"Traditional reporter", "記者 陳小明／台北報導", bylineView{OK: true, Authors: []string{"陳小明"}}},

		// Not bylines.
		{"news sentence with 记者", "据新华社报道，记者从有关部门获悉", bylineView{}},
		{"sentence starting with 记者", "记者了解到，涉事项目的名称为长沙某小区", bylineView{}},
		{"column heading 记者手记", "记者手记", bylineView{}},
		{"nav word", "时间视频", bylineView{}},
		{"author's other articles", "作者最新文章", bylineView{}},
		{"caption", "图片来源：每经记者 张蕊 摄", bylineView{}},
		{"citation", "（资料来源：参考消息、海外网等）", bylineView{}},
		{"photo caption sentence", "10月4日，旅游专列开往襄阳。 通讯员刘娟 摄", bylineView{}},
		{"lead with dateline", "长江网10月4日讯（记者陈智 整合） 国庆中秋长假过半", bylineView{}},
		{"source inside a word", "信息来源于网络", bylineView{}},
		{"comment with date", "0条评论2020-09-11 15:17:02", bylineView{}},
		{"commenter with date", "往事随风x8pe[网易山东省德州市手机网友]2019-09-07 17:51:44", bylineView{}},
		{"video list item", "2019-09-09 18:38 “我和我的祖国”快闪·上海", bylineView{}},
		{"event notice", "时间：2022年3月1日上午9时 地点：市政府会议室", bylineView{}},
		{"date without year", "发布时间：09-3022:46青岛软媒网络科技有限公司", bylineView{}},
		{"dated heading", "2020年9月1日 开学第一天", bylineView{}},
		{"dated sentence", "2020年9月1日，全市中小学开学", bylineView{}},
		{"name 李文静 is not 文", "李文静说今天很好", bylineView{}},
		{"origin value is a sentence", "来源：据了解，此次会议共有三百人参加", bylineView{}},
		{"too long", "作者：" + strings.Repeat("张三", 80), bylineView{}},
		{"empty", "", bylineView{}},
		{"blank", " \u3000 ", bylineView{}},
		{"labels only", "来源： 作者：", bylineView{}},
		{"question", "记者问：你怎么看？", bylineView{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, ok := ParseBylineAt(tt.in, nil, testNow)
			if diff := cmp.Diff(tt.want, viewOf(b, ok), cmpEmpty()); diff != "" {
				t.Errorf("ParseBylineAt(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// cmpEmpty treats nil and empty slices alike.
func cmpEmpty() cmp.Option {
	return cmp.FilterValues(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())
}

func TestParseBylineMultiLine(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bylineView
	}{
		{"date, origin and reporters", "2019年11月25日 16:04:30\n来源：澎湃新闻网\n澎湃新闻记者 段彦超 廖艳", bylineView{
			OK: true, Published: "2019-11-25T16:04:30+08:00", Precision: "second",
			Origin: "澎湃新闻网", Authors: []string{"段彦超", "廖艳"}}},
		{"blank lines between", "作者：张三\n\n  \n来源：新华网\n责任编辑：李四", bylineView{
			OK: true, Origin: "新华网", Authors: []string{"张三"}, Editor: "李四"}},
		{"more precise time for the same day", "日期：2022-02-24\n发布时间：2022-02-24 10:30", bylineView{
			OK: true, Published: "2022-02-24T10:30:00+08:00", Precision: "minute"}},
		{"first date wins otherwise", "2022-02-24\n更新时间：2022-02-25 10:30", bylineView{
			OK: true, Published: "2022-02-24T00:00:00+08:00", Precision: "day"}},
		{"authors deduplicated", "作者：张三\n记者 张三 李四", bylineView{OK: true, Authors: []string{"张三", "李四"}}},
		{"one line is body text", "来源：新华网\n记者从有关部门获悉，今年以来全市经济稳中向好。", bylineView{}},
		{"only blank lines", "\n\n", bylineView{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, ok := ParseBylineAt(tt.in, nil, testNow)
			if diff := cmp.Diff(tt.want, viewOf(b, ok), cmpEmpty()); diff != "" {
				t.Errorf("ParseBylineAt(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestParseBylineBodySentences feeds body sentences written in the style
// of Chinese portals (label words inside running text, captions, quotes,
// lists): none is a byline.
func TestParseBylineBodySentences(t *testing.T) {
	sentences := []string{
		"记者注意到，今年3月27日，国际密码协会公布了当选会士名单。",
		"据《红周刊》记者了解，多地项目均存在违规销售问题",
		"对此，相关负责人向记者表示，公司将积极整改",
		"《红周刊》记者向集团相关负责人核实相关项目的整改情况，但截至发稿前公司并未回复。",
		"新京报讯（记者 陆一夫）11月25日，新京报记者登录拼多多全球购页面发现",
		"女民警1天拨100个电话，被电信停机 （来源：梨视频）",
		"时间管理的7大绝招",
		"记者问林郑是否还应担任香港行政长官？外交部回应",
		"外国记者盛赞湾区活力",
		"今天，外交部发言人主持最后一次例行记者会",
		"特别声明：以上内容为自媒体平台用户上传并发布，本平台仅提供信息存储服务。",
		"图片来源：未来科学大奖官网",
		"根据携程旅行网发布的数据，全国约有6亿人次可能在黄金周期间出行",
		"发布时间待定，敬请关注",
		"编辑部的故事",
		"作者简介：张三，资深记者，长期关注教育问题",
		"日期：另行通知",
		"2016年，无论对于龙湖还是整个房地产行业而言都是一个重要的年份",
		"2019年9月6日，公安部治安管理局官微发布消息称",
		"十一假期来武汉旅游体验“穿越古今”2020.10.04",
		"中国男篮VS男丁格尔，今晚武汉开打2020.10.04",
		"版权所有：© 2001-2012 中国地理学会 地址：北京市朝阳区",
		"400-6533-789 工作时间 09:00-19:00",
		"文化和旅游部发布2022年春节假期文化和旅游市场情况",
		"作者的话：写在连载结束之际",
		"记者 手记：一座城的温度，是这样炼成的",
		"上一篇：2019年中国产业政策与发展地理学术研讨会",
	}
	for _, s := range sentences {
		if b, ok := ParseBylineAt(s, nil, testNow); ok {
			t.Errorf("ParseBylineAt(%q) = %+v, ok; want not a byline", s, b)
		}
	}
}

func TestParseBylineLocation(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	b, ok := ParseBylineAt("发布时间：2022-02-24 10:30", tokyo, testNow)
	if !ok || b.Published.Location() != tokyo || b.Published.Hour() != 10 {
		t.Errorf("ParseBylineAt in JST = %+v, %v", b, ok)
	}
	b, ok = ParseByline("时间:2022-02-24", nil)
	if !ok || b.Published.Location() != DefaultLocation() {
		t.Errorf("ParseByline with nil location = %+v, %v", b, ok)
	}
}

func TestParseBylineReturnsCopies(t *testing.T) {
	// Authors must not alias between calls.
	a, _ := ParseBylineAt("作者：张三 李四", nil, testNow)
	a.Authors[0] = "X"
	b, _ := ParseBylineAt("作者：张三 李四", nil, testNow)
	if b.Authors[0] != "张三" {
		t.Errorf("second call sees %q", b.Authors[0])
	}
}

func TestSplitAuthors(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"李繼遠 高寒 廖敬生", []string{"李繼遠", "高寒", "廖敬生"}},
		{"张三、李四", []string{"张三", "李四"}},
		{"张三,李四，王五;赵六；钱七/孙八", []string{"张三", "李四", "王五", "赵六", "钱七", "孙八"}},
		{"张三\u3000李四", []string{"张三", "李四"}},
		{"记者 王五 通讯员 赵六", []string{"王五", "赵六"}},
		{"（记者 李四）", []string{"李四"}},
		{"(李繼遠 高寒 廖敬生)", []string{"李繼遠", "高寒", "廖敬生"}},
		{"文/图 王某", []string{"王某"}},
		{"记者陈智 整合", []string{"陈智"}},
		{"新华社记者张三", []string{"张三"}},
		{"本报记者 张三 实习生 李四", []string{"张三", "李四"}},
		{"南都见习记者 林子沛", []string{"林子沛"}},
		{"张三 报道", []string{"张三"}},
		{"张三报道", []string{"张三"}},
		{"李四摄", []string{"李四"}},
		{"张三 李四 摄", []string{"张三", "李四"}},
		{"王五等", []string{"王五"}},
		{"李嘉文", []string{"李嘉文"}}, // a name ending in 文
		{"John Smith, Mary Ann Lee", []string{"John Smith", "Mary Ann Lee"}},
		{"John Smith 张三", []string{"John Smith", "张三"}},
		{"阿卜杜拉·艾则孜", []string{"阿卜杜拉·艾则孜"}},
		{"张三 张三", []string{"张三"}},
		{"123 张三 4567", []string{"张三"}},
		{"张 三", nil}, // one Han rune is not a name
		{strings.Repeat("长", 21), nil},
		{"、、 ,, ", nil},
		{"", nil},
		{"ＡＢＣ　李四", []string{"ＡＢＣ", "李四"}}, // full width kept as written
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, SplitAuthors(tt.in), cmpEmpty()); diff != "" {
				t.Errorf("SplitAuthors(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestLabelTable(t *testing.T) {
	s := "x本文来源：责任编辑张三来源"
	got := scanLabels(s, 0, len(s))
	var words []string
	for _, m := range got {
		words = append(words, s[m[0]:m[1]])
	}
	if diff := cmp.Diff([]string{"本文来源", "责任编辑", "来源"}, words); diff != "" {
		t.Errorf("scanLabels mismatch (-want +got):\n%s", diff)
	}
	// Every label is matched whole and classified, and longer labels win
	// over their prefixes.
	for _, d := range labelTable() {
		m := scanLabels(d.text, 0, len(d.text))
		if len(m) == 0 || d.text[m[0][0]:m[0][1]] != d.text {
			t.Errorf("scanLabels(%q) = %v", d.text, m)
		}
		if labelKinds[d.text] != d.kind {
			t.Errorf("labelKinds[%q] = %d, want %d", d.text, labelKinds[d.text], d.kind)
		}
	}
}
