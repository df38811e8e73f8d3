package sqldb

import (
	"database/sql"
	"fmt"
	"reflect"
	"testing"
)

func chunkSample() []histElem {
	var elems []histElem
	for i := range 50 {
		e := histElem{t: 1_800_000_000_000_000_000 + int64(i)*60e9 + int64(i%3), r: 1_800_000_000_000_000_000 + int64(i/10)*600e9 - int64(i%5), v: fmt.Appendf(nil, `[{"value":%d}]`, i)}
		if i%4 == 1 {
			e.auth = sql.NullString{String: "authority-" + fmt.Sprint(i%2), Valid: true}
		}
		if i%4 == 2 {
			e.sig = sql.NullString{String: "", Valid: true} // empty, not missing
		}
		elems = append(elems, e)
	}
	return elems
}

func TestChunkEncoding(t *testing.T) {
	t.Run("results survive a round trip, signed or not", func(t *testing.T) {
		for _, elems := range [][]histElem{chunkSample(), chunkSample()[:1], unsigned(chunkSample())} {
			data, signed := encodeChunk(elems)
			if want := hasSigned(elems); signed != want {
				t.Fatalf("signed %v, want %v", signed, want)
			}
			got, err := decodeChunk(nil, data, elems[0].t, len(elems), signed)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, elems) {
				t.Fatalf("round trip changed the results:\n got %+v\nwant %+v", got[:2], elems[:2])
			}
		}
	})
	t.Run("a damaged chunk is an error, never a panic", func(t *testing.T) {
		elems := chunkSample()
		data, signed := encodeChunk(elems)
		for _, c := range []struct {
			name  string
			data  []byte
			first int64
			n     int
		}{
			{"one result too many", data, elems[0].t, len(elems) + 1},
			{"one result too few", data, elems[0].t, len(elems) - 1},
			{"truncated", data[:len(data)-3], elems[0].t, len(elems)},
			{"empty", nil, elems[0].t, 1},
			{"a length past the end", append([]byte{0, 0, 0xff, 0xff, 0x03}, data[3:]...), elems[0].t, len(elems)},
			{"a time that does not grow", append(append([]byte{}, data[:len(data)/2]...), 0, 0, 0), elems[0].t, len(elems)},
			{"a time overflow", append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, data[1:]...), elems[0].t, len(elems)},
		} {
			if _, err := decodeChunk(nil, c.data, c.first, c.n, signed); err == nil {
				t.Errorf("%s: decoded without error", c.name)
			}
		}
	})
}

func unsigned(elems []histElem) []histElem {
	for i := range elems {
		elems[i].auth, elems[i].sig = sql.NullString{}, sql.NullString{}
	}
	return elems
}

func hasSigned(elems []histElem) bool {
	for _, e := range elems {
		if e.auth.Valid || e.sig.Valid {
			return true
		}
	}
	return false
}

func FuzzDecodeChunk(f *testing.F) {
	data, _ := encodeChunk(chunkSample())
	f.Add(data, 50, true)
	f.Add([]byte{0, 0, 1, 'x'}, 1, false)
	f.Fuzz(func(t *testing.T, data []byte, n int, signed bool) {
		if n < 0 || n > 5000 {
			return
		}
		elems, err := decodeChunk(nil, data, 1_000, n, signed)
		if err != nil {
			return
		}
		again, s := encodeChunk(elems)
		if len(elems) > 0 && s == signed && string(again) != string(data) && elems[0].t == 1_000 {
			// Varints have one shortest form; a longer one decodes too.
			if _, err := decodeChunk(nil, again, 1_000, n, s); err != nil {
				t.Fatalf("re-encoded chunk does not decode: %v", err)
			}
		}
	})
}
