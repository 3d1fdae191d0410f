package zhmeta

import (
	"strings"
	"testing"
)

// Run: go test -run '^$' -bench . -benchmem ./cleaner/extract/zhmeta

func BenchmarkParseByline(b *testing.B) {
	cases := map[string]string{
		"seed":      "時間:2022-02-24 來源:梧州零距離網-梧州日報 作者:李繼遠 高寒 廖敬生 編輯:徐慧",
		"fullwidth": "２０２２年２月２４日\u3000下午３：０５\u3000来源：新华网\u3000作者：张三",
		"sentence":  "据新华社报道，记者从有关部门获悉，今年以来全市经济稳中向好",
		"paragraph": strings.Repeat("群眾利益無小事，一枝一葉總關情。", 10),
	}
	for name, line := range cases {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ParseBylineAt(line, nil, testNow)
			}
		})
	}
}

func BenchmarkParseDate(b *testing.B) {
	cases := map[string]string{
		"iso":      "2022-02-24T10:30:05+08:00",
		"chinese":  "发布时间：2022年02月24日 下午10:30",
		"no date":  "续写更多政法干警“春天的故事”",
		"sentence": "去年以来，市政法机关将开展“我为群众办实事”实践活动贯穿政法队伍教育整顿全过程，截至目前共开展10274多件次。",
	}
	for name, s := range cases {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ParseDateAt(s, nil, testNow)
			}
		})
	}
}

func BenchmarkAnalyzeText(b *testing.B) {
	lines := readLines(b, "seed.txt")
	size := 0
	for _, l := range lines {
		size += len(l) + 1
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		AnalyzeTextAt(lines, nil, testNow)
	}
}

func BenchmarkSplitTitle(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		SplitTitle("柳叶刀：味觉嗅觉丧失是新冠感染最强预测指标_科技湃_澎湃新闻-The Paper")
	}
}
