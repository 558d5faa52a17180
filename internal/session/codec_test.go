package session

import (
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/google/go-cmp/cmp"
)

func TestCodecRoundTrips(t *testing.T) {
	deadline := time.Date(2026, 11, 26, 15, 4, 5, 123456789, time.UTC)
	for _, values := range []map[string]any{
		{},
		{"user_id": int64(42), "epoch": 3, "seen": time.Now().Unix(), "flash": "Tender published: “Café” & <more>"},
		{"big": int64(-1 << 62), "yes": true, "no": false, "empty": ""},
	} {
		b, err := Codec{}.Encode(deadline, values)
		if err != nil {
			t.Fatal(err)
		}
		d, got, err := Codec{}.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Equal(deadline) {
			t.Errorf("deadline %v, want %v", d, deadline)
		}
		if diff := cmp.Diff(values, got); diff != "" {
			t.Errorf("values (-put +decoded):\n%s", diff)
		}
	}
}

func TestCodecReadsGobSessions(t *testing.T) {
	deadline := time.Now().Add(time.Hour).UTC()
	b, err := scs.GobCodec{}.Encode(deadline, map[string]any{"user_id": int64(7), "epoch": 1})
	if err != nil {
		t.Fatal(err)
	}
	d, got, err := Codec{}.Decode(b)
	if err != nil || !d.Equal(deadline) || got["user_id"] != int64(7) || got["epoch"] != 1 {
		t.Errorf("a gob session decoded as %v %v, %v", d, got, err)
	}
}

func TestCodecRefusesWhatItCannotRead(t *testing.T) {
	if _, err := (Codec{}).Encode(time.Now(), map[string]any{"x": 1.5}); err == nil {
		t.Error("encoding a float64 should fail")
	}
	good, _ := Codec{}.Encode(time.Now(), map[string]any{"flash": "hello", "user_id": int64(1)})
	for i := 1; i < len(good); i++ {
		if _, _, err := (Codec{}).Decode(good[:i]); err == nil {
			t.Errorf("a session cut to %d of %d bytes decoded", i, len(good))
		}
	}
	if _, _, err := (Codec{}).Decode(append(good, 0)); err == nil {
		t.Error("trailing bytes decoded")
	}
}

func FuzzCodec(f *testing.F) {
	good, _ := Codec{}.Encode(time.Now(), map[string]any{"flash": "hello", "user_id": int64(1), "ok": true})
	f.Add(good)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, values, err := Codec{}.Decode(b)
		if err != nil || len(b) == 0 || b[0] != formatByte {
			return
		}
		again, err := Codec{}.Encode(d, values)
		if err != nil {
			t.Fatalf("decoded values do not encode: %v", err)
		}
		d2, values2, err := Codec{}.Decode(again)
		if err != nil || !d2.Equal(d) || !cmp.Equal(values, values2) {
			t.Fatalf("re-encoding changed the session: %v %v → %v %v (%v)", d, values, d2, values2, err)
		}
	})
}
