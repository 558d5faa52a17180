package evidence

import (
	"bytes"
	"io"
	"unicode/utf8"
)

// textFacts are what scanText finds in a file read as text.
type textFacts struct {
	nul    bool // a zero byte: binary, not text
	markup bool // one of markupTags, in any case
	utf8   bool // valid UTF-8 throughout
}

// scanText reads size bytes through r in 64 KiB pieces and reports what
// TypeOf needs to know of text: memory stays at one piece whatever the
// size. A piece carries the end of the one before it, so a tag or a
// character split between two pieces is still seen whole.
func scanText(r io.ReaderAt, size int64) (textFacts, error) {
	const piece = 64 << 10
	overlap := 0
	for _, tag := range markupTags {
		overlap = max(overlap, len(tag)-1)
	}
	facts := textFacts{utf8: true}
	buf := make([]byte, overlap+piece)
	lower := make([]byte, overlap+piece)
	carry := 0 // bytes of the last piece kept at buf's start
	var pending []byte
	for off := int64(0); off < size; {
		n, err := r.ReadAt(buf[carry:carry+int(min(piece, size-off))], off)
		if err != nil && err != io.EOF {
			return facts, err
		}
		if n == 0 {
			return facts, io.ErrUnexpectedEOF
		}
		off += int64(n)
		chunk := buf[carry : carry+n]
		if bytes.IndexByte(chunk, 0) >= 0 {
			facts.nul = true
		}
		// UTF-8: validate up to the last complete character; an
		// incomplete one at the end waits for the next piece.
		text := append(pending, chunk...)
		cut := len(text)
		if off < size {
			cut = completeRunes(text)
		}
		if !utf8.Valid(text[:cut]) {
			facts.utf8 = false
		}
		pending = append(pending[:0:0], text[cut:]...)
		// Tags are ASCII: lower-case ASCII letters only, so lengths match.
		all := buf[:carry+n]
		for i, c := range all {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lower[i] = c
		}
		for _, tag := range markupTags {
			if bytes.Contains(lower[:len(all)], tag) {
				facts.markup = true
			}
		}
		carry = min(overlap, len(all))
		copy(buf, all[len(all)-carry:])
	}
	return facts, nil
}

// completeRunes is how much of b ends on a whole UTF-8 character: it
// leaves out at most the last three bytes, when they start a character
// that b does not finish.
func completeRunes(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}
