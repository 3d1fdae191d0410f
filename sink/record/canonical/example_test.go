package canonical_test

import (
	"fmt"

	"winnow/sink/record/canonical"
)

func ExampleURL() {
	u, err := canonical.URL("HTTP://News.Example.CN:80/a/./b/../c.html?utm_source=wx&id=7&sid=abc&page=2#comments", "sid")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u)
	// Output: http://news.example.cn/a/c.html?id=7&page=2
}
