package counsel

import (
	"slices"
	"testing"
)

// TestDesktopCommands checks each system's way to open the desk and its
// default editor, on whatever system the test runs.
func TestDesktopCommands(t *testing.T) {
	const url = "http://127.0.0.1:49152/#token=a&b^c"
	for _, tc := range []struct {
		goos    string
		browser []string
		editor  string
	}{
		{"windows", []string{"rundll32", "url.dll,FileProtocolHandler", url}, "notepad"},
		{"darwin", []string{"open", url}, "vi"},
		{"linux", []string{"xdg-open", url}, "vi"},
		{"freebsd", []string{"xdg-open", url}, "vi"},
	} {
		if got := browserCommand(tc.goos, url); !slices.Equal(got, tc.browser) {
			t.Errorf("%s: browser %q, want %q", tc.goos, got, tc.browser)
		}
		if got := defaultEditor(tc.goos); got != tc.editor {
			t.Errorf("%s: editor %q, want %q", tc.goos, got, tc.editor)
		}
		// The default editor is a single word that editorCommand keeps.
		if got := editorCommand(defaultEditor(tc.goos)); !slices.Equal(got, []string{tc.editor}) {
			t.Errorf("%s: editorCommand(default) = %q", tc.goos, got)
		}
	}
}
