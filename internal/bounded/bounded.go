// Package bounded reads an input to its end within a limit, and refuses
// what is longer instead of truncating it: every read of outside input
// is bounded (STYLE.md, habit 6).
package bounded

import (
	"fmt"
	"io"
)

// A TooLargeError is an input longer than Limit bytes.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string { return fmt.Sprintf("larger than %d bytes", e.Limit) }

// ReadAll reads r to its end, at most limit bytes; a longer input is a
// *TooLargeError. What was read comes back with any error, so that a
// caller that holds a secret can clear it.
func ReadAll(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = &TooLargeError{Limit: limit}
	}
	return b, err
}
