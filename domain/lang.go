package domain

// MaxLangTagLen bounds a language tag: 35 bytes, the longest tag clients
// send with room to spare (PROTOCOL.md §4, "lang").
const MaxLangTagLen = 35

// A LangTag is a BCP 47 language tag in the shape clients send: a
// primary subtag of 2 or 3 letters, then subtags of 1 to 8 letters or
// digits, each after one hyphen ("de", "en-GB", "zh-Hant-TW"). The IANA
// registry itself is not consulted; case is kept as sent.
type LangTag struct{ s string }

// ParseLangTag checks s by that shape. It is the one rule for the "lang"
// of a document (crypto's reader) and for the language a counsellor
// names for a reply (counsel), so that a reply counsel sends is never one
// the enquirer's reader refuses.
func ParseLangTag(s string) (LangTag, error) {
	const kind = "language tag"
	if len(s) > MaxLangTagLen {
		return LangTag{}, invalid(kind, "longer than 35 bytes")
	}
	n, primary := 0, true // n: length of the subtag read so far
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '-' {
			if primary && (n < 2 || n > 3) || !primary && (n < 1 || n > 8) {
				return LangTag{}, invalid(kind, "not a language tag")
			}
			primary, n = false, 0
			continue
		}
		c := s[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && !(!primary && '0' <= c && c <= '9') {
			return LangTag{}, invalid(kind, "not a language tag")
		}
		n++
	}
	return LangTag{s}, nil
}

func (t LangTag) String() string { return t.s }
