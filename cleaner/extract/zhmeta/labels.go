package zhmeta

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// labelKind is what a byline label announces.
type labelKind uint8

const (
	kindNone labelKind = iota
	// kindDate: 时间, 发布时间, 日期 …; the value is a date.
	kindDate
	// kindOrigin: 来源, 本文来源, 稿源, 出处 …
	kindOrigin
	// kindAuthor: 作者, 记者, 文, 撰稿, 通讯员, 实习生 …
	kindAuthor
	// kindEditor: 编辑 (rank 1), 责任编辑 and 责编 (rank 2).
	kindEditor
	// kindIgnore: labels that end the previous value but are not stored
	// (主编, 审核, 校对, 摄影, 字号 …).
	kindIgnore
	// kindCaption: 图片来源, 资料来源 …: a line starting with one is a
	// caption or a citation, never a byline.
	kindCaption
	// kindVeto: 地点, 电话, 地址 …: a line holding one is an event or
	// contact notice, never a byline.
	kindVeto
)

// labelDef is one label spelling (folded form) and its kind.
type labelDef struct {
	text string
	kind labelKind
}

// labelTable lists every label spelling, Simplified and Traditional. It
// returns a fresh slice; the package keeps only what it derives at start:
// labelRe and labelKinds.
func labelTable() []labelDef {
	var defs []labelDef
	add := func(k labelKind, words ...string) {
		for _, w := range words {
			defs = append(defs, labelDef{w, k})
		}
	}
	add(kindDate,
		"发布时间", "發佈時間", "發布時間", "发表时间", "發表時間", "发稿时间", "發稿時間",
		"更新时间", "更新時間", "刊发时间", "刊發時間", "出版时间", "出版時間", "上传时间", "上傳時間",
		"发布日期", "發佈日期", "發布日期", "发表日期", "發表日期", "出版日期", "刊发日期", "刊發日期",
		"发布于", "發佈於", "發布於", "发表于", "發表於", "更新于", "更新於",
		"发布", "發佈", "發布", "时间", "時間", "日期")
	add(kindOrigin,
		"来源", "來源", "本文来源", "本文來源", "文章来源", "文章來源", "新闻来源", "新聞來源",
		"稿件来源", "稿件來源", "消息来源", "消息來源", "信息来源", "信息來源", "資訊來源",
		"来源于", "來源於", "稿源", "出处", "出處", "转自", "轉自", "转载自", "轉載自", "转载于", "轉載於")
	add(kindAuthor,
		"作者", "记者", "記者", "撰稿", "撰稿人", "撰文", "撰写", "撰寫", "执笔", "執筆", "采写", "採寫",
		"通讯员", "通訊員", "实习生", "實習生", "文字", "文/图", "文/圖", "图/文", "圖/文", "文/摄", "文/攝",
		"文")
	add(kindEditor,
		"编辑", "編輯", "责任编辑", "責任編輯", "责编", "責編", "本文编辑", "本文編輯",
		"网络编辑", "網絡編輯", "網路編輯", "值班编辑", "值班編輯", "实习编辑", "實習編輯", "编审", "編審")
	add(kindIgnore,
		"主编", "主編", "总编辑", "總編輯", "副总编辑", "副總編輯", "审核", "審核", "审校", "審校", "审稿", "審稿",
		"校对", "校對", "监制", "監製", "出品", "出品人", "统筹", "統籌", "策划", "策劃", "终审", "終審",
		"初审", "初審", "复审", "複審", "签发", "簽發", "值班主任", "摄影", "攝影", "摄像", "攝像", "视频", "視頻",
		"设计", "設計", "制图", "製圖", "翻译", "翻譯", "编译", "編譯", "整理", "图片编辑", "圖片編輯",
		"美术编辑", "美術編輯", "视频编辑", "視頻編輯", "字号", "字號", "字体", "字體", "浏览", "瀏覽",
		"浏览量", "瀏覽量", "浏览次数", "瀏覽次數", "阅读", "閱讀", "阅读量", "閱讀量", "阅读数", "閱讀數",
		"阅读次数", "閱讀次數", "点击", "點擊", "点击数", "點擊數", "点击量", "點擊量", "点击次数", "點擊次數",
		"评论", "評論", "分享", "分享到", "关键词", "關鍵詞", "关键字", "關鍵字", "标签", "標籤", "原标题", "原標題")
	add(kindCaption,
		"图片来源", "圖片來源", "图源", "圖源", "资料来源", "資料來源", "数据来源", "數據來源", "視頻來源",
		"视频来源", "题图", "題圖", "图片", "圖片", "配图", "配圖")
	add(kindVeto,
		"地点", "地點", "地址", "电话", "電話", "联系电话", "聯繫電話", "联系人", "聯繫人", "邮箱", "郵箱",
		"主办", "主辦", "承办", "承辦", "报名", "報名", "会议时间", "會議時間", "活动时间", "活動時間",
		"开始时间", "開始時間", "结束时间", "結束時間", "截止时间", "截止時間", "申请时间", "申請時間")
	return defs
}

// labelIndex maps the first rune of every label to the labels starting
// with it, longest first, so that 本文来源 wins over 来源 and 责任编辑 over
// 责任 at the same position.
func labelIndexMap() map[rune][]string {
	m := map[rune][]string{}
	for _, d := range labelTable() {
		r, _ := utf8.DecodeRuneInString(d.text)
		m[r] = append(m[r], d.text)
	}
	for _, words := range m {
		slices.SortStableFunc(words, func(a, b string) int { return len(b) - len(a) })
	}
	return m
}

func labelKindMap() map[string]labelKind {
	defs := labelTable()
	m := make(map[string]labelKind, len(defs))
	for _, d := range defs {
		m[d.text] = d.kind
	}
	return m
}

// labelIndex and labelKinds are derived once from labelTable and never
// written afterwards.
var (
	labelIndex = labelIndexMap()
	labelKinds = labelKindMap()
)

// scanLabels returns the spans of labels in s[lo:hi], leftmost first and
// not overlapping (the longest label at each position).
func scanLabels(s string, lo, hi int) [][2]int {
	var out [][2]int
	for i := lo; i < hi; {
		r, n := utf8.DecodeRuneInString(s[i:hi])
		matched := false
		for _, w := range labelIndex[r] {
			if strings.HasPrefix(s[i:hi], w) {
				out = append(out, [2]int{i, i + len(w)})
				i += len(w)
				matched = true
				break
			}
		}
		if !matched {
			i += n
		}
	}
	return out
}

// editorRank orders editor labels: 责任编辑 wins over 编辑.
func editorRank(label string) int {
	switch label {
	case "责任编辑", "責任編輯", "责编", "責編":
		return 2
	}
	return 1
}

// isReporterLabel reports whether an author label may carry an
// organisation prefix glued to it (新京报记者, 本报见习记者).
func isReporterLabel(label string) bool {
	return label == "记者" || label == "記者"
}

// gluesToName reports whether a name may follow the label without a space
// or colon, as in （记者陈智 通讯员刘娟）.
func gluesToName(label string) bool {
	switch label {
	case "记者", "記者", "通讯员", "通訊員", "实习生", "實習生":
		return true
	}
	return false
}
