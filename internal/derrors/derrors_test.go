package derrors

import (
	"errors"
	"testing"
)

var errSentinel = errors.New("sentinel")

type typedErr map[string]string

func (typedErr) Error() string { return "typed" }

func wrapped(err error) (out error) {
	defer Wrap(&out, "Store.Thing(%d, %q)", 7, "x")
	return err
}

func TestWrap(t *testing.T) {
	if err := wrapped(nil); err != nil {
		t.Fatalf("nil error wrapped: %v", err)
	}
	err := wrapped(errSentinel)
	if got, want := err.Error(), `Store.Thing(7, "x"): sentinel`; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	if !errors.Is(err, errSentinel) {
		t.Error("errors.Is lost the sentinel")
	}
	var te typedErr
	if !errors.As(wrapped(typedErr{"f": "m"}), &te) || te["f"] != "m" {
		t.Error("errors.As lost the typed error")
	}
}
