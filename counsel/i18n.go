package counsel

import (
	"embed"
	"encoding/json"
	"strings"
)

// What counsel says to people lives in message catalogues, one JSON file
// per language in lang/, keyed by stable message ids like the web
// client's (webclient/src/lang). Error messages are English by Error()
// (logs, tests and the desk's JSON stay the same in every language) and
// German through localize; prompts, output for people and hints follow
// the system's language. --json output is the same in both.

// msg is a message id. The vars of type msg are generated from
// lang/en.json into messages.go (TestCatalogues keeps them in step), so
// the code can only name ids the catalogues have.
type msg struct{ id string }

//go:embed lang/*.json
var langFiles embed.FS

// languages are the catalogues; English is the fallback and the source.
var languages = []string{"en", "de"}

var catalogues = loadCatalogues()

func loadCatalogues() map[string]map[string]string {
	cs := map[string]map[string]string{}
	for _, l := range languages {
		b, err := langFiles.ReadFile("lang/" + l + ".json")
		if err != nil {
			panic("counsel: catalogue " + l + ": " + err.Error())
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic("counsel: catalogue " + l + ": " + err.Error())
		}
		cs[l] = m
	}
	return cs
}

// tr is m's text in lang, English where lang has none.
func tr(lang string, m msg) string {
	if t, ok := catalogues[lang][m.id]; ok {
		return t
	}
	return catalogues["en"][m.id]
}

// cliLang is "de" when the system's language (LC_ALL, LC_MESSAGES, LANG)
// is German, else "en".
func cliLang(getenv func(string) string) string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if l := getenv(v); l != "" {
			if strings.HasPrefix(strings.ToLower(l), "de") {
				return "de"
			}
			return "en"
		}
	}
	return "en"
}
