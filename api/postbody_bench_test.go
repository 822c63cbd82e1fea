package api

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"testing"
)

// BenchmarkPostBody weighs fastPostMessage against the general path
// (decodeJSON, then b64) on message bodies of the three usual sizes: the
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
				var req struct {
					Epoch      int    `json:"epoch"`
					Ciphertext string `json:"ciphertext"`
				}
				if err := decodeJSON(body, &req); err != nil {
					b.Fatal(err)
				}
				got, err := b64("ciphertext", req.Ciphertext)
				if err != nil || len(got) != size {
					b.Fatal(err)
				}
			}
		})
	}
}
