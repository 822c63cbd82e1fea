package counsel

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// userTexts finds, in the package's source, every English text counsel
// shows on the command line: errors (errorf, alarm), hints (withHint,
// withHintf, hintError{hint: …}, confirm, ask), what apiError was doing,
// phrases, flag descriptions and command help.
func userTexts(t *testing.T) (errs, hints map[string]token.Position) {
	t.Helper()
	errs, hints = map[string]token.Position{}, map[string]token.Position{}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	lit := func(e ast.Expr) (string, bool) {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				var fn string
				switch x := n.Fun.(type) {
				case *ast.Ident:
					fn = x.Name
				case *ast.SelectorExpr:
					fn = x.Sel.Name
				}
				arg := -1
				into := errs
				switch fn {
				case "errorf", "alarm", "apiError", "phrase":
					arg = 0
				case "withHint", "withHintf", "confirm", "ask":
					arg, into = 1, hints
				case "String", "Bool", "Duration", "Int":
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && len(n.Args) == 3 {
						if x, ok := sel.X.(*ast.SelectorExpr); ok && x.Sel.Name == "fs" {
							arg, into = 2, hints
						}
					}
				}
				if arg >= 0 && arg < len(n.Args) {
					if s, ok := lit(n.Args[arg]); ok {
						into[s] = fset.Position(n.Pos())
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "hint" {
					if s, ok := lit(n.Value); ok {
						hints[s] = fset.Position(n.Pos())
					}
				}
			}
			return true
		})
	}
	for _, s := range commandHelp {
		hints[s] = token.Position{Filename: "commandHelp"}
	}
	return errs, hints
}

var verbRE = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// TestGermanTexts: every error and hint counsel can show has a German
// text, not empty, with the same verbs in the same order, so that
// fmt.Sprintf fills in the same values.
func TestGermanTexts(t *testing.T) {
	errs, hints := userTexts(t)
	if len(errs) < 50 || len(hints) < 30 {
		t.Fatalf("found only %d error and %d hint texts; is the scan broken?", len(errs), len(hints))
	}
	check := func(kind string, texts map[string]token.Position, de map[string]string) {
		for en, pos := range texts {
			g, ok := de[en]
			switch {
			case !ok:
				t.Errorf("%s: %s %q has no German text", pos, kind, en)
			case strings.TrimSpace(g) == "":
				t.Errorf("%s: %s %q has an empty German text", pos, kind, en)
			case strings.Join(verbRE.FindAllString(g, -1), " ") != strings.Join(verbRE.FindAllString(en, -1), " "):
				t.Errorf("%s: %s %q: German %q has other verbs", pos, kind, en, g)
			}
		}
	}
	check("error", errs, germanErrors)
	check("hint", hints, german)
	for en, g := range germanErrors {
		if _, ok := errs[en]; !ok {
			t.Errorf("germanErrors has %q, which counsel never says", en)
		}
		if strings.TrimSpace(en) == "" || strings.TrimSpace(g) == "" {
			t.Errorf("germanErrors has an empty text: %q → %q", en, g)
		}
	}
	if strings.TrimSpace(german[AlarmAdvice]) == "" {
		t.Error("the alarm advice has no German text")
	}
}

// TestLocalize: an error made of errors says every part in German, and
// its English (Error) stays as before.
func TestLocalize(t *testing.T) {
	inner := withHint(errorf("wrong passphrase"), "type the passphrase you chose at init or join")
	err := withHintf(errorf("%s: %v", phrase("log in"), inner), "counsel %s -h shows the flags; flags come before arguments", "cases")
	if got, want := err.Error(), "log in: wrong passphrase"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := localize("de", err), "Anmelden: falsches Passwort"; got != want {
		t.Errorf("localize(de) = %q, want %q", got, want)
	}
	if got, want := localHint("de", err), "\"counsel cases -h\" zeigt die Optionen; Optionen stehen vor den Argumenten"; got != want {
		t.Errorf("localHint(de) = %q, want %q", got, want)
	}
	a := alarm("the keyring ends at epoch %d, but this desk has accepted epoch %d", 2, 3)
	if got := localize("de", a); !strings.HasPrefix(got, "ALARM: ") || strings.Contains(got, "keyring ends") {
		t.Errorf("localize(de) of an alarm = %q", got)
	}
}

// TestDeskErrorsInGerman: the desk's error replies carry counsel's own
// words in German beside the English, so the page can show either.
func TestDeskErrorsInGerman(t *testing.T) {
	rec := httptest.NewRecorder()
	a := alarm("the keyring ends at epoch %d, but this desk has accepted epoch %d", 2, 3).(*AlarmError)
	writeErr(rec, http.StatusConflict, "alarm", a)
	var r apiReply
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Message != a.Error() || r.MessageDE == "" || strings.Contains(r.MessageDE, "keyring ends") {
		t.Errorf("alarm reply: message %q, message_de %q", r.Message, r.MessageDE)
	}
	if de := alarmReasonDE(a); de == "" || strings.HasPrefix(de, "ALARM") || strings.Contains(de, "keyring ends") {
		t.Errorf("alarmReasonDE = %q", de)
	}
	rec = httptest.NewRecorder()
	writeErr(rec, http.StatusBadRequest, "failed", errors.New("from elsewhere"))
	if strings.Contains(rec.Body.String(), "message_de") {
		t.Errorf("an error counsel cannot translate got a German text: %s", rec.Body)
	}
}
