package postgres

import (
	"github.com/jackc/pgx/v5/pgtype"

	"winnow/sink/internal/bigram"
)

// PostgreSQL's tsvector limits.
const (
	maxPos         = 16383   // highest position; later tokens share it
	maxPosPerWord  = 255     // positions kept per lexeme
	maxLexemeBytes = 1 << 19 // lexeme text per vector (the hard limit is 1 MB)
)

// searchVector returns what to_tsvector('simple', …) would make of the
// bigram tokens of title (weight A) followed by those of body (weight D),
// built here: the server's parser costs several times more, and building
// it from the same tokens as the query makes index and query agree
// whatever the server's locale.
func searchVector(title, body string) pgtype.TSVector {
	type occurrence struct {
		lexeme int32
		pos    pgtype.TSVectorPosition
	}
	// lexeme is one distinct token: its text at text[start:end] and how
	// many positions it keeps.
	type lexeme struct{ start, end, positions int32 }
	guess := (len(title) + len(body)) / 3 // about one token per CJK character
	var (
		occ     = make([]occurrence, 0, guess)
		lexemes = make([]lexeme, 0, guess/2)
		text    = make([]byte, 0, guess*3) // every lexeme's text, in one piece
		// Lexeme numbers by token: CJK tokens keyed by their two runes
		// packed in an integer (the fast map path), words by text.
		cjk    = make(map[uint64]int32, guess/2+8)
		words  = map[string]int32{}
		pos    int
		weight pgtype.TSVectorWeight
	)
	add := func(tok bigram.Token) {
		pos = min(pos+1, maxPos)
		key := uint64(uint32(tok.A))<<32 | uint64(uint32(tok.B))
		var (
			i    int32
			seen bool
		)
		if tok.Word != "" {
			i, seen = words[tok.Word]
		} else {
			i, seen = cjk[key]
		}
		if !seen {
			start := len(text)
			if text = tok.Append(text); len(text) > maxLexemeBytes {
				text = text[:start]
				return
			}
			i = int32(len(lexemes))
			lexemes = append(lexemes, lexeme{start: int32(start), end: int32(len(text))})
			if tok.Word != "" {
				words[tok.Word] = i
			} else {
				cjk[key] = i
			}
		}
		if lexemes[i].positions < maxPosPerWord {
			lexemes[i].positions++
			occ = append(occ, occurrence{i, pgtype.TSVectorPosition{Position: uint16(pos), Weight: weight}})
		}
	}
	weight = pgtype.TSVectorWeightA
	bigram.Each(title, add)
	weight = pgtype.TSVectorWeightD
	bigram.Each(body, add)

	// One string for every lexeme's text and one backing array for every
	// lexeme's positions.
	all := string(text)
	out := make([]pgtype.TSVectorLexeme, len(lexemes))
	arena := make([]pgtype.TSVectorPosition, 0, len(occ))
	for i, l := range lexemes {
		out[i].Word = all[l.start:l.end]
		out[i].Positions = arena[len(arena) : len(arena) : len(arena)+int(l.positions)]
		arena = arena[:len(arena)+int(l.positions)]
	}
	for _, o := range occ {
		ps := out[o.lexeme].Positions
		// Positions must rise strictly; tokens past maxPos share it.
		if len(ps) > 0 && ps[len(ps)-1].Position == o.pos.Position {
			continue
		}
		out[o.lexeme].Positions = append(ps, o.pos)
	}
	// Lexemes stay in first-seen order: the server sorts them on receipt
	// (tsvectorrecv), cheaper than here; TestSearchVector checks the
	// result equals the server's own.
	return pgtype.TSVector{Lexemes: out, Valid: true}
}
