package docs_test

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// root is the repository, seen from this package's directory.
const root = ".."

// spec is the specification every citation must resolve in.
var spec = filepath.Join(root, "docs", "PROTOCOL.md")

// sections indexes PROTOCOL.md: every numbered heading ("## 6. HTTP API",
// "### 6.7 Login") by its number, and each top section's heading titles,
// so that a citation with a name (§6 "Limits") can be checked too.
type sections struct {
	numbers map[string]bool
	titles  map[string][]string // "6" → normalised titles of §6 and §6.m
	order   []string            // numbers as they appear
}

var headingRE = regexp.MustCompile(`^(#{2,3}) (\d+)\.(\d+)?\s+(.+)$`)

func parseSections(text string) (*sections, error) {
	s := &sections{numbers: map[string]bool{}, titles: map[string][]string{}}
	fenced := false
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		// A "## " inside a code block is not a heading.
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		m := headingRE.FindStringSubmatch(line)
		if fenced || m == nil {
			continue
		}
		top, sub, title := m[2], m[3], m[4]
		num := top
		switch {
		case m[1] == "##" && sub == "":
		case m[1] == "###" && sub != "":
			num = top + "." + sub
			if !s.numbers[top] {
				return nil, fmt.Errorf("heading %q: §%s comes before §%s", line, num, top)
			}
		default:
			return nil, fmt.Errorf("heading %q: want \"## n. Title\" or \"### n.m Title\"", line)
		}
		if s.numbers[num] {
			return nil, fmt.Errorf("heading %q: §%s twice", line, num)
		}
		s.numbers[num] = true
		s.titles[top] = append(s.titles[top], normalise(title))
		s.order = append(s.order, num)
	}
	return s, sc.Err()
}

// normalise makes a heading title and a cited name comparable: a citation
// may wrap over comment lines and drops the Markdown code marks.
func normalise(s string) string {
	s = continuation.ReplaceAllString(s, " ")
	s = strings.ReplaceAll(s, "`", "")
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// continuation is a line break inside a comment, with the next line's
// comment marker.
var continuation = regexp.MustCompile(`[ \t]*\r?\n[ \t]*(?://+|\*+|#+)?[ \t]*`)

// A citation is "PROTOCOL.md", then one or more references, each "§n",
// "§n.m" or a range "§n–m", the first optionally followed by a quoted
// section name. The gaps may wrap onto the next comment line.
const gap = `(?:[ \t]*\r?\n[ \t]*(?://+|\*+|#+)?[ \t]*|[ \t]+)`

var (
	citationRE = regexp.MustCompile(`PROTOCOL\.md:?` + gap + `§`)
	refRE      = regexp.MustCompile(`^§(\d+)(?:\.(\d+))?(?:[ \t]*[–-][ \t]*(\d+)(?:\.(\d+))?)?`)
	nameRE     = regexp.MustCompile(`^` + gap + `["“]([^"”]{1,80})["”]`)
	moreRE     = regexp.MustCompile(`^[ \t]*(?:,|and|or)` + gap + `(§)`)
)

// ref is one reference of a citation.
type ref struct {
	line int
	from string // "6" or "6.7"
	to   string // end of a range, or ""
	name string // a quoted section name, or ""
}

func (r ref) String() string {
	s := "§" + r.from
	if r.to != "" {
		s += "–" + r.to
	}
	if r.name != "" {
		s += fmt.Sprintf(" %q", r.name)
	}
	return s
}

// findRefs returns every reference that follows "PROTOCOL.md" in text.
func findRefs(text string) []ref {
	var refs []ref
	for _, loc := range citationRE.FindAllStringIndex(text, -1) {
		pos := loc[1] - len("§")
		first := true
		for {
			m := refRE.FindStringSubmatch(text[pos:])
			if m == nil {
				break
			}
			r := ref{line: 1 + strings.Count(text[:pos], "\n"), from: join(m[1], m[2]), to: join(m[3], m[4])}
			pos += len(m[0])
			if first {
				if n := nameRE.FindStringSubmatch(text[pos:]); n != nil {
					r.name = n[1]
					pos += len(n[0])
				}
				first = false
			}
			refs = append(refs, r)
			next := moreRE.FindStringSubmatchIndex(text[pos:])
			if next == nil {
				break
			}
			pos += next[2]
		}
	}
	return refs
}

func join(n, m string) string {
	if m == "" {
		return n
	}
	return n + "." + m
}

// check is the checker: it returns what is wrong with each reference in
// text, one line per problem, prefixed with where.
func (s *sections) check(where, text string) []string {
	var bad []string
	for _, r := range findRefs(text) {
		if msg := s.resolve(r); msg != "" {
			bad = append(bad, fmt.Sprintf("%s:%d: PROTOCOL.md %v: %s", where, r.line, r, msg))
		}
	}
	return bad
}

func (s *sections) resolve(r ref) string {
	if !s.numbers[r.from] {
		return "no section §" + r.from
	}
	if r.to != "" {
		if !s.numbers[r.to] {
			return "no section §" + r.to
		}
		if slices.Index(s.order, r.to) <= slices.Index(s.order, r.from) {
			return "the range runs backwards"
		}
	}
	if r.name != "" {
		top, _, _ := strings.Cut(r.from, ".")
		if !slices.Contains(s.titles[top], normalise(r.name)) {
			return fmt.Sprintf("§%s has no part named %q", top, r.name)
		}
	}
	return ""
}

func loadSections(t *testing.T) (*sections, string) {
	t.Helper()
	b, err := os.ReadFile(spec)
	if err != nil {
		t.Fatalf("read the specification: %v", err)
	}
	s, err := parseSections(string(b))
	if err != nil {
		t.Fatalf("%s: %v", spec, err)
	}
	return s, string(b)
}

// cited are the kinds of file whose comments or text cite the spec.
var cited = []string{".go", ".ts", ".js", ".mjs", ".md"}

// TestCitations checks every citation of PROTOCOL.md in the repository.
func TestCitations(t *testing.T) {
	s, _ := loadSections(t)
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found from %s: %v", root, err)
	}
	files, total := 0, 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (name == "node_modules" || name == "dist" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !slices.Contains(cited, filepath.Ext(path)) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if n := len(findRefs(string(b))); n > 0 {
			files++
			total += n
		}
		for _, msg := range s.check(filepath.ToSlash(rel), string(b)) {
			t.Error(msg)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The scanner itself must be finding the citations the code has
	// (about a hundred in some forty files when this test was written).
	if files < 20 || total < 60 {
		t.Errorf("found %d citations in %d files; the scanner is missing them", total, files)
	}
}

// TestSpecReferences checks the specification's own "§n" references (not
// those of RFCs) against its headings.
func TestSpecReferences(t *testing.T) {
	s, text := loadSections(t)
	own := regexp.MustCompile(`(RFC \d+ )?§(\d+(?:\.\d+)?)`)
	for _, m := range own.FindAllStringSubmatchIndex(text, -1) {
		if m[2] >= 0 {
			continue
		}
		num := text[m[4]:m[5]]
		if !s.numbers[num] {
			t.Errorf("PROTOCOL.md:%d: §%s is not a section", 1+strings.Count(text[:m[0]], "\n"), num)
		}
	}
}

// TestSectionNumbers pins what the code's citations rely on: §1 to §7 of
// version 1 in order, then those of version 1.1, folded in (8 to 11), and
// subsections numbered 1, 2, 3, … within their section.
func TestSectionNumbers(t *testing.T) {
	s, _ := loadSections(t)
	var tops []string
	next := map[string]int{}
	for _, num := range s.order {
		top, sub, ok := strings.Cut(num, ".")
		if !ok {
			tops = append(tops, top)
			continue
		}
		next[top]++
		if sub != strconv.Itoa(next[top]) {
			t.Errorf("§%s: want §%s.%d", num, top, next[top])
		}
	}
	v1 := []string{"1", "2", "3", "4", "5", "6", "7"}
	if len(tops) < len(v1) || !slices.Equal(tops[:len(v1)], v1) {
		t.Errorf("sections %v, want %v first", tops, v1)
	} else if rest := tops[len(v1):]; !slices.Equal(rest, []string{"8", "9", "10", "11"}) {
		t.Errorf("sections %v after §7, want 8 to 11", rest)
	}
	for _, name := range []string{"Not in version 1", "Changes from the shared draft"} {
		if !strings.Contains(readSpec(t), "\n## "+name+"\n") {
			t.Errorf("no section %q", name)
		}
	}
}

func readSpec(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCheckerFindsBadCitations runs made-up citations through the same
// checker as TestCitations: a wrong one must be reported, a right one not.
// The citations are built at run time so that TestCitations, which reads
// this file too, does not see them.
func TestCheckerFindsBadCitations(t *testing.T) {
	s, _ := loadSections(t)
	p := "PROTOCOL" + ".md "
	for _, tc := range []struct {
		text string
		bad  int
	}{
		{"// see " + p + "§6", 0},
		{"// see " + p + "§6.7 and " + p + "§3.2", 0},
		{"// (" + p + "§1–5)", 0},
		{"// (" + p + "§1–3, §6 bearer)", 0},
		{"// " + p + "§6 \"Limits\"", 0},
		{"// " + p + "§3 \"What counsel\n// verifies\", each broken once", 0},
		{"// (" + p + "\n// §3, §6): a keyring", 0},
		{"/** " + p + "§4, as Go's\n * CheckDocument */", 0},
		{"// " + p + "§42", 1},
		{"// " + p + "§6.99", 1},
		{"// " + p + "§0", 1},
		{"// " + p + "§1–42", 1},
		{"// " + p + "§5–2", 1},
		{"// " + p + "§1–3, §12 bearer", 1},
		{"// " + p + "§6 \"No such part\"", 1},
		{"// " + p + "§3 \"Roster and keyring\"", 1}, // a §6 part cited under §3
		{"// (" + p + "\n// §9): handover", 0},
		{"// (" + p + "\n// §9.2): the offer", 0},
		{"// " + p + "§9 \"The offer in a reply document\"", 0},
		{"// " + p + "§9.9", 1},
		{"// (" + p + "\n// §12): handover", 1}, // there is no §12
		{"| " + p + "§2 | " + p + "§12 |", 1},
		{"// PROTOCOL-1.1" + ".md §8: not this document", 0},
	} {
		got := s.check("made-up.go", tc.text)
		if len(got) != tc.bad {
			t.Errorf("%q: %d problems %q, want %d", tc.text, len(got), got, tc.bad)
		}
	}
	// A citation without any section still counts as a reference nowhere.
	if refs := findRefs("// " + p + "without a section"); len(refs) != 0 {
		t.Errorf("found %v in a citation without §", refs)
	}
}
