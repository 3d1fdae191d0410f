package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// referenceLine decodes a line the slow, obviously right way.
func referenceLine(line []byte) (streamLine, error) {
	var in streamInput
	if err := json.Unmarshal(line, &in); err != nil {
		return streamLine{}, err
	}
	l := streamLine{ID: in.ID, URL: in.URL}
	if in.HTML != nil {
		l.HTML = []byte(*in.HTML)
	}
	if in.Text != nil {
		l.Text = []byte(*in.Text)
	}
	return l, nil
}

func TestStreamLineDecode(t *testing.T) {
	tests := []struct {
		name, line string
		want       streamLine
		fast       bool // the scanner handles it without json.Unmarshal
		wantErr    bool
	}{
		{name: "html", line: `{"id":"a1","url":"http://x.cn/1.html","html":"<p>正文</p>"}`, fast: true,
			want: streamLine{ID: "a1", URL: "http://x.cn/1.html", HTML: []byte("<p>正文</p>")}},
		{name: "escapes", line: `{"id":"e","html":"\u003cp\u003e\"q\"\\\/\b\f\n\r\t\u4e2d\ud83d\ude00 end"}`, fast: true,
			want: streamLine{ID: "e", HTML: []byte("<p>\"q\"\\/\b\f\n\r\t中😀 end")}},
		{name: "text before the first escape", line: `{"html":"<html lang=\"en\">\n<p>a\u003cb</p>","id":"x"}`, fast: true,
			want: streamLine{ID: "x", HTML: []byte("<html lang=\"en\">\n<p>a<b</p>")}},
		{name: "long plain runs", line: `{"html":"` + strings.Repeat("0123456789abcdef", 9) + `\t` + strings.Repeat("中文", 20) + `\u00e9"}`, fast: true,
			want: streamLine{HTML: []byte(strings.Repeat("0123456789abcdef", 9) + "\t" + strings.Repeat("中文", 20) + "é")}},
		{name: "spaces", line: " { \"text\" : \"t\" , \"id\" : \"b\" } \r\n", fast: true,
			want: streamLine{ID: "b", Text: []byte("t")}},
		{name: "empty text is present", line: `{"text":""}`, fast: true, want: streamLine{Text: []byte{}}},
		{name: "null", line: `{"id":null,"html":null,"text":"x"}`, fast: true, want: streamLine{Text: []byte("x")}},
		{name: "last duplicate wins", line: `{"html":"a","html":null,"id":"1","id":"2"}`, fast: true, want: streamLine{ID: "2"}},
		{name: "unknown string member", line: `{"lang":"zh","html":"h"}`, fast: true, want: streamLine{HTML: []byte("h")}},
		{name: "empty object", line: `{}`, fast: true, want: streamLine{}},
		{name: "upper-case key", line: `{"HTML":"h"}`, want: streamLine{HTML: []byte("h")}},
		{name: "escaped key", line: `{"ht\u006dl":"h"}`, want: streamLine{HTML: []byte("h")}},
		{name: "number member", line: `{"n":1,"html":"h"}`, want: streamLine{HTML: []byte("h")}},
		{name: "lone surrogate", line: `{"html":"a\ud800b"}`, want: streamLine{HTML: []byte("a\uFFFDb")}},
		{name: "invalid utf-8", line: "{\"html\":\"a\xffb\"}", want: streamLine{HTML: []byte("a\uFFFDb")}},
		{name: "control character", line: "{\"html\":\"a\x01b\"}", wantErr: true},
		{name: "bad escape", line: `{"html":"a\qb"}`, wantErr: true},
		{name: "truncated", line: `{"html":"abc`, wantErr: true},
		{name: "trailing garbage", line: `{"html":"abc"} x`, wantErr: true},
		{name: "not an object", line: `["html"]`, wantErr: true},
		{name: "wrong type", line: `{"id":5,"html":"h"}`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got streamLine
			err := got.decode([]byte(tc.line))
			if (err != nil) != tc.wantErr {
				t.Fatalf("decode error %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if d := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(streamLine{}, "buf")); d != "" {
				t.Errorf("decode (-want +got):\n%s", d)
			}
			var fast streamLine
			if ok := fast.decodeFast([]byte(tc.line)); ok != tc.fast {
				t.Errorf("decodeFast handled it: %v, want %v", ok, tc.fast)
			}
		})
	}
}

// TestStreamLineReuse decodes lines one after the other with one
// streamLine, as processStream does: each decoding is complete and right
// although the buffer is reused.
func TestStreamLineReuse(t *testing.T) {
	lines := []string{
		`{"id":"1","html":"first \u003cp\u003e` + strings.Repeat("x", 300) + `\"q\""}`,
		`{"id":"2","text":"second\nline"}`,
		`{"id":"3","url":"u\/v","html":"` + strings.Repeat("长", 500) + `\n"}`,
		`{"id":"4","html":"plain"}`,
		`{"HTML":"slow path"}`,
		`{"id":"6","html":"\u003cb\u003e"}`,
	}
	var l streamLine
	for _, line := range lines {
		want, err := referenceLine([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		if err := l.decode([]byte(line)); err != nil {
			t.Fatalf("decode %s: %v", line, err)
		}
		if d := cmp.Diff(want, l, cmpopts.IgnoreFields(streamLine{}, "buf")); d != "" {
			t.Errorf("decode %s (-want +got):\n%s", line, d)
		}
	}
}

// TestPlainRun holds the eight-byte scan to the byte table: every byte
// value at every position of a word.
func TestPlainRun(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 16; pos++ {
			b := []byte(strings.Repeat("a", 20))
			b[pos] = byte(c)
			want := len(b)
			if !jsonPlain[c] {
				want = pos
			}
			if got := plainRun(b, 0); got != want {
				t.Fatalf("plainRun with byte %#x at %d = %d, want %d", c, pos, got, want)
			}
		}
	}
}

// FuzzStreamLineDecode checks the scanner against json.Unmarshal: the
// same fields, and an error exactly when json.Unmarshal fails.
func FuzzStreamLineDecode(f *testing.F) {
	for _, s := range []string{
		`{"id":"a","url":"u","html":"\u003cp\u003ex\u003c/p\u003e"}`,
		`{"text":"\ud83d\ude00\n","id":null}`, `{"HTML":"x"}`, `{"html":"<p a=\"1\">x</p>\n","url":"h"}`, `{"html":"\ud800"}`, `{}`, ` {"a":"b"} `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		want, wantErr := referenceLine(line)
		var got streamLine
		err := got.decode(line)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("decode error %v, json.Unmarshal error %v", err, wantErr)
		}
		if err == nil {
			if d := cmp.Diff(want, got, cmpopts.IgnoreFields(streamLine{}, "buf")); d != "" {
				t.Fatalf("decode differs from json.Unmarshal (-want +got):\n%s", d)
			}
		}
	})
}
