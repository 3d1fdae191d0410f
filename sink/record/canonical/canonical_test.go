package canonical

import (
	"errors"
	"net/url"
	"testing"
	"unicode/utf8"
)

func TestURL(t *testing.T) {
	tests := []struct {
		in, want string
		strip    []string
	}{
		{"HTTP://News.Example.CN/a/b.html", "http://news.example.cn/a/b.html", nil},
		{"http://news.example.cn", "http://news.example.cn/", nil},
		{"http://news.example.cn:80/x", "http://news.example.cn/x", nil},
		{"https://news.example.cn:443/x", "https://news.example.cn/x", nil},
		{"https://news.example.cn:8443/x", "https://news.example.cn:8443/x", nil},
		{"http://news.example.cn:080/x", "http://news.example.cn/x", nil},
		{"http://news.example.cn./x", "http://news.example.cn/x", nil},
		{"http://user:pw@news.example.cn/x", "http://news.example.cn/x", nil},
		{"http://a.cn/x#frag", "http://a.cn/x", nil},
		{"http://a.cn/x?#", "http://a.cn/x", nil},
		{"http://a.cn/a/./b/../c/", "http://a.cn/a/c/", nil},
		{"http://a.cn/../../x", "http://a.cn/x", nil},
		{"http://a.cn/%7Euser/%2e%2E/y", "http://a.cn/y", nil},
		{"http://a.cn/%e4%b8%ad", "http://a.cn/%E4%B8%AD", nil},
		{"http://a.cn/中文/页面.html", "http://a.cn/%E4%B8%AD%E6%96%87/%E9%A1%B5%E9%9D%A2.html", nil},
		{"http://a.cn/a%2Fb", "http://a.cn/a%2Fb", nil},
		{"http://a.cn/100%", "http://a.cn/100%25", nil},
		{"http://a.cn/x?b=2&a=1", "http://a.cn/x?a=1&b=2", nil},
		{"http://a.cn/x?a=2&b=1&a=1", "http://a.cn/x?a=2&a=1&b=1", nil},
		{"http://a.cn/x?utm_source=wx&utm_medium=s&id=5", "http://a.cn/x?id=5", nil},
		{"http://a.cn/x?UTM_Campaign=z&id=5", "http://a.cn/x?id=5", nil},
		{"http://a.cn/x?spm=a.b.c&from=timeline&fbclid=1&gclid=2", "http://a.cn/x", nil},
		{"http://a.cn/x?id=5&&sid=9&", "http://a.cn/x?id=5&sid=9", nil},
		{"http://a.cn/x?id=5&sid=9", "http://a.cn/x?id=5", []string{"SID"}},
		{"http://a.cn/x?q=%e6%96%b0+%41", "http://a.cn/x?q=%E6%96%B0+A", nil},
		{"http://a.cn/x?q=新闻", "http://a.cn/x?q=%E6%96%B0%E9%97%BB", nil},
		{"http://a.cn/x?a=1;b=2", "http://a.cn/x?a=1;b=2", nil},
		{"http://a.cn/x?%75tm_source=1&k", "http://a.cn/x?k", nil},
		{"http://例子.中国/新闻", "http://xn--fsqu00a.xn--fiqs8s/%E6%96%B0%E9%97%BB", nil},
		{"http://[2001:DB8::1]:80/", "http://[2001:db8::1]/", nil},
		{"http://[::FFFF:7F00:1]/", "http://[::ffff:127.0.0.1]/", nil},
		{"  http://a.cn/x  ", "http://a.cn/x", nil},
		{"http://a_b.example.com/", "http://a_b.example.com/", nil},
	}
	for _, tt := range tests {
		got, err := URL(tt.in, tt.strip...)
		if err != nil {
			t.Errorf("URL(%q) error %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again, _ := URL(got, tt.strip...); again != got {
			t.Errorf("not idempotent: %q -> %q", got, again)
		}
	}
}

func TestCanonicalURLErrors(t *testing.T) {
	for _, in := range []string{"", "/relative", "mailto:a@b.cn", "ftp://a.cn/", "http://", "http://a.cn:99999/", "http://[fe80::1%25eth0]/", "http://a b.cn/", "http://a.cn:x/"} {
		if got, err := URL(in); !errors.Is(err, ErrBadURL) {
			t.Errorf("URL(%q) = %q, %v; want ErrBadURL", in, got, err)
		}
	}
}

func FuzzURL(f *testing.F) {
	for _, s := range []string{
		"http://a.cn/x?b=2&a=1#f", "HTTPS://例子.中国:443/a/../b?utm_x=1&%41=%42",
		"http://[::1]:8080/%zz%2e/./?q=a+b&q=%", "http://a.cn/x?a=1&a=1&=&&",
	} {
		f.Add(s, "sid")
	}
	f.Fuzz(func(t *testing.T, in, strip string) {
		got, err := URL(in, strip)
		if err != nil {
			if !errors.Is(err, ErrBadURL) {
				t.Fatalf("error %v does not wrap ErrBadURL", err)
			}
			return
		}
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 %q", got)
		}
		for i := 0; i < len(got); i++ {
			if got[i] <= ' ' || got[i] >= 0x7f {
				t.Fatalf("unescaped byte %q in %q", got[i], got)
			}
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("%q does not parse: %v", got, err)
		}
		if u.Fragment != "" || u.User != nil || (u.Scheme != "http" && u.Scheme != "https") {
			t.Fatalf("%q keeps a fragment, user info or another scheme", got)
		}
		again, err := URL(got, strip)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q (%v)", got, again, err)
		}
	})
}
