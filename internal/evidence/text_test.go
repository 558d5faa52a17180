package evidence

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestScanTextSeesAcrossPieces: a tag, a character or a zero byte on a
// boundary between the 64 KiB pieces scanText reads is found as if the file
// were read whole.
func TestScanTextSeesAcrossPieces(t *testing.T) {
	t.Parallel()
	const piece = 64 << 10
	line := strings.Repeat("KPI,12\n", 2*piece/7+1)
	for _, at := range []int{piece - 7, piece - 3, piece - 1, piece, 2*piece - 4} {
		for _, insert := range []string{"<SCRIPT>", "<!DocType html>", "£", "€", "\x00", "\xff"} {
			data := []byte(line[:at] + insert + line + line)
			facts, err := scanText(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			lower := bytes.ToLower(data)
			want := textFacts{nul: bytes.IndexByte(data, 0) >= 0, utf8: utf8.Valid(data)}
			for _, tag := range markupTags {
				want.markup = want.markup || bytes.Contains(lower, tag)
			}
			if facts != want {
				t.Errorf("%q at %d: %+v, want %+v", insert, at, facts, want)
			}
		}
	}
}
