package extract

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/saintfish/chardet"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// Limits of the charset sniffing passes.
const (
	metaScanBytes   = 16 << 10 // how far to look for a <meta> declaration
	detectScanBytes = 64 << 10 // how much the statistical detector reads
)

// decoded is the outcome of charset decoding.
type decoded struct {
	text    string
	charset string // the name of the decoder used
	guessed bool   // no BOM, header, declaration or validity decided it
}

// decode turns raw bytes into valid UTF-8 following DESIGN.md: BOM, then a
// forced label, then the HTTP header, then UTF-8 validity, then <meta>,
// then a detector. Invalid sequences become U+FFFD.
func decode(in *Input) (decoded, error) {
	body := in.Body
	if in.Decoded {
		return decoded{text: validUTF8(bytes.TrimPrefix(body, bomUTF8)), charset: "utf-8"}, nil
	}
	if enc, name, n := sniffBOM(body); enc != nil {
		return decodeWith(body[n:], enc, name, false), nil
	}
	if in.Charset != "" {
		enc, name := lookupCharset(in.Charset)
		if enc == nil {
			return decoded{}, fmt.Errorf("%w: %q (forced)", ErrUnknownCharset, in.Charset)
		}
		return decodeWith(body, enc, name, false), nil
	}
	if label := headerCharset(in.ContentType); label != "" {
		if enc, name := lookupCharset(label); enc != nil {
			// A header naming a Latin-1 family charset is often a server
			// default; bytes that are valid UTF-8 with multi-byte
			// sequences are far more likely UTF-8.
			if name == "windows-1252" && !isASCII(body) && isValidUTF8(body) {
				return decoded{text: string(body), charset: "utf-8"}, nil
			}
			return decodeWith(body, enc, name, false), nil
		}
		// An unknown header label is ignored, as browsers do.
	}
	if isValidUTF8(body) {
		return decoded{text: string(body), charset: "utf-8"}, nil
	}
	if mostlyUTF8(body) {
		// A UTF-8 page with a few corrupt or truncated sequences.
		return decoded{text: validUTF8(body), charset: "utf-8"}, nil
	}
	if label := metaCharset(body); label != "" {
		if enc, name := lookupCharset(label); enc != nil && name != "utf-8" {
			return decodeWith(body, enc, name, false), nil
		}
	}
	enc, name := detectCharset(body)
	return decodeWith(body, enc, name, true), nil
}

var bomUTF8 = []byte{0xEF, 0xBB, 0xBF}

// sniffBOM returns the encoding a byte order mark names and its length.
func sniffBOM(b []byte) (encoding.Encoding, string, int) {
	switch {
	case bytes.HasPrefix(b, bomUTF8):
		return unicode.UTF8, "utf-8", 3
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", 2
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", 2
	}
	return nil, "", 0
}

// lookupCharset maps a label to the widest decoder x/text has for it:
// GB2312 and GBK are read as GB18030 (a superset), Big5 with the WHATWG
// table, which already includes the HKSCS extensions.
func lookupCharset(label string) (encoding.Encoding, string) {
	l := strings.ToLower(strings.TrimSpace(strings.Trim(label, `"' `)))
	switch l {
	case "gb-18030", "gb18030-2000", "gb18030-2005", "gb18030-2022":
		l = "gb18030"
	case "big5-hkscs", "big5hkscs", "big-5", "cp950", "ms950":
		l = "big5"
	case "gbk2312", "gb-2312", "gb_2312":
		l = "gb2312"
	}
	enc, name := charset.Lookup(l)
	if enc == nil {
		return nil, ""
	}
	switch name {
	case "gbk", "gb18030":
		return simplifiedchinese.GB18030, "gb18030"
	case "big5":
		return traditionalchinese.Big5, "big5"
	case "utf-8":
		return unicode.UTF8, "utf-8"
	}
	return enc, name
}

// headerCharset returns the charset parameter of a Content-Type header.
func headerCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		// Tolerate "text/html; charset=gbk;" and similar junk.
		i := strings.Index(strings.ToLower(contentType), "charset=")
		if i < 0 {
			return ""
		}
		v := contentType[i+len("charset="):]
		if j := strings.IndexAny(v, "; "); j >= 0 {
			v = v[:j]
		}
		return strings.Trim(v, `"'`)
	}
	return params["charset"]
}

// metaCharset finds a <meta charset> or <meta http-equiv=Content-Type>
// declaration in the first metaScanBytes of b, the way the HTML prescan
// does but further than its 1024 bytes (portal pages often put long
// comments before their <meta>).
func metaCharset(b []byte) string {
	if len(b) > metaScanBytes {
		b = b[:metaScanBytes]
	}
	z := html.NewTokenizer(bytes.NewReader(b))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) == "body" {
				return ""
			}
			if string(name) != "meta" || !hasAttr {
				continue
			}
			var httpEquiv bool
			var content, cs string
			for {
				k, v, more := z.TagAttr()
				switch string(bytes.ToLower(k)) {
				case "charset":
					cs = string(v)
				case "http-equiv":
					httpEquiv = strings.EqualFold(string(v), "content-type")
				case "content":
					content = string(v)
				}
				if !more {
					break
				}
			}
			if cs != "" {
				return cs
			}
			if httpEquiv && content != "" {
				if c := headerCharset(content); c != "" {
					return c
				}
			}
		}
	}
}

// detectCharset guesses the charset of undeclared, non-UTF-8 bytes. For a
// Chinese-first pipeline an undecided guess is GB18030.
func detectCharset(b []byte) (encoding.Encoding, string) {
	if len(b) > detectScanBytes {
		b = b[:detectScanBytes]
	}
	res, err := chardet.NewHtmlDetector().DetectBest(b)
	if err == nil && res != nil {
		label := res.Charset
		switch strings.ToLower(label) {
		case "gb-18030", "big5", "shift_jis", "euc-jp", "euc-kr", "iso-2022-jp", "iso-2022-kr", "iso-2022-cn":
			if enc, name := lookupCharset(label); enc != nil {
				return enc, name
			}
		default:
			if res.Confidence >= 50 {
				if enc, name := lookupCharset(label); enc != nil && name != "utf-8" {
					return enc, name
				}
			}
		}
	}
	return simplifiedchinese.GB18030, "gb18030"
}

// decodeWith decodes b with enc; invalid input becomes U+FFFD and the
// result is always valid UTF-8.
func decodeWith(b []byte, enc encoding.Encoding, name string, guessed bool) decoded {
	if name == "utf-8" {
		return decoded{text: validUTF8(b), charset: name, guessed: guessed}
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		// x/text decoders replace invalid bytes; an error here means a
		// transformer failure, so fall back to a lossy UTF-8 reading.
		return decoded{text: validUTF8(b), charset: "utf-8", guessed: true}
	}
	return decoded{text: validUTF8(out), charset: name, guessed: guessed}
}

// validUTF8 returns b as a string with invalid sequences replaced by U+FFFD.
func validUTF8(b []byte) string {
	if isValidUTF8(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// isValidUTF8 is utf8.Valid(b), faster on CJK text: three-byte
// sequences whose lead byte takes any continuation bytes are checked
// inline, the rest as utf8.Valid does.
func isValidUTF8(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			// Eight ASCII bytes at a time (p's length makes the indexes
			// provably in range: no bounds checks).
			p := b[i+1:]
			for len(p) >= 8 && (uint64(p[0])|uint64(p[1])<<8|uint64(p[2])<<16|uint64(p[3])<<24|
				uint64(p[4])<<32|uint64(p[5])<<40|uint64(p[6])<<48|uint64(p[7])<<56)&0x8080808080808080 == 0 {
				p = p[8:]
			}
			i = len(b) - len(p)
			continue
		}
		p := b[i:]
		for len(p) >= 3 && lead3[p[0]] && p[1]&0xC0 == 0x80 && p[2]&0xC0 == 0x80 {
			p = p[3:]
		}
		if j := len(b) - len(p); j > i {
			i = j
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		i += size
	}
	return true
}

// mostlyUTF8 reports whether b is UTF-8 apart from a few bad sequences:
// at least 8 valid multi-byte runes and at most one bad sequence per 100.
func mostlyUTF8(b []byte) bool {
	var good, bad int
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			bad++
			i++
			continue
		}
		good++
		i += n
	}
	return good >= 8 && bad*100 <= good
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
