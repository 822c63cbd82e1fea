package counsel

import (
	"fmt"
	"testing"
)

// BenchmarkUnlockIdentity measures the first step of every unlock:
// opening identity.age with the passphrase (age scrypt, N = 2^factor,
// r = 8, so 2^factor KiB of memory). The factor chosen for new files is
// scryptWorkFactor; README reports the numbers.
func BenchmarkUnlockIdentity(b *testing.B) {
	pass := []byte("correct horse battery staple")
	for _, factor := range []int{15, 16, 17, 18} {
		b.Run(fmt.Sprintf("N=2^%d", factor), func(b *testing.B) {
			dir := b.TempDir()
			if _, err := newIdentityFile(dir, pass, factor); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := openIdentityFile(dir, pass); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
