package demosite

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
)

func (s *Site) renderSpecialListing() ([]byte, error) {
	var list []listItem
	for _, p := range s.m.special {
		list = append(list, listItem{Title: p.title.hans, URL: p.m.Path})
	}
	list = append(list,
		listItem{Title: "往期专题回顾", URL: PathMissing},
		listItem{Title: "专题导航", URL: PathLoopA},
		listItem{Title: "梧州市年度发展报告全文", URL: PathOversized},
		listItem{Title: "统计数据下载", URL: PathBomb},
	)
	return s.renderSimple("专题", []string{"聚焦重大主题，关注热点事件。"}, list)
}

// serveOversized streams OversizedBytes of HTML without Content-Length,
// so a crawler must count what it reads.
func (s *Site) serveOversized(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r.Method == http.MethodHead {
		return
	}
	var chunk bytes.Buffer
	for chunk.Len() < 64<<10 {
		chunk.WriteString("<p>梧州市年度发展报告：全市经济社会发展总体平稳，各项事业取得新进展。</p>\n")
	}
	head := []byte("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>梧州市年度发展报告全文</title></head><body>\n")
	tail := []byte("</body></html>\n")
	if writeAll(w, r, head) != nil {
		return
	}
	left := OversizedBytes - len(head) - len(tail)
	for left > 0 {
		n := min(left, chunk.Len())
		if writeAll(w, r, chunk.Bytes()[:n]) != nil {
			return
		}
		left -= n
	}
	writeAll(w, r, tail)
}

// bombMembers is how many identical gzip members make the bomb.
const bombMembers = 1024

// bomb returns one gzip member that inflates to BombBytes/bombMembers
// spaces; the bomb is that member repeated (a multi-member gzip stream,
// which every gzip reader inflates whole). Nothing is ever inflated here.
func (s *Site) bomb() []byte {
	s.bombOnce.Do(func() {
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			return
		}
		spaces := []byte(strings.Repeat(" ", 64<<10))
		for range BombBytes / bombMembers / len(spaces) {
			zw.Write(spaces) // writing to a bytes.Buffer cannot fail
		}
		if zw.Close() == nil {
			s.bombMember = buf.Bytes()
		}
	})
	return s.bombMember
}

// BombCompressedBytes returns the size on the wire of the gzip bomb.
func (s *Site) BombCompressedBytes() int { return len(s.bomb()) * bombMembers }

// serveBomb sends Content-Encoding: gzip bytes that inflate to BombBytes.
func (s *Site) serveBomb(w http.ResponseWriter, r *http.Request) {
	member := s.bomb()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Set("Content-Length", strconv.Itoa(len(member)*bombMembers))
	for range bombMembers {
		if writeAll(w, r, member) != nil {
			return
		}
	}
}
