package zhmeta_test

import (
	"fmt"
	"strings"
	"time"

	"winnow/cleaner/extract/zhmeta"
)

func ExampleParseByline() {
	b, ok := zhmeta.ParseByline("時間:2022-02-24 來源:梧州零距離網-梧州日報 作者:李繼遠 高寒 廖敬生 編輯:徐慧", nil)
	fmt.Println(ok, b.Published.Format(time.RFC3339), b.Precision)
	fmt.Println(b.Origin, b.Authors, b.Editor)

	_, ok = zhmeta.ParseByline("据新华社报道，记者从有关部门获悉", nil)
	fmt.Println(ok)
	// Output:
	// true 2022-02-24T00:00:00+08:00 day
	// 梧州零距離網-梧州日報 [李繼遠 高寒 廖敬生] 徐慧
	// false
}

func ExampleParseDate() {
	t, precision, ok := zhmeta.ParseDate("发布时间：２０２２年２月２４日 下午3:05", nil)
	fmt.Println(t.Format(time.RFC3339), precision, ok)
	// Output: 2022-02-24T15:05:00+08:00 minute true
}

func ExampleSplitTitle() {
	fmt.Println(zhmeta.SplitTitle("苹果发布新款手机_科技_新浪网"))
	fmt.Println(zhmeta.SplitTitle("99福利在线_xxxx影院_毛片网站免费_777sesese"))
	// Output:
	// 苹果发布新款手机 科技 新浪网
	// 99福利在线_xxxx影院_毛片网站免费_777sesese
}

func ExampleParseBreadcrumb() {
	crumbs, ok := zhmeta.ParseBreadcrumb("梧州零距離網 > 聚焦梧州 > 正文")
	fmt.Println(crumbs, ok)
	fmt.Println(zhmeta.SiteSection(crumbs))
	// Output:
	// [梧州零距離網 聚焦梧州] true
	// 梧州零距離網 聚焦梧州
}

func ExampleAnalyzeText() {
	doc := `99福利在线_xxxx影院_毛片网站免费_777sesese
城关融媒网 > 城关要闻 > 正文
一条老街的“新生活”
——城关区老旧小区改造见闻
时间:2023-05-12 来源:城关融媒网 作者:陈一鸣 编辑:周婷

去年以来，城关区把老旧小区改造列为民生实事。
改造完成后，小区引入物业服务。
责任编辑：周婷`
	lines := strings.Split(doc, "\n")
	l := zhmeta.AnalyzeText(lines, nil)
	fmt.Println("title:", lines[l.Title])
	fmt.Println("subtitle:", zhmeta.TrimSubtitle(lines[l.Subtitle]))
	fmt.Println("site, section:", l.Site, l.Section)
	fmt.Println("preamble:", l.Preamble, "byline:", l.Byline)
	fmt.Println("body:", lines[l.BodyStart:l.BodyEnd])
	fmt.Println("trailer:", l.Trailer)
	fmt.Println("meta:", l.Meta.Published.Format("2006-01-02"), l.Meta.Origin, l.Meta.Authors, l.Meta.Editor)
	// Output:
	// title: 一条老街的“新生活”
	// subtitle: 城关区老旧小区改造见闻
	// site, section: 城关融媒网 城关要闻
	// preamble: [0] byline: [4]
	// body: [去年以来，城关区把老旧小区改造列为民生实事。 改造完成后，小区引入物业服务。]
	// trailer: [8]
	// meta: 2023-05-12 城关融媒网 [陈一鸣] 周婷
}
