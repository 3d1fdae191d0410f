package extract_test

import (
	"fmt"

	"winnow/cleaner/extract"
)

func ExampleExtractor_Extract() {
	x, err := extract.New(extract.Options{})
	if err != nil {
		panic(err)
	}
	page := `<html><head><meta charset="utf-8"><title>社区食堂开进家门口_民生_河东网</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/ms/">民生</a></div>
<h1>社区食堂开进家门口</h1>
<div class="info">发布时间：2023-05-06 11:30 来源：河东日报 作者：许晴</div>
<div class="article-content">
<p>中午十一点半，和平里社区食堂门口已经排起了队，一荤两素一汤的套餐只要十二元。</p>
<p>社区书记介绍，六十岁以上老人每餐还能享受两元补贴。</p>
</div></body></html>`
	d, err := x.Extract(extract.Input{URL: "https://www.hedong.example.cn/ms/2023/0506/88.html?spm=1", Body: []byte(page)})
	if err != nil {
		panic(err)
	}
	a := d.Article
	fmt.Println(a.Title, "|", a.SiteName, "|", a.Section)
	fmt.Println(a.PublishedAt, a.PublishedPrecision, a.Origin, a.Authors)
	fmt.Println(a.CanonicalURL)
	for _, p := range d.Paragraphs {
		fmt.Println(p)
	}
	// Output:
	// 社区食堂开进家门口 | 河东网 | 民生
	// 2023-05-06T11:30:00+08:00 minute 河东日报 [许晴]
	// https://www.hedong.example.cn/ms/2023/0506/88.html
	// 中午十一点半，和平里社区食堂门口已经排起了队，一荤两素一汤的套餐只要十二元。
	// 社区书记介绍，六十岁以上老人每餐还能享受两元补贴。
}
