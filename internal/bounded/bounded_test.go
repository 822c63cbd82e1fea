package bounded

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadAll(t *testing.T) {
	// Up to the limit, the input comes back whole.
	for _, in := range []string{"", "abc"} {
		if b, err := ReadAll(strings.NewReader(in), 3); err != nil || string(b) != in {
			t.Errorf("ReadAll(%q, 3) = %q, %v", in, b, err)
		}
	}
	// Past it: a *TooLargeError that names the limit, and the bytes read
	// (one more than the limit), for a caller to clear.
	b, err := ReadAll(strings.NewReader("abcdef"), 3)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Limit != 3 || err.Error() != "larger than 3 bytes" || string(b) != "abcd" {
		t.Errorf("ReadAll(\"abcdef\", 3) = %q, %v", b, err)
	}
	if _, err := ReadAll(strings.NewReader("a"), 0); !errors.As(err, &tl) {
		t.Errorf("a byte past a limit of 0: %v", err)
	}
	// A reader's own error comes through as it is.
	boom := errors.New("boom")
	if _, err := ReadAll(iotest.ErrReader(boom), 10); !errors.Is(err, boom) {
		t.Errorf("a failing reader: %v", err)
	}
}
