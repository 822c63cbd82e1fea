package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigContentDir(t *testing.T) {
	dir := t.TempDir()
	content := filepath.Join(dir, "content")
	if err := os.MkdirAll(filepath.Join(content, "en"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(content, "en", "strings.json"), []byte(`{"service_name": "Test counselling"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "data", "lotse.db")

	// Without a folder: the built-in pages, with the configured retention.
	c, err := parseConfig(nil, envFunc(map[string]string{"LOTSE_DB": db, "LOTSE_RETENTION_DAYS": "12"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := c.Content.Page("de", "data"); !ok || !strings.Contains(string(b), "12 Tage") {
		t.Error("the built-in data page does not show the configured retention")
	}
	// The flag wins over the variable.
	c, err = parseConfig([]string{"--content-dir", content}, envFunc(map[string]string{"LOTSE_DB": db, "LOTSE_CONTENT_DIR": filepath.Join(dir, "missing")}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := c.Content.Page("en", ""); !strings.Contains(string(b), "Test counselling") {
		t.Error("the operator's folder is not used")
	}

	// A broken folder stops the start, names the setting and the file, and
	// creates nothing.
	if err := os.WriteFile(filepath.Join(content, "en", "faq.md"), []byte("no front matter\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db2 := filepath.Join(dir, "data2", "lotse.db")
	_, err = parseConfig(nil, envFunc(map[string]string{"LOTSE_DB": db2, "LOTSE_CONTENT_DIR": content}), io.Discard)
	var ce *configError
	if !errors.As(err, &ce) {
		t.Fatalf("broken content folder: %v, want a configError", err)
	}
	for _, want := range []string{"LOTSE_CONTENT_DIR: ", filepath.Join(content, "en", "faq.md"), "front matter"} {
		if !strings.Contains(ce.msg, want) {
			t.Errorf("message %q lacks %q", ce.msg, want)
		}
	}
	if !strings.Contains(ce.hint, "LOTSE_CONTENT_DIR") {
		t.Errorf("hint %q", ce.hint)
	}
	if _, err := os.Stat(filepath.Dir(db2)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the data folder was created: %v", err)
	}
	_, err = parseConfig([]string{"--content-dir", filepath.Join(dir, "missing")}, envFunc(map[string]string{"LOTSE_DB": db2}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--content-dir") {
		t.Errorf("missing folder: %v", err)
	}
}
