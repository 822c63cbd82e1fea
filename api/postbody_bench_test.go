package api

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"testing"

	"lotse/api/wire"
)

// BenchmarkPostBody weighs fastPostMessage against the general path
// (decodeJSON into wire.NewMessage) on message bodies of the three usual sizes: the
// hand-written decoder is kept only while it is clearly faster.
func BenchmarkPostBody(b *testing.B) {
	for _, size := range []int{4240, 5264, 7312} {
		ct := make([]byte, size)
		rand.Read(ct)
		body := []byte(fmt.Sprintf(`{"epoch":3,"ciphertext":%q}`, base64.StdEncoding.EncodeToString(ct)))
		b.Run(fmt.Sprintf("fast/%d", size), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				_, got, release, ok := fastPostMessage(body)
				if !ok || len(got) != size {
					b.Fatal("fast path refused the body")
				}
				release()
			}
		})
		b.Run(fmt.Sprintf("encoding-json/%d", size), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var req wire.NewMessage
				if err := decodeJSON(body, &req); err != nil {
					b.Fatal(err)
				}
				if len(req.Ciphertext) != size {
					b.Fatalf("ciphertext of %d bytes, want %d", len(req.Ciphertext), size)
				}
			}
		})
	}
}
