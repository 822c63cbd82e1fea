package content

import (
	"embed"
	"encoding/json"
	"path"
	"strings"
)

// The directory's labels (federal states, target groups, the languages a
// centre offers) beyond German and English: one catalogue per language,
// labels/<lang>.json, keyed by the label's code ("DE-BY", "women", "fr"),
// with labels/review.json saying who vouches for it, as review.json does for
// the pages. German and English stay beside the codes in centres.go and
// languages.go: they are the source. A label a catalogue lacks (most of the
// ISO languages) reads in English, as every other text does.

//go:embed labels/*.json
var labelFS embed.FS

// labelTexts is language → code → name, read once from labelFS.
var labelTexts = readLabels()

func readLabels() map[string]map[string]string {
	out := map[string]map[string]string{}
	files, _ := labelFS.ReadDir("labels")
	for _, f := range files {
		lang, ok := strings.CutSuffix(f.Name(), ".json")
		if !ok || lang == "review" {
			continue
		}
		b, err := labelFS.ReadFile(path.Join("labels", f.Name()))
		if err != nil {
			panic("content: embedded labels: " + err.Error()) // a broken build
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			// TestLabels names the file; a build that got past it cannot
			// reach here, and a half-read catalogue would mislabel centres.
			panic("content: labels/" + f.Name() + ": " + err.Error())
		}
		out[lang] = m
	}
	return out
}

// labelIn is the drafted name of code in lang, "" if there is none.
func labelIn(code, lang string) string {
	return labelTexts[lang][code]
}
