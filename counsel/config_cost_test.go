package counsel

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestIdentityCost: a new identity file is written at scryptWorkFactor
// unless the options say otherwise (the age header names the factor), and
// one written at age's default 2^18, as counsel did before, still opens.
func TestIdentityCost(t *testing.T) {
	pass := []byte("correct horse battery staple")
	for _, c := range []struct {
		factor, want int
	}{{0, scryptWorkFactor}, {18, 18}} {
		dir := t.TempDir()
		id, err := newIdentityFile(dir, pass, Options{ScryptWorkFactor: c.factor}.workFactor())
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, identityFile))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^-> scrypt \S+ (\d+)$`).FindSubmatch(b)
		if m == nil || string(m[1]) != fmt.Sprint(c.want) {
			t.Errorf("factor %d: the file's scrypt stanza is %q, want factor %d", c.factor, m, c.want)
		}
		got, err := openIdentityFile(dir, pass)
		if err != nil || got.Recipient().String() != id.Recipient().String() {
			t.Errorf("factor %d: %v", c.factor, err)
		}
	}
}

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
