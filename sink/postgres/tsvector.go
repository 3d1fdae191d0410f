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
	titleTokens, bodyTokens := bigram.Tokens(title), bigram.Tokens(body)
	occ := make([]occurrence, 0, len(titleTokens)+len(bodyTokens))
	index := make(map[string]int32, len(bodyTokens)/3+8)
	var (
		lexemes []pgtype.TSVectorLexeme
		counts  []int32
		pos     int
		size    int
	)
	add := func(tokens []string, weight pgtype.TSVectorWeight) {
		for _, tok := range tokens {
			pos = min(pos+1, maxPos)
			i, seen := index[tok]
			if !seen {
				if size+len(tok) > maxLexemeBytes {
					continue
				}
				size += len(tok)
				i = int32(len(lexemes))
				index[tok] = i
				lexemes = append(lexemes, pgtype.TSVectorLexeme{Word: tok})
				counts = append(counts, 0)
			}
			if counts[i] < maxPosPerWord {
				counts[i]++
				occ = append(occ, occurrence{i, pgtype.TSVectorPosition{Position: uint16(pos), Weight: weight}})
			}
		}
	}
	add(titleTokens, pgtype.TSVectorWeightA)
	add(bodyTokens, pgtype.TSVectorWeightD)

	// One backing array for every lexeme's positions.
	arena := make([]pgtype.TSVectorPosition, 0, len(occ))
	for i, n := range counts {
		lexemes[i].Positions = arena[len(arena) : len(arena) : len(arena)+int(n)]
		arena = arena[:len(arena)+int(n)]
	}
	for _, o := range occ {
		ps := lexemes[o.lexeme].Positions
		// Positions must rise strictly; tokens past maxPos share it.
		if len(ps) > 0 && ps[len(ps)-1].Position == o.pos.Position {
			continue
		}
		lexemes[o.lexeme].Positions = append(ps, o.pos)
	}
	// Lexemes stay in first-seen order: the server sorts them on receipt
	// (tsvectorrecv), cheaper than here; TestSearchVector checks the
	// result equals the server's own.
	return pgtype.TSVector{Lexemes: lexemes, Valid: true}
}
