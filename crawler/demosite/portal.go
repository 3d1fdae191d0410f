package demosite

import (
	"net/http"
	"strconv"
	"strings"
)

// Layout is how the pages of a link-dense site are composed.
type Layout int

const (
	// LayoutArticleText fills each page with article paragraphs: about
	// 80% of its bytes are visible Chinese text, eight times the share on
	// real news pages. It is the heaviest case for the content path.
	LayoutArticleText Layout = iota
	// LayoutPortal composes each page like a Chinese news portal's
	// article page: head metadata, inline style and scripts (about 30% of
	// the bytes), a channel bar, breadcrumbs, an article of about 15% of
	// the page, a share bar, the related links, a hot list, a footer of
	// outside links and an ad-slot script that pads the page to its size.
	// Visible text is about a quarter of the bytes, links about 80 per
	// 30 KB page: both above the medians of the real pages in
	// shared/data/zh-news-dev (10% text, 45 links per 30 KB).
	LayoutPortal
)

// String names the layout as the benchmarks print it.
func (l Layout) String() string {
	if l == LayoutPortal {
		return "portal"
	}
	return "article-text"
}

// portalChannels are the channel bar's sections, each a listing page.
var portalChannels = []struct{ slug, name string }{
	{"yaowen", "要闻"}, {"local", "本地"}, {"china", "国内"}, {"world", "国际"}, {"finance", "财经"},
	{"tech", "科技"}, {"edu", "教育"}, {"health", "健康"}, {"travel", "文旅"}, {"sports", "体育"},
	{"house", "房产"}, {"auto", "汽车"}, {"opinion", "评论"}, {"photo", "图片"}, {"video", "视频"},
	{"special", "专题"}, {"gov", "政务"}, {"life", "民生"}, {"charity", "公益"}, {"culture", "文化"},
}

// channelPrefix starts the path of a channel listing page.
const channelPrefix = "/channel/"

const portalStyle = `<style>
body{margin:0;font:14px/1.75 "PingFang SC","Hiragino Sans GB","Microsoft YaHei",sans-serif;color:#222;background:#fff}
a{color:#222;text-decoration:none}a:hover{color:#c00;text-decoration:underline}
.w1200{width:1200px;margin:0 auto}.clearfix:after{content:"";display:block;clear:both}.fl{float:left}.fr{float:right}
.top-bar{height:32px;line-height:32px;background:#f5f5f5;border-bottom:1px solid #e5e5e5;font-size:12px;color:#666}
.top-bar a{margin-left:12px;color:#666}
.header{height:90px;padding:10px 0}.header .logo img{height:60px}
.nav{margin:0;padding:0 10px;list-style:none;background:#c00;height:42px;line-height:42px}
.nav-item{float:left}.nav-item a{display:block;padding:0 14px;color:#fff;font-size:16px}
.crumbs{margin:14px auto;font-size:13px;color:#888}.crumbs a{color:#888}
.left-col{float:left;width:820px}.right-col{float:right;width:340px}
.article-title{margin:10px 0;font-size:30px;line-height:1.4;font-weight:700}
.meta{margin-bottom:20px;padding-bottom:12px;border-bottom:1px solid #eee;font-size:13px;color:#888}
.meta span{margin-right:18px}
.article-body p{margin:0 0 1.2em;text-indent:2em;font-size:17px;line-height:1.9}
.editor{text-align:right;color:#888;font-size:13px}
.share{margin:24px 0;padding:10px 0;border-top:1px dashed #ddd}.share a{margin-right:10px;color:#666}
.related h3,.hot-list h3{font-size:18px;border-left:4px solid #c00;padding-left:10px}
.related ul,.hot-list ol{margin:0;padding:0 0 0 18px}.related li,.hot-list li{line-height:2.1}
.ad-slot{margin:16px 0;background:#fafafa;border:1px solid #eee;text-align:center;color:#bbb}
.footer{margin-top:40px;padding:24px 0;background:#333;color:#aaa;font-size:12px;text-align:center}
.footer a{margin:0 8px;color:#aaa}
@media (max-width:768px){.w1200,.left-col,.right-col{width:auto;float:none;padding:0 12px}.nav{overflow-x:auto;white-space:nowrap}}
</style>
`

const portalAnalytics = `<script src="/static/js/jquery-3.7.1.min.js"></script>
<script src="/static/js/common.js?v=20261001"></script>
<script>
(function(){
  var started = Date.now();
  function send(evt, data){
    var img = new Image();
    var q = ["e=" + encodeURIComponent(evt), "p=" + encodeURIComponent(location.pathname), "t=" + (Date.now() - started)];
    for (var k in data) { if (Object.prototype.hasOwnProperty.call(data, k)) { q.push(k + "=" + encodeURIComponent(data[k])); } }
    img.src = "/stat/collect.gif?" + q.join("&");
  }
  window.addEventListener("load", function(){ send("load", {ref: document.referrer || "direct"}); });
  window.addEventListener("scroll", function(){
    var depth = Math.round((window.scrollY + window.innerHeight) / document.body.scrollHeight * 100);
    if (depth >= 90 && !window.__readDone) { window.__readDone = true; send("read", {depth: depth}); }
  }, {passive: true});
  document.addEventListener("click", function(ev){
    var a = ev.target.closest && ev.target.closest("a");
    if (a && a.href) { send("click", {href: a.getAttribute("href"), area: (a.closest("[data-area]") || {}).dataset ? a.closest("[data-area]").dataset.area : ""}); }
  });
})();
</script>
`

// portalAdSlots are the entries of the ad-slot script that pads a portal
// page to its size.
var portalAdSlots = []string{
	`  {"id": "slot-top-banner", "size": [1200, 90], "lazy": false, "refresh": 0, "targeting": {"channel": "local", "pos": "top"}},` + "\n",
	`  {"id": "slot-right-rect", "size": [300, 250], "lazy": true, "refresh": 30, "targeting": {"channel": "local", "pos": "right"}},` + "\n",
	`  {"id": "slot-in-article", "size": [640, 200], "lazy": true, "refresh": 0, "targeting": {"channel": "local", "pos": "body"}},` + "\n",
	`  {"id": "slot-feed-native", "size": [820, 120], "lazy": true, "refresh": 0, "targeting": {"channel": "local", "pos": "feed"}},` + "\n",
}

// renderPortal renders page n in LayoutPortal.
func (d *LinkDense) renderPortal(buf *ldBuf, n int) []byte {
	b := append(buf.page[:0], "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"+
		"<meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">\n"+
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"...)
	b = d.appendTitle(b, n)
	b = append(b, " - "+linkDenseName+"</title>\n<meta name=\"keywords\" content=\""+linkDenseName+",本地新闻,民生,政务\">\n"+
		"<meta property=\"og:type\" content=\"article\">\n<meta property=\"og:title\" content=\""...)
	b = d.appendTitle(b, n)
	b = append(b, "\">\n<meta property=\"article:published_time\" content=\""...)
	b = appendISOTime(b, n)
	b = append(b, "\">\n<link rel=\"stylesheet\" href=\"/static/css/base.css?v=20261001\">\n"+
		"<link rel=\"stylesheet\" href=\"/static/css/article.css?v=20261001\">\n"+portalStyle+
		"<script>\nwindow.__PAGE_CONFIG__ = {\"site\": \"bench\", \"channel\": \"local\", \"pageType\": \"article\", \"articleId\": \"p"...)
	b = appendPadded(b, n, 6)
	b = append(b, "\", \"publishTime\": \""...)
	b = appendISOTime(b, n)
	b = append(b, "\", \"commentOpen\": true, \"shareChannels\": [\"wechat\", \"weibo\", \"qzone\", \"copy\"]};\n</script>\n"+
		"</head>\n<body class=\"article-page\">\n<div class=\"top-bar\"><div class=\"w1200 clearfix\"><div class=\"fl\">欢迎访问"+linkDenseName+"</div>"+
		"<div class=\"fr\"><a href=\"/user/login\" rel=\"nofollow\">登录</a><a href=\"/user/register\" rel=\"nofollow\">注册</a>"+
		"<a href=\"/m/\">手机版</a></div></div></div>\n<div class=\"header w1200\"><div class=\"logo\"><a href=\"/\">"+
		"<img src=\"/static/img/logo.png\" alt=\""+linkDenseName+"\"></a></div>\n<ul class=\"nav clearfix\" data-area=\"nav\">\n"...)
	for _, c := range portalChannels {
		b = append(b, "<li class=\"nav-item\"><a href=\""+channelPrefix+c.slug+"/\" target=\"_blank\">"+c.name+"</a></li>\n"...)
	}
	b = append(b, "</ul></div>\n<div class=\"crumbs w1200\"><a href=\"/\">首页</a> &gt; <a href=\""+channelPrefix+"local/\">本地</a> &gt; 正文</div>\n"+
		"<div class=\"main w1200 clearfix\">\n<div class=\"left-col\">\n<h1 class=\"article-title\">"...)
	b = d.appendTitle(b, n)
	b = append(b, "</h1>\n<div class=\"meta\"><span class=\"time\">"...)
	b = appendLocalTime(b, n)
	b = append(b, "</span><span class=\"source\">来源："+linkDenseName+"</span><span class=\"author\">记者 "...)
	b = append(b, portalReporters[n%len(portalReporters)]...)
	b = append(b, "</span></div>\n<div class=\"article-body\" id=\"content\">\n"...)
	b = d.appendParagraphs(b, n, d.pageBytes*15/100)
	b = append(b, "<p class=\"editor\">（责任编辑："...)
	b = append(b, portalEditors[n%len(portalEditors)]...)
	b = append(b, "）</p>\n</div>\n<div class=\"share\" data-area=\"share\">分享到：<a href=\"javascript:;\" class=\"wechat\">微信</a>"+
		"<a href=\"javascript:;\" class=\"weibo\">微博</a><a href=\"javascript:;\" class=\"qzone\">QQ空间</a></div>\n"...)
	b = d.appendRelated(b, n)
	b = append(b, "</div>\n<div class=\"right-col\">\n<div class=\"ad-slot\" id=\"slot-right-rect\">广告</div>\n"+
		"<div class=\"hot-list\" data-area=\"hot\"><h3>热点排行</h3><ol>\n"...)
	for k := range 10 {
		m := (n*13 + k*101 + 7) % d.pages
		b = append(b, "<li><a href=\""...)
		b = d.appendHref(b, n, m)
		b = append(b, "\">"...)
		b = d.appendTitle(b, m)
		b = append(b, "</a></li>\n"...)
	}
	b = append(b, "</ol></div>\n</div>\n</div>\n<div class=\"footer\" data-area=\"footer\"><div class=\"w1200\">\n"+
		"<p><a href=\"/about/\">关于我们</a>|<a href=\"/about/contact.html\">联系方式</a>|<a href=\"/about/ads.html\">广告服务</a>|"+
		"<a href=\"/about/jobs.html\">招聘信息</a>|<a href=\"/about/copyright.html\">版权声明</a>|<a href=\"/about/report.html\">违法和不良信息举报</a></p>\n"+
		"<p>友情链接：<a href=\"https://news.partner-one.example/\">合作媒体一</a><a href=\"https://www.partner-two.example/\">合作媒体二</a>"+
		"<a href=\"https://city.partner-three.example/\">城市频道</a><a href=\"https://gov.partner-four.example/\">政务服务网</a></p>\n"+
		"<p>Copyright © 2026 "+linkDenseName+" 版权所有 未经授权禁止转载　新闻热线：0000-00000000</p>\n</div></div>\n"+portalAnalytics...)

	const openTag, closeTag = "<script>\nwindow.__AD_SLOTS__ = [\n", "];\n</script>\n"
	const tail = "</body>\n</html>\n"
	if room := d.pageBytes - len(b) - len(tail); room >= len(openTag)+len(closeTag) {
		b = append(b, openTag...)
		for k := 0; ; k++ {
			s := portalAdSlots[k%len(portalAdSlots)]
			if len(b)+len(s)+len(closeTag)+len(tail) > d.pageBytes {
				break
			}
			b = append(b, s...)
		}
		b = padTo(b, d.pageBytes-len(closeTag)-len(tail), ' ')
		b = append(b, closeTag...)
	}
	b = padTo(b, d.pageBytes-len(tail), '\n')
	b = append(b, tail...)
	buf.page = b
	return b
}

var (
	portalReporters = []string{"王晓明", "李静", "陈思远", "张海涛", "刘佳怡", "赵文博"}
	portalEditors   = []string{"周敏", "吴昊", "郑丽"}
)

// channel returns which channel listing path is, or -1 (always -1 in
// layouts without a channel bar).
func (d *LinkDense) channel(path string) int {
	if d.layout != LayoutPortal {
		return -1
	}
	slug, ok := strings.CutPrefix(path, channelPrefix)
	if !ok {
		return -1
	}
	slug, ok = strings.CutSuffix(slug, "/")
	if !ok {
		return -1
	}
	for i, c := range portalChannels {
		if c.slug == slug {
			return i
		}
	}
	return -1
}

// serveListing lists LinksPerPage pages of host hi from page start on.
func (d *LinkDense) serveListing(w http.ResponseWriter, r *http.Request, hi, start int, title string) {
	b := []byte("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>" + title + "</title></head><body><h1>" + title + "</h1><ul>\n")
	step := max(1, len(d.hosts))
	first := start - start%step + hi
	for i, n := 0, first; i < d.links && n < d.pages; i, n = i+1, n+step {
		b = append(b, "<li><a href=\""...)
		b = appendPath(b, n)
		b = append(b, "\">"...)
		b = d.appendTitle(b, n)
		b = append(b, "</a></li>\n"...)
	}
	b = append(b, "</ul></body></html>\n"...)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	writeAll(w, r, b)
}
