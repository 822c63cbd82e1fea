package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"lotse/internal/bounded"
	"lotse/internal/catalogue"
)

// Web limits.
const (
	maxSumsFile  = 1 << 20
	maxSumsLines = 10000
	maxWebFile   = 64 << 20
	maxRedirects = 3
)

// Sum is one line of a SHA256SUMS file.
type Sum struct {
	Hash string // 64 lower-case hex digits
	Path string // relative, "/"-separated
	Line int
}

// ReadSums reads the sha256sum format: "<64 hex>  <path>" (or " *<path>")
// per line; empty lines are skipped.
func ReadSums(r io.Reader) ([]Sum, error) {
	data, err := bounded.ReadAll(r, maxSumsFile)
	if err != nil {
		return nil, fmt.Errorf("the hash list: %v", err)
	}
	var out []Sum
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxSumsFile)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if len(line) < 67 || (line[64:66] != "  " && line[64:66] != " *") {
			return nil, fmt.Errorf("hash list line %d: want \"<64 hex digits>  <path>\"", n)
		}
		h, p := strings.ToLower(line[:64]), line[66:]
		if _, err := hex.DecodeString(h); err != nil {
			return nil, fmt.Errorf("hash list line %d: the hash is not 64 hex digits", n)
		}
		if problem := checkWebPath(p); problem != "" {
			return nil, fmt.Errorf("hash list line %d: path %q %s", n, p, problem)
		}
		if first, dup := seen[p]; dup {
			return nil, fmt.Errorf("hash list line %d: path %q already on line %d", n, p, first)
		}
		seen[p] = n
		if len(out) == maxSumsLines {
			return nil, fmt.Errorf("the hash list has more than %d lines", maxSumsLines)
		}
		out = append(out, Sum{Hash: h, Path: p, Line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("the hash list lists no file")
	}
	return out, nil
}

// checkWebPath says what is wrong with a listed path, or "".
func checkWebPath(p string) string {
	if strings.HasPrefix(p, "./") {
		p = p[2:]
	}
	switch {
	case p == "" || len(p) > 1024:
		return "is empty or too long"
	case strings.HasPrefix(p, "/"):
		return "is absolute"
	case strings.ContainsAny(p, "\\?#"):
		return "has a backslash, ? or #"
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "has an empty, . or .. segment"
		}
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return "has a control character"
		}
	}
	return ""
}

// WebReport is the result of web.
type WebReport struct {
	header
	URL        string    `json:"url"`
	Files      []WebFile `json:"files"`
	Matched    int       `json:"matched"`
	Mismatched int       `json:"mismatched"`
	Missing    int       `json:"missing"`
	Errors     int       `json:"errors"`
}

// WebFile is one file as the server served it.
type WebFile struct {
	Path     string `json:"path"`
	URL      string `json:"url"`
	Expected string `json:"expected"`
	Got      string `json:"got"`
	Bytes    int64  `json:"bytes"`
	Status   string `json:"status"` // ok, mismatch, missing, error
	Error    string `json:"error"`
	Note     string `json:"note"` // e.g. why a served index.html differs and still matches
}

// Web fetches every listed file from base and compares its SHA-256;
// index.html is fetched from base + "/" too, as a browser gets it.
func Web(ctx context.Context, base string, sums []Sum, timeout time.Duration) (*WebReport, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("the URL must be http(s)://host[:port][/path], got %q", base)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	hc := &http.Client{
		Timeout: timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return errors.New("too many redirects")
			}
			if req.URL.Host != u.Host || req.URL.Scheme != u.Scheme && !(u.Scheme == "http" && req.URL.Scheme == "https") {
				return fmt.Errorf("redirected to another server (%s)", req.URL.Host)
			}
			return nil
		},
	}
	rep := &WebReport{header: newHeader("web"), URL: u.String(), Files: []WebFile{}}
	var page []byte // the page at "/", if it passed
	add := func(s Sum, shown, target string, optional bool) {
		f := WebFile{Path: shown, URL: target, Expected: s.Hash}
		body, status, err := fetch(ctx, hc, target)
		f.Bytes = int64(len(body))
		if err == nil && status == http.StatusOK {
			f.Got = sha256Hex(body)
			if f.Got != s.Hash && path.Base(s.Path) == "index.html" {
				f.Got, f.Note = servedIndex(body, s.Hash)
				if f.Got == s.Hash && !optional {
					page = body
				}
			}
		}
		switch {
		case optional && err == nil && status == http.StatusNotFound:
			return // not served under its own name: checked at "/"
		case err != nil:
			f.Status, f.Error = "error", err.Error()
			rep.Errors++
		case status == http.StatusNotFound || status == http.StatusGone:
			f.Status, f.Error = "missing", fmt.Sprintf("HTTP %d", status)
			rep.Missing++
		case status != http.StatusOK:
			f.Status, f.Error = "error", fmt.Sprintf("HTTP %d", status)
			rep.Errors++
		case f.Got != s.Hash:
			f.Status = "mismatch"
			rep.Mismatched++
		default:
			f.Status = "ok"
			rep.Matched++
		}
		rep.Files = append(rep.Files, f)
	}
	for _, s := range sums {
		p := strings.TrimPrefix(s.Path, "./")
		segs := strings.Split(p, "/")
		for i, seg := range segs {
			segs[i] = url.PathEscape(seg)
		}
		if p == "index.html" {
			// Browsers get it at "/"; a server need not serve it under
			// its name too, but if it does, it must serve the same.
			add(s, "/ (index.html)", u.String()+"/", false)
			add(s, p, u.String()+"/index.html", true)
			continue
		}
		add(s, p, u.String()+"/"+strings.Join(segs, "/"), false)
	}
	if page != nil {
		operatorCatalogues(ctx, hc, u.String(), page, sums, rep)
	}
	rep.OK = rep.Matched == len(rep.Files)
	return rep, nil
}

// fetch GETs target and returns the body (decoded, as a browser sees it)
// of a 200 answer; it reads at most maxWebFile bytes.
func fetch(ctx context.Context, hc *http.Client, target string) (body []byte, status int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("User-Agent", "mailbox-audit/1")
	req.Header.Set("Cache-Control", "no-cache")
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, resp.StatusCode, nil
	}
	body, err = bounded.ReadAll(resp.Body, maxWebFile)
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("read: %v", err)
	}
	return body, resp.StatusCode, nil
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// servedIndex compares a served index.html with the published one (SHA-256
// want), allowing only what mailboxd writes into it: the operator's texts
// in the four places left empty at build time, and the operator's exit
// link. It returns the hash to report (want when only those differ) and a
// note saying what differed.
func servedIndex(page []byte, want string) (got, note string) {
	got = sha256Hex(page)
	canonical := siteTextsOnly(page)
	if canonical == nil {
		// A page without the places (an older build): the exit link alone.
		if exit, ok := exitLinkOnly(page, want); ok {
			return want, "the same as published but for the quick-exit link, which the operator set to " + exit
		}
		return got, ""
	}
	if sha256Hex(canonical) == want {
		return want, "the same as published but for the operator's service texts (title, header, office hours, the page without JavaScript" + catalogueNote(page) + ")"
	}
	if exit, ok := exitLinkOnly(canonical, want); ok {
		return want, "the same as published but for the operator's service texts" + catalogueNote(page) + " and the quick-exit link, which the operator set to " + exit
	}
	return got, ""
}

// operatorCatalogue is the page's naming of a catalogue the operator
// changed (LOTSE_CONTENT_DIR/<lang>/webclient.json, api/static.go).
var operatorCatalogue = regexp.MustCompile(` data-catalogue-([a-z]{2,3})="/(lang-[a-z]{2,3}-([A-Z0-9]{8})\.json)"`)

func catalogueNote(page []byte) string {
	var langs []string
	for _, m := range operatorCatalogue.FindAllSubmatch(page, -1) {
		langs = append(langs, string(m[1]))
	}
	if len(langs) == 0 {
		return ""
	}
	return ", the names of its own web client texts in " + strings.Join(langs, ", ")
}

// operatorCatalogues checks the catalogues the served page names beyond
// the published ones: each must be what its name's hash says, a JSON
// object of strings with only keys of the published catalogue of its
// language and the same {placeholders}. It reports each with the texts the
// operator changed: these are not published, and whoever audits should
// read them.
//
// A language the operator added (named in the page's data-languages) has
// no published catalogue: its file must hold exactly the keys of the
// published English one, with the same placeholders, and every text is
// the operator's.
func operatorCatalogues(ctx context.Context, hc *http.Client, base string, page []byte, sums []Sum, rep *WebReport) {
	added := addedLanguages(page)
	for _, m := range operatorCatalogue.FindAllSubmatch(page, -1) {
		lang, name, short := string(m[1]), string(m[2]), string(m[3])
		own, isAdded := added[lang]
		what := "the operator's " + lang + " texts"
		if isAdded {
			what = fmt.Sprintf("the operator's added language %s %q: its texts", lang, own)
		}
		f := WebFile{Path: name + " (" + what + ")", URL: base + "/" + name, Expected: "sha256 " + strings.ToLower(short) + "…"}
		fail := func(status, msg string) {
			f.Status, f.Error = status, msg
			switch status {
			case "missing":
				rep.Missing++
			case "mismatch":
				rep.Mismatched++
			default:
				rep.Errors++
			}
			rep.Files = append(rep.Files, f)
		}
		body, status, err := fetch(ctx, hc, f.URL)
		if err != nil || status != http.StatusOK {
			if err == nil && status == http.StatusNotFound {
				fail("missing", fmt.Sprintf("HTTP %d", status))
			} else if err != nil {
				fail("error", err.Error())
			} else {
				fail("error", fmt.Sprintf("HTTP %d", status))
			}
			continue
		}
		f.Bytes, f.Got = int64(len(body)), sha256Hex(body)
		if !strings.HasPrefix(f.Got, strings.ToLower(short)) {
			fail("mismatch", "its content does not match the hash in its name")
			continue
		}
		var published []byte
		against := lang
		if isAdded {
			against = "en"
		}
		for _, s := range sums {
			if m := publishedCatalogue.FindStringSubmatch(s.Path); m != nil && m[1] == against {
				published, status, err = fetch(ctx, hc, base+"/"+s.Path)
				if err != nil || status != http.StatusOK || sha256Hex(published) != s.Hash {
					published = nil
				}
			}
		}
		var theirs, ours map[string]string
		if published == nil || json.Unmarshal(published, &ours) != nil {
			fail("error", "no published catalogue of "+against+" to compare it with")
			continue
		}
		if err := json.Unmarshal(body, &theirs); err != nil {
			fail("mismatch", "not a JSON object of strings")
			continue
		}
		var changed, bad []string
		for k, v := range theirs {
			was, ok := ours[k]
			switch {
			case !ok:
				bad = append(bad, fmt.Sprintf("key %q is not in the published catalogue", k))
			case !slices.Equal(catalogue.Placeholders(v), catalogue.Placeholders(was)):
				bad = append(bad, fmt.Sprintf("key %q: its placeholders differ from the published text's", k))
			case v != was:
				changed = append(changed, k)
			}
		}
		if isAdded {
			for k := range ours {
				if _, ok := theirs[k]; !ok {
					bad = append(bad, fmt.Sprintf("key %q of the published English catalogue is missing", k))
				}
			}
		}
		if len(bad) > 0 {
			slices.Sort(bad)
			fail("mismatch", strings.Join(bad, "; "))
			continue
		}
		slices.Sort(changed)
		f.Status, f.Expected = "ok", f.Got
		f.Note = fmt.Sprintf("the operator changed %d of the published %d texts: %s", len(changed), len(ours), strings.Join(changed, ", "))
		if isAdded {
			f.Note = fmt.Sprintf("a language the operator added: all %d texts are the operator's, none published; read them all", len(theirs))
		}
		rep.Matched++
		rep.Files = append(rep.Files, f)
	}
}

// addedLanguages reads the page's data-languages (api/static.go,
// addedLanguages): the languages the operator added, code → name.
func addedLanguages(page []byte) map[string]string {
	out := map[string]string{}
	m := dataLanguages.FindSubmatch(page)
	if m == nil {
		return out
	}
	var list []struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	if json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &list) != nil {
		return out
	}
	for _, l := range list {
		if addedCode.MatchString(l.Code) {
			out[l.Code] = l.Name
		}
	}
	return out
}

var (
	dataLanguages = regexp.MustCompile(`<div id="service" hidden data-languages="(` + siteText + `)"`)
	addedCode     = regexp.MustCompile(`^` + siteLang + `$`)
)

// publishedCatalogue is a catalogue file of the build (webclient/build.mjs).
var publishedCatalogue = regexp.MustCompile(`^lang-([a-z]{2,3})-[A-Z0-9]{8}\.json$`)

// The places in index.html where mailboxd writes the operator's texts
// (api/static.go, withSite), each as mailboxd fills it and as the build
// leaves it. A text is escaped HTML: never '<', '>' or '"'. The patterns
// admit nothing but such texts, so a page that passes can carry no markup
// or script that the published page lacks.
var siteRegions = []struct {
	served *regexp.Regexp
	empty  string
}{
	{regexp.MustCompile(`<title>` + siteText + `</title>`), `<title></title>`},
	{regexp.MustCompile(`<p class="brand" id="brand">` + siteText + `</p>`), `<p class="brand" id="brand"></p>`},
	{regexp.MustCompile(`<div id="service" hidden(?: data-languages="` + siteText + `")?(?: data-(?:name|hours|answer)-` + siteLang + `="` + siteText + `")*` +
		`(?: data-catalogue-` + siteLang + `="/lang-` + siteLang + `-[A-Z0-9]{8}\.json")*></div>`), `<div id="service" hidden></div>`},
	{regexp.MustCompile(`<noscript><div class="noscript">(?:<section lang="` + siteLang + `"><h1>` + siteText + `</h1>` +
		`<p>` + siteText + `</p><p>` + siteText + `</p><p>` + siteText + `</p><p>` + siteText + `</p>` +
		`<ul><li><a href="/info/` + siteLang + `/">` + siteText + `</a></li>` +
		`<li><a href="/info/` + siteLang + `/safety">` + siteText + `</a></li>` +
		`<li><a href="/info/` + siteLang + `/centres">` + siteText + `</a></li></ul></section>)*</div></noscript>`), `<noscript></noscript>`},
}

const (
	siteText = `[^<>"]*`
	siteLang = `[a-z]{2,3}`
)

// siteTextsOnly returns page with each filled place emptied again, or nil
// when a place is missing, repeated or holds anything but texts.
func siteTextsOnly(page []byte) []byte {
	out := page
	for _, r := range siteRegions {
		locs := r.served.FindAllIndex(out, 2)
		if len(locs) != 1 {
			return nil
		}
		out = append(append(append([]byte{}, out[:locs[0][0]]...), r.empty...), out[locs[0][1]:]...)
	}
	return out
}

// The web client's index.html has one quick-exit link, and mailboxd puts
// the exit URL its operator configured (LOTSE_EXIT_URL) in place of the
// built one (api.DefaultExitURL), so a served page differs from the
// published one there.
const (
	exitLinkPrefix  = `id="exit" class="exit" href="`
	defaultExitLink = "https://www.wikipedia.org/"
)

// exitLinkOnly reports whether page is the published page (SHA-256 want)
// but for the href of its one exit link, which must be an https URL; it
// returns that URL.
func exitLinkOnly(page []byte, want string) (string, bool) {
	if bytes.Count(page, []byte(exitLinkPrefix)) != 1 {
		return "", false
	}
	start := bytes.Index(page, []byte(exitLinkPrefix)) + len(exitLinkPrefix)
	end := bytes.IndexByte(page[start:], '"')
	if end < 0 {
		return "", false
	}
	href := string(page[start : start+end])
	u, err := url.Parse(html.UnescapeString(href))
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || strings.ContainsAny(href, "<>'` \t\n") {
		return "", false
	}
	published := append(append(append([]byte{}, page[:start]...), defaultExitLink...), page[start+end:]...)
	if sha256Hex(published) != want {
		return "", false
	}
	return u.String(), true
}

func (r *WebReport) print(w io.Writer) {
	fmt.Fprintln(w, "mailbox-audit web")
	fmt.Fprintf(w, "  server   %s\n", r.URL)
	fmt.Fprintln(w)
	for _, f := range r.Files {
		switch f.Status {
		case "ok":
			fmt.Fprintf(w, "  ok        %s (%s bytes)\n", f.Path, thousands(f.Bytes))
			if f.Note != "" {
				fmt.Fprintf(w, "            %s\n", f.Note)
			}
		case "mismatch":
			fmt.Fprintf(w, "  MISMATCH  %s: served sha256 %s, published %s\n", f.Path, f.Got, f.Expected)
		case "missing":
			fmt.Fprintf(w, "  MISSING   %s: %s\n", f.Path, f.Error)
		default:
			fmt.Fprintf(w, "  ERROR     %s: %s\n", f.Path, f.Error)
		}
	}
	fmt.Fprintln(w)
	if r.OK {
		own := 0
		for _, f := range r.Files {
			if strings.HasSuffix(f.Path, " texts)") {
				own++
			}
		}
		if own == 0 {
			fmt.Fprintf(w, "PASS: the server serves all %s exactly as published.\n", plural(int64(len(r.Files)), "file", "files"))
			return
		}
		fmt.Fprintf(w, "PASS: the server serves all %s exactly as published, and %s of the operator's own web client texts (above: read what they changed).\n",
			plural(int64(len(r.Files)-own), "file", "files"), plural(int64(own), "catalogue", "catalogues"))
		return
	}
	fmt.Fprintf(w, "FAIL: of %s, %d match, %d differ, %d are missing, %d could not be fetched.\n",
		plural(int64(len(r.Files)), "file", "files"), r.Matched, r.Mismatched, r.Missing, r.Errors)
}
