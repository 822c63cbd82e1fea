package content

import "embed"

//go:embed assets/pages.css assets/pages.js
var assetFS embed.FS

func builtinAssets() map[string]Asset {
	m := map[string]Asset{}
	for name, ct := range map[string]string{
		"pages.css": "text/css; charset=utf-8",
		"pages.js":  "text/javascript; charset=utf-8",
	} {
		b, err := assetFS.ReadFile("assets/" + name)
		if err != nil {
			panic("content: embedded asset missing: " + name) // a broken build
		}
		m[name] = Asset{Body: b, ContentType: ct}
	}
	return m
}
