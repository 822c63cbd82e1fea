package counsel

import (
	"os"
	"runtime"
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

// TestUserConfigDir: where counsel keeps its keys on each system, as
// os.UserConfigDir says, from the environment those systems set.
func TestUserConfigDir(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		goos string
		env  func(string) string
		want string // "" for an error
	}{
		{"windows", env("AppData", `C:\Users\Anna\AppData\Roaming`, "HOME", "/ignored"), `C:\Users\Anna\AppData\Roaming`},
		{"windows", env("HOME", `C:\Users\Anna`), ""},
		{"darwin", env("HOME", "/Users/anna", "XDG_CONFIG_HOME", "/ignored"), "/Users/anna/Library/Application Support"},
		{"darwin", env(), ""},
		{"linux", env("HOME", "/home/anna"), "/home/anna/.config"},
		{"linux", env("HOME", "/home/anna", "XDG_CONFIG_HOME", "/srv/cfg"), "/srv/cfg"},
		{"linux", env("HOME", "/home/anna", "XDG_CONFIG_HOME", "cfg"), ""},
		{"freebsd", env(), ""},
	} {
		got, err := userConfigDir(tc.goos, tc.env)
		if (err != nil) != (tc.want == "") || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.goos, got, err, tc.want)
		}
	}
	// On this system the answer is the standard library's.
	want, werr := os.UserConfigDir()
	got, gerr := userConfigDir(runtime.GOOS, os.Getenv)
	if got != want || (werr == nil) != (gerr == nil) {
		t.Errorf("here: %q, %v; os.UserConfigDir: %q, %v", got, gerr, want, werr)
	}
}
