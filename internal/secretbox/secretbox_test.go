package secretbox

import (
	"bytes"
	"errors"
	"testing"
)

func box(t *testing.T) Box {
	t.Helper()
	k, err := ParseKey(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpens(t *testing.T) {
	b := box(t)
	sealed, err := b.Seal([]byte("client secret"), "oidc:org:7")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("client secret")) {
		t.Fatal("the sealed value holds the plaintext")
	}
	got, err := b.Open(sealed, "oidc:org:7")
	if err != nil || string(got) != "client secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	again, _ := b.Seal([]byte("client secret"), "oidc:org:7")
	if bytes.Equal(sealed, again) {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
}

func TestOpenRefuses(t *testing.T) {
	b := box(t)
	sealed, _ := b.Seal([]byte("x"), "totp:user:1")
	altered := bytes.Clone(sealed)
	altered[len(altered)-1] ^= 1
	for name, c := range map[string]struct {
		b      Box
		sealed []byte
		label  string
	}{
		"another label": {b, sealed, "totp:user:2"},
		"another key":   {box(t), sealed, "totp:user:1"},
		"altered":       {b, altered, "totp:user:1"},
		"truncated":     {b, sealed[:10], "totp:user:1"},
		"empty":         {b, nil, "totp:user:1"},
	} {
		if _, err := c.b.Open(c.sealed, c.label); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: Open err = %v, want ErrOpen", name, err)
		}
	}
	if _, err := (Box{}).Seal([]byte("x"), "l"); !errors.Is(err, ErrNoKey) {
		t.Errorf("zero Box Seal err = %v, want ErrNoKey", err)
	}
}

func TestParseKey(t *testing.T) {
	for _, s := range []string{"", "not base64!", "c2hvcnQ=", NewKey() + "AAAA"} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) accepted", s)
		}
	}
	if _, err := ParseKey(" " + NewKey() + "\n"); err != nil {
		t.Errorf("ParseKey with spaces: %v", err)
	}
}
