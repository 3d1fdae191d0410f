package hygiene_test

import (
	"fmt"

	"winnow/cleaner/hygiene"
)

func Example() {
	c, err := hygiene.New(hygiene.Options{}) // embedded rules, OpenCC t2s folding
	if err != nil {
		fmt.Println(err)
		return
	}
	res := c.Clean(hygiene.Document{
		TitleCandidates: []string{"99福利在线_xxxx影院_毛片网站免费_777sesese", "區政府部署老舊小區改造工作"},
		Segments:        []hygiene.Segment{{Text: "首頁 > 本地新聞 > 正文", Role: hygiene.RoleBreadcrumb}},
		Body: []string{
			"昨日，區政府召開專題會議，研究部署今年老舊小區改造工作。",
			"扫描二维码关注我们的微信公众号",
		},
	})
	fmt.Println(res.Title)
	fmt.Println(res.Verdict, len(res.Body))
	for _, r := range res.Removed {
		fmt.Println(r.Kind, r.Rule, r.Field, r.Text)
	}
	// Output:
	// 區政府部署老舊小區改造工作
	// cleaned 1
	// spam spam.keyword_chain title 99福利在线_xxxx影院_毛片网站免费_777sesese
	// boilerplate boilerplate.breadcrumb page 首頁 > 本地新聞 > 正文
	// ad ad.qr_prompt body 扫描二维码关注我们的微信公众号
}
