package content

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"
)

// BenchmarkLoad is the start-up cost: read, check and render every page in
// both languages.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load("", Options{RetentionDays: 90}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender is the cost of one request's page: a copy of bytes
// rendered at Load.
func BenchmarkRender(b *testing.B) {
	s, err := Load("", Options{RetentionDays: 90})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Render(io.Discard, "de", "centres"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPageSizes reports what a phone downloads (go test -v -run
// TestPageSizes); it asserts only a generous bound.
func TestPageSizes(t *testing.T) {
	s, err := Load("", Options{RetentionDays: 90})
	if err != nil {
		t.Fatal(err)
	}
	gz := func(b []byte) int {
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		w.Write(b)
		w.Close()
		return buf.Len()
	}
	total := 0
	for _, lang := range Languages {
		for _, slug := range s.Slugs(lang) {
			b, _ := s.Page(lang, slug)
			total += len(b)
			t.Logf("%s/%s: %d bytes, %d gzipped", lang, slug, len(b), gz(b))
			if len(b) > 64<<10 {
				t.Errorf("%s/%s is %d bytes", lang, slug, len(b))
			}
		}
	}
	for _, name := range []string{"pages.css", "pages.js"} {
		a, _ := s.Asset(name)
		t.Logf("%s: %d bytes, %d gzipped", name, len(a.Body), gz(a.Body))
	}
	t.Logf("all pages: %d bytes", total)
}
