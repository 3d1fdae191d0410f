package normalize

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
)

// corpus mixes Traditional and Simplified news text, phrases from the
// dictionaries, ASCII, punctuation and full-width forms.
var corpus = []string{
	"續寫更多政法干警“春天的故事”——市政法機關扎實開展“我為群眾辦實事”實踐活動綜述",
	"時間:2022-02-24 來源:梧州零距離網-梧州日報 作者:李繼遠 高寒 廖敬生 編輯:徐慧",
	"越往深處走，越能檢驗體力眼力和腦力。“我為群眾辦實事”實踐活動蘊含著發展的永恆命題",
	"乾隆爷是谁的干爷爷？乾爷爷吗？2021 年汽车零部件板块市值涨幅跑输乘用车板块",
	"香菸（英語：Cigarette），為菸草製品的一種。記憶體是一種很常見及常用的電腦輸入裝置。",
	"开户 開戶 恒大 什麼 讲下 抬头 回流 1 厘 2 厘钱 公厘 厘米 高峰",
	"mixed 中文 and English, 數據庫 database, 軟體 software 😀 ﹏ 全形ＡＢＣ１２３",
	"",
	"a",
	"群众 羣眾 台灣 臺灣 后来 後來 皇后 里面 裡面 鄰里 干净 乾淨 幹部",
}

func TestTableMatchesLibrary(t *testing.T) {
	for _, cfg := range Configs() {
		if cfg == None {
			continue
		}
		lib, err := opencc.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		inputs := append([]string{}, corpus...)
		// Every dictionary key, in context, exercises every entry.
		for _, group := range lib.DictChains {
			for _, d := range group.Dicts {
				var b strings.Builder
				for _, id := range d.Trie.PrefixPredict(nil, 0) {
					if _, err := d.Trie.Value(id); err != nil {
						continue
					}
					k, _ := d.Trie.Key(id)
					b.Write(k)
					b.WriteString("的")
				}
				inputs = append(inputs, b.String())
			}
		}
		for _, in := range inputs {
			want, err := lib.Convert(in)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.table.convert(in); got != want {
				t.Errorf("%s: table differs from library on %.30q", cfg, in)
			}
		}
	}
}

func FuzzTableMatchesLibrary(f *testing.F) {
	for _, s := range corpus {
		f.Add(s)
	}
	lib, err := opencc.New("t2s")
	if err != nil {
		f.Fatal(err)
	}
	c, err := New("t2s")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if !utf8.ValidString(in) {
			in = strings.ToValidUTF8(in, "\uFFFD")
		}
		if strings.ContainsRune(in, 0x01) {
			// The library's trie (cedar) treats byte 0x01 as a prefix
			// of every key and turns "\x01機" into "机机"; reference
			// OpenCC, and the table, keep the byte. No reference here.
			return
		}
		want, err := lib.Convert(in)
		if err != nil {
			return // no reference output to compare with
		}
		if got := c.table.convert(in); got != want {
			t.Errorf("table %q != library %q for %q", got, want, in)
		}
	})
}

// BenchmarkLibraryT2S measures the opencc package itself, for the
// comparison in the README.
func BenchmarkLibraryT2S(b *testing.B) {
	lib, err := opencc.New("t2s")
	if err != nil {
		b.Fatal(err)
	}
	text := benchText(b)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := lib.Convert(text); err != nil {
			b.Fatal(err)
		}
	}
}

func benchText(b *testing.B) string {
	b.Helper()
	if data, err := os.ReadFile("testdata/seed.txt"); err == nil {
		return string(data)
	}
	return strings.Repeat(corpus[2]+"\n", 100)
}

func FuzzValidString(f *testing.F) {
	for _, s := range []string{"", "中文，标点。", "ASCII 中文", "\xe4\xb8", "\xe4\xb8\x41", "\xed\xa0\x80", "\xe0\x80\x80", "\xef\xbf\xbd\uffff", "𠀋\xf0\x90"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validString(s), utf8.ValidString(s); got != want {
			t.Fatalf("validString(%q) = %v, want %v", s, got, want)
		}
	})
}
