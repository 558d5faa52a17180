// Package session keeps Tally's sessions below HTTP: the codec that turns a
// session into bytes and the PostgreSQL store that keeps them with an idle
// timeout. The middleware that reads a session stays in internal/server.
package session

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"
)

// Codec is written for speed: BenchmarkCodec measures it against scs's plain
// GobCodec, and TestCodecMatchesGob checks it decodes to what GobCodec does.
//
// It encodes sessions compactly: a version byte, the deadline in Unix
// nanoseconds, then each value as its key, a type byte and the value.
// Sessions hold a few ids, a counter and a flash message; scs's default gob
// codec sent its type descriptions with every session and compiled them
// again on every request (a twentieth of the server's CPU time on list
// pages). Sessions written by the gob codec still decode.
//
// Values may be int64, int, string or bool; Encode refuses any other type.
// Decode returns ErrMalformed for bytes it cannot read.
type Codec struct{}

const formatByte = 0xA1 // not a byte a gob stream starts with here

// Encode encodes the deadline and values; it fails for a value of a type
// the codec does not hold.
func (Codec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	b := make([]byte, 0, 64)
	b = append(b, formatByte)
	b = binary.AppendVarint(b, deadline.UnixNano())
	b = binary.AppendUvarint(b, uint64(len(values)))
	for k, v := range values {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		switch v := v.(type) {
		case int64:
			b = binary.AppendVarint(append(b, 'i'), v)
		case int:
			b = binary.AppendVarint(append(b, 'n'), int64(v))
		case string:
			b = binary.AppendUvarint(append(b, 's'), uint64(len(v)))
			b = append(b, v...)
		case bool:
			x := byte(0)
			if v {
				x = 1
			}
			b = append(b, 'b', x)
		default:
			return nil, fmt.Errorf("session value %q: type %T is not supported", k, v)
		}
	}
	return b, nil
}

// ErrMalformed is Decode's error for bytes that are not a session.
var ErrMalformed = errors.New("session data is malformed")

// Decode decodes what Encode wrote, or a session scs's GobCodec wrote.
func (Codec) Decode(b []byte) (time.Time, map[string]any, error) {
	if len(b) == 0 || b[0] != formatByte {
		return scs.GobCodec{}.Decode(b)
	}
	r := reader{b: b[1:]}
	deadline := time.Unix(0, r.varint()).UTC()
	n := r.uvarint()
	if n > 64 {
		return time.Time{}, nil, ErrMalformed
	}
	values := make(map[string]any, n)
	for range n {
		k := string(r.bytes(r.uvarint()))
		switch r.byte() {
		case 'i':
			values[k] = r.varint()
		case 'n':
			values[k] = int(r.varint())
		case 's':
			values[k] = string(r.bytes(r.uvarint()))
		case 'b':
			values[k] = r.byte() == 1
		default:
			r.err = ErrMalformed
		}
	}
	if r.err != nil || len(r.b) != 0 {
		return time.Time{}, nil, ErrMalformed
	}
	return deadline, values, nil
}

// reader reads the fields in turn; the first problem sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) bytes(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *reader) fail() {
	if r.err == nil {
		r.err = ErrMalformed
	}
	r.b = nil
}
