package bounded

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadAll(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit int64
		err   string
	}{
		{"", 0, ""},
		{"abc", 3, ""},
		{"abcd", 3, "larger than 3 bytes"},
		{"a", 0, "larger than 0 bytes"},
	} {
		b, err := ReadAll(strings.NewReader(tc.in), tc.limit)
		if tc.err == "" {
			if err != nil || string(b) != tc.in {
				t.Errorf("ReadAll(%q, %d) = %q, %v", tc.in, tc.limit, b, err)
			}
			continue
		}
		var tl *TooLargeError
		if !errors.As(err, &tl) || tl.Limit != tc.limit || err.Error() != tc.err {
			t.Errorf("ReadAll(%q, %d): %v, want %q", tc.in, tc.limit, err, tc.err)
		}
		if len(b) != int(tc.limit)+1 {
			t.Errorf("ReadAll(%q, %d) gave back %d bytes, want the %d it read", tc.in, tc.limit, len(b), tc.limit+1)
		}
	}
	boom := errors.New("boom")
	if _, err := ReadAll(iotest.ErrReader(boom), 10); !errors.Is(err, boom) {
		t.Errorf("a failing reader: %v", err)
	}
}
