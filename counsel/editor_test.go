package counsel

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestEditorCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Program Files", "Notepad++")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "notepad++.exe")
	if err := os.WriteFile(exe, nil, 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want []string
	}{
		{"vi", []string{"vi"}},
		{"  code --wait  ", []string{"code", "--wait"}},
		{exe, []string{exe}},
		{`"` + exe + `" -multiInst`, []string{exe, "-multiInst"}},
		{`"C:\Program Files\Notepad++\notepad++.exe" -multiInst -nosession`, []string{`C:\Program Files\Notepad++\notepad++.exe`, "-multiInst", "-nosession"}},
		{`'/opt/my editor/ed' -f`, []string{"/opt/my editor/ed", "-f"}},
		{`emacsclient -a "" -c`, []string{"emacsclient", "-a", "", "-c"}},
		{`ed "say \"hi\""`, []string{"ed", `say "hi"`}},
		{`C:\tools\ed.exe`, []string{`C:\tools\ed.exe`}},
		{"", nil},
	}
	for _, tc := range tests {
		if got := editorCommand(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("editorCommand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
