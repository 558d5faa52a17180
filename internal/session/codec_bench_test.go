package session

import (
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/google/go-cmp/cmp"
)

// typical is a signed-in session as the server keeps it, with a flash
// message waiting.
func typical() map[string]any {
	return map[string]any{"user_id": int64(42), "epoch": 3, "seen": int64(1_795_000_000), "flash": "Tender published."}
}

// BenchmarkCodec justifies Codec: a request decodes its session and a
// change encodes it again, with Codec ("fast") and with scs's default
// GobCodec ("gob"), the plain version it replaced.
func BenchmarkCodec(b *testing.B) {
	deadline := time.Now().Add(12 * time.Hour)
	for _, c := range []struct {
		name  string
		codec scs.Codec
	}{{"fast", Codec{}}, {"gob", scs.GobCodec{}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				enc, err := c.codec.Encode(deadline, typical())
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := c.codec.Decode(enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestCodecMatchesGob checks the fast path against the plain one: every
// session round-trips through Codec to exactly what it does through scs's
// GobCodec.
func TestCodecMatchesGob(t *testing.T) {
	deadline := time.Date(2026, 11, 26, 15, 4, 5, 123456789, time.UTC)
	for _, values := range []map[string]any{
		{},
		typical(),
		{"user_id": int64(-1 << 63), "epoch": -1, "flash": "“Café” & <more>\n\t", "yes": true, "no": false},
		{"": "", "bad utf-8": "\xff\xfe", "max": int64(1<<63 - 1), "zero": 0},
	} {
		matchesGob(t, deadline, values)
	}
}

// FuzzCodecMatchesGob compares the two codecs on sessions of the shape the
// server keeps.
func FuzzCodecMatchesGob(f *testing.F) {
	f.Add(int64(42), int64(1), 3, "flash", "Tender published.", true)
	f.Fuzz(func(t *testing.T, nanos, id int64, epoch int, key, flash string, ok bool) {
		matchesGob(t, time.Unix(0, nanos).UTC(), map[string]any{"user_id": id, "epoch": epoch, key: flash, key + "?": ok})
	})
}

func matchesGob(t *testing.T, deadline time.Time, values map[string]any) {
	t.Helper()
	roundTrip := func(c scs.Codec) (time.Time, map[string]any) {
		b, err := c.Encode(deadline, values)
		if err != nil {
			t.Fatalf("%T: encode %v: %v", c, values, err)
		}
		d, got, err := c.Decode(b)
		if err != nil {
			t.Fatalf("%T: decode %v: %v", c, values, err)
		}
		return d, got
	}
	fastD, fast := roundTrip(Codec{})
	gobD, plain := roundTrip(scs.GobCodec{})
	if !fastD.Equal(gobD) {
		t.Errorf("deadline %v, gob gives %v", fastD, gobD)
	}
	if diff := cmp.Diff(plain, fast); diff != "" {
		t.Errorf("values (-gob +fast):\n%s", diff)
	}
}
