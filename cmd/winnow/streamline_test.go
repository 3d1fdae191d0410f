package main

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
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
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("decode (-want +got):\n%s", d)
			}
			var fast streamLine
			if ok := fast.decodeFast([]byte(tc.line)); ok != tc.fast {
				t.Errorf("decodeFast handled it: %v, want %v", ok, tc.fast)
			}
		})
	}
}

// FuzzStreamLineDecode checks the scanner against json.Unmarshal: the
// same fields, and an error exactly when json.Unmarshal fails.
func FuzzStreamLineDecode(f *testing.F) {
	for _, s := range []string{
		`{"id":"a","url":"u","html":"\u003cp\u003ex\u003c/p\u003e"}`,
		`{"text":"\ud83d\ude00\n","id":null}`, `{"HTML":"x"}`, `{"html":"\ud800"}`, `{}`, ` {"a":"b"} `,
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
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("decode differs from json.Unmarshal (-want +got):\n%s", d)
			}
		}
	})
}
