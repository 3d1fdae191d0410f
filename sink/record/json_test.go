package record_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"winnow/sink/record"
)

// stdJSON is encoding/json's encoding of v as the JSON-lines writers
// configure it (no HTML escaping), without the newline.
func stdJSON(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// nasty are strings whose JSON needs every kind of escape.
var nasty = []string{
	"", "plain", "标题：梧州新闻", `quote " backslash \ slash /`, "<b>&amp;</b>",
	"tab\tnl\ncr\rbs\bff\f", "\x00\x01\x1f\x7f", "line\u2028para\u2029end", "\u2027\u202a\xe2\x80",
	"bad \xff\xfe utf8 \xe6\xa0", "\xe2\x80\xa8", "emoji 😀 and 𠀋", "\xed\xa0\x80 surrogate",
}

func randomString(r *rand.Rand) string {
	var b []byte
	for range r.IntN(40) {
		switch r.IntN(4) {
		case 0:
			b = append(b, byte(r.IntN(256)))
		case 1:
			b = append(b, nasty[r.IntN(len(nasty))]...)
		default:
			b = append(b, "梧州零距离网讯 news "[r.IntN(10)])
		}
	}
	return string(b)
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	check := func(a *record.Article) {
		t.Helper()
		if got, want := a.AppendJSON(nil), stdJSON(t, a); !bytes.Equal(got, want) {
			t.Fatalf("AppendJSON:\n%s\nencoding/json:\n%s", got, want)
		}
	}
	check(sample())
	check(record.New())
	check(&record.Article{}) // nil lists and map: null
	a := sample()
	a.InputID, a.Hygiene.PageReason = "line-7", "chain"
	a.Normalization["zz"], a.Normalization["a"] = "x", "y"
	check(a)
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		a := sample()
		a.Title, a.Body, a.URL, a.InputID = randomString(r), randomString(r), randomString(r), randomString(r)
		a.Authors = []string{randomString(r), randomString(r)}
		a.Hygiene.Removed[0].Text = randomString(r)
		a.Normalization[randomString(r)] = randomString(r)
		check(a)
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range nasty {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := &record.Article{Body: s, Normalization: map[string]string{s: s}}
		if got, want := a.AppendJSON(nil), stdJSON(t, a); !bytes.Equal(got, want) {
			t.Fatalf("AppendJSON:\n%q\nencoding/json:\n%q", got, want)
		}
	})
}
