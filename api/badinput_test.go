package api

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"

	"lotse/crypto"
	"lotse/mailbox"
)

// fixture is a team at epoch 2 with an existing mailbox, an active
// non-admin counsellor and a pending one.
type fixture struct {
	e          *env
	tm         *team
	q0         *enquirer
	memberID   string
	memberKey  *age.HybridIdentity
	pendingID  string
	pendingKey *age.HybridIdentity
}

func newFixture(t *testing.T) *fixture {
	e := newEnv(t, envOptions{
		cfg: Config{
			PowDifficulty:  2,
			CreateLimit:    Rate{N: 10000, Per: time.Minute},
			ChallengeLimit: Rate{N: 10000, Per: time.Minute},
		},
		limits: mailbox.Limits{MessagesPerHour: 2, MaxMessages: 4},
	})
	f := &fixture{e: e, tm: e.setUpTeam()}
	f.memberID, f.memberKey = e.addCounsellor(f.tm, "Member", true)
	f.pendingID, f.pendingKey = e.addCounsellor(f.tm, "Pending", false)
	// A new team key: epoch 2.
	cur := e.currentEnvelope()
	f.tm.keys = append(f.tm.keys, newIdentity(t))
	e.want(e.putKeyring(f.tm, f.tm.adminToken, cur), 200, "")
	f.q0 = newEnquirer(t)
	e.want(e.createMailbox(f.tm, f.q0), 201, "")
	return f
}

// admin logs the admin in afresh: tests move the clock past session limits.
func (f *fixture) admin() string { return f.e.login(f.tm.adminID, f.tm.adminKey) }

func (f *fixture) member() string { return f.e.login(f.memberID, f.memberKey) }

// createRequest is a valid POST /api/v1/mailboxes for a new mailbox,
// changed by mod.
func (f *fixture) createRequest(mod func(q *enquirer, body map[string]any)) request {
	q := newEnquirer(f.e.t)
	body := f.e.createBody(f.tm, q)
	if mod != nil {
		mod(q, body)
	}
	return request{method: "POST", path: "/api/v1/mailboxes", body: body}
}

func (f *fixture) postRequest(q *enquirer, epoch int, ct []byte) request {
	return request{method: "POST", path: "/api/v1/mailbox/messages", auth: q.bearer(),
		body: map[string]any{"epoch": epoch, "ciphertext": b64s(ct)}}
}

// newMailbox creates a mailbox and returns its enquirer.
func (f *fixture) newMailbox() *enquirer {
	q := newEnquirer(f.e.t)
	f.e.want(f.e.createMailbox(f.tm, q), 201, "")
	return q
}

func (f *fixture) post(q *enquirer) {
	f.e.want(f.e.do(f.postRequest(q, f.tm.epoch(), f.tm.message(f.e.t, q))), 201, "")
}

func x25519Recipient(t testing.TB) *age.X25519Recipient {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id.Recipient()
}

func armored(t testing.TB, ct []byte) []byte {
	var out bytes.Buffer
	w := armor.NewWriter(&out)
	w.Write(ct)
	w.Close()
	return out.Bytes()
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// TestBadInput sends every kind of bad request PROTOCOL.md §6 names and
// checks the documented status and error code, and that the database is
// unchanged afterwards.
func TestBadInput(t *testing.T) {
	f := newFixture(t)
	e, tm := f.e, f.tm
	t1 := tm.recipient()

	type tc struct {
		name    string
		prepare func() request
		status  int
		code    string
	}
	withBody := func(path, method, body string) func() request {
		return func() request { return request{method: method, path: path, body: body} }
	}
	createWith := func(mod func(q *enquirer, body map[string]any)) func() request {
		return func() request { return f.createRequest(mod) }
	}
	createMessage := func(ct func(q *enquirer) []byte) func() request {
		return createWith(func(q *enquirer, b map[string]any) { b["message"] = b64s(ct(q)) })
	}
	postMessage := func(ct func(q *enquirer) []byte) func() request {
		return func() request { return f.postRequest(f.q0, tm.epoch(), ct(f.q0)) }
	}
	keyringWith := func(token func() string, mod func(b map[string]any)) func() request {
		return func() request {
			b := e.keyringBody(tm, e.currentEnvelope())
			if mod != nil {
				mod(b)
			}
			return request{method: "PUT", path: "/api/v1/keyring", auth: token(), body: b}
		}
	}
	register := func(body map[string]any) func() request {
		return func() request { return request{method: "POST", path: "/api/v1/counsellors", body: body} }
	}
	validRecipient := func() string { return newIdentity(t).Recipient().String() }
	wrongAuth := func(q *enquirer) string {
		bad := *q
		bad.auth[0] ^= 1
		return bad.bearer()
	}
	caseMessage := func(id string, epoch int, ct []byte) func() request {
		return func() request {
			return request{method: "POST", path: "/api/v1/cases/" + id + "/messages", auth: f.admin(),
				body: map[string]any{"epoch": epoch, "ciphertext": b64s(ct)}}
		}
	}
	purgeWith := func(token func() string, body string) func() request {
		return func() request {
			return request{method: "POST", path: "/api/v1/cases/purge", auth: token(), body: body}
		}
	}
	answered := func(id string, key *age.HybridIdentity) (nonce []byte, resp [32]byte) {
		ct, nonce, _ := e.challenge(id)
		resp, err := crypto.AnswerChallenge(ct, key, id)
		if err != nil {
			t.Fatal(err)
		}
		return nonce, resp
	}
	// Team records (PROTOCOL.md §11.3).
	caseRecord := func(token func() string, id string, body any) func() request {
		return func() request {
			return request{method: "POST", path: "/api/v1/cases/" + id + "/records", auth: token(), body: body}
		}
	}
	record := func(kind string, ct []byte) map[string]any {
		return map[string]any{"kind": kind, "ciphertext": b64s(ct)}
	}
	teamRecord := func(token func() string, kind string, body any) func() request {
		return func() request {
			return request{method: "PUT", path: "/api/v1/team/records/" + kind, auth: token(), body: body}
		}
	}
	full := f.newMailbox()
	fillRecords(t, e.store, full.id, tm.adminID, seal(t, 1024, t1))
	sessionWith := func(id string, nonce []byte, resp []byte) request {
		return request{method: "POST", path: "/api/v1/auth/session", body: map[string]string{
			"counsellor": id, "nonce": b64s(nonce), "response": b64s(resp)}}
	}

	cases := []tc{
		// Body size, media type, JSON shape.
		{"create: malformed JSON", withBody("/api/v1/mailboxes", "POST", `{"id":`), 400, "bad_request"},
		{"create: empty body", withBody("/api/v1/mailboxes", "POST", ``), 400, "bad_request"},
		{"create: not an object", withBody("/api/v1/mailboxes", "POST", `[1,2,3]`), 400, "bad_request"},
		{"create: wrong type epoch", createWith(func(q *enquirer, b map[string]any) { b["epoch"] = "2" }), 400, "bad_request"},
		{"create: wrong type epoch float", createWith(func(q *enquirer, b map[string]any) { b["epoch"] = 2.5 }), 400, "bad_request"},
		{"create: wrong type verifier", createWith(func(q *enquirer, b map[string]any) { b["verifier"] = 12 }), 400, "bad_request"},
		{"create: wrong type pow", createWith(func(q *enquirer, b map[string]any) { b["pow"] = "x" }), 400, "bad_request"},
		{"create: unknown field", createWith(func(q *enquirer, b map[string]any) { b["name"] = "x" }), 400, "bad_request"},
		{"create: unknown pow field", createWith(func(q *enquirer, b map[string]any) {
			b["pow"] = map[string]any{"challenge": "", "nonce": "", "x": 1}
		}), 400, "bad_request"},
		{"create: trailing data", func() request {
			r := f.createRequest(nil)
			j, _ := json.Marshal(r.body)
			r.body = string(j) + ` {}`
			return r
		}, 400, "bad_request"},
		{"create: bad id", createWith(func(q *enquirer, b map[string]any) { b["id"] = strings.ToUpper(q.id) }), 400, "bad_request"},
		{"create: short verifier", createWith(func(q *enquirer, b map[string]any) { b["verifier"] = b64s(q.verifier[:31]) }), 400, "bad_request"},
		{"create: base64url message", createWith(func(q *enquirer, b map[string]any) {
			b["message"] = base64.RawURLEncoding.EncodeToString(tm.message(t, q))
		}), 400, "bad_request"},
		{"create: missing message", createWith(func(q *enquirer, b map[string]any) { delete(b, "message") }), 400, "bad_request"},
		{"create: missing epoch", createWith(func(q *enquirer, b map[string]any) { delete(b, "epoch") }), 400, "bad_request"},
		{"create: oversized", createWith(func(q *enquirer, b map[string]any) { b["message"] = b64s(randomBytes(200 << 10)) }), 413, "too_large"},
		{"create: over the app limit", func() request {
			return request{method: "POST", path: "/api/v1/mailboxes", claimLength: 2 << 20}
		}, 413, "too_large"},
		{"create: text/plain", func() request {
			r := f.createRequest(nil)
			r.header = map[string]string{"Content-Type": "text/plain"}
			return r
		}, 415, "unsupported_media_type"},
		{"create: no content type", func() request {
			r := f.createRequest(nil)
			r.header = map[string]string{"Content-Type": ""}
			return r
		}, 415, "unsupported_media_type"},
		{"create: latin1", func() request {
			r := f.createRequest(nil)
			r.header = map[string]string{"Content-Type": "application/json; charset=iso-8859-1"}
			return r
		}, 415, "unsupported_media_type"},
		{"create: gzip", func() request {
			r := f.createRequest(nil)
			r.header = map[string]string{"Content-Encoding": "gzip"}
			return r
		}, 415, "unsupported_media_type"},

		// Proof of work.
		{"create: missing pow", createWith(func(q *enquirer, b map[string]any) { delete(b, "pow") }), 403, "pow_invalid"},
		{"create: wrong pow nonce", createWith(func(q *enquirer, b map[string]any) {
			p := b["pow"].(map[string]string)
			ch, _ := base64.StdEncoding.DecodeString(p["challenge"])
			for n := byte(0); ; n++ {
				nonce := []byte{n, 1, 2, 3, 4, 5, 6, 7}
				if !crypto.PowValid(ch, nonce, 2) {
					p["nonce"] = b64s(nonce)
					return
				}
			}
		}), 403, "pow_invalid"},
		{"create: short pow nonce", createWith(func(q *enquirer, b map[string]any) {
			b["pow"].(map[string]string)["nonce"] = b64s([]byte{1, 2, 3})
		}), 403, "pow_invalid"},
		{"create: forged pow challenge", createWith(func(q *enquirer, b map[string]any) {
			p := b["pow"].(map[string]string)
			ch, _ := base64.StdEncoding.DecodeString(p["challenge"])
			ch[powRandLen+7]++ // a later expiry
			nonce, _ := base64.StdEncoding.DecodeString(p["nonce"])
			for n := byte(0); !crypto.PowValid(ch, nonce, 2); n++ {
				nonce[0] = n
			}
			p["challenge"], p["nonce"] = b64s(ch), b64s(nonce)
		}), 403, "pow_invalid"},
		{"create: expired pow", createWith(func(q *enquirer, b map[string]any) {
			e.clock.Advance(powLifetime + time.Second)
		}), 403, "pow_invalid"},
		{"create: reused pow", func() request {
			first := f.createRequest(nil)
			e.want(e.do(first), 201, "")
			return f.createRequest(func(q *enquirer, b map[string]any) { b["pow"] = first.body.(map[string]any)["pow"] })
		}, 403, "pow_invalid"},

		// Epoch, ciphertext, existence.
		{"create: stale epoch", createWith(func(q *enquirer, b map[string]any) { b["epoch"] = 1 }), 409, "stale_epoch"},
		{"create: future epoch", createWith(func(q *enquirer, b map[string]any) { b["epoch"] = 3 }), 409, "stale_epoch"},
		{"create: not age", createMessage(func(q *enquirer) []byte { return randomBytes(4240) }), 422, "ciphertext_policy"},
		{"create: armored age", createMessage(func(q *enquirer) []byte {
			return armored(t, seal(t, 1024, t1, q.identity.Recipient()))
		}), 422, "ciphertext_policy"},
		{"create: X25519 stanzas", createMessage(func(q *enquirer) []byte {
			return seal(t, 1024, x25519Recipient(t), x25519Recipient(t))
		}), 422, "ciphertext_policy"},
		{"create: three stanzas", createMessage(func(q *enquirer) []byte {
			return seal(t, 1024, t1, q.identity.Recipient(), newIdentity(t).Recipient())
		}), 422, "ciphertext_policy"},
		{"create: one stanza", createMessage(func(q *enquirer) []byte { return seal(t, 1024, t1) }), 422, "ciphertext_policy"},
		{"create: wrong bucket size", createMessage(func(q *enquirer) []byte {
			return seal(t, 1000, t1, q.identity.Recipient())
		}), 422, "ciphertext_policy"},
		{"create: two chunks", createMessage(func(q *enquirer) []byte {
			return seal(t, 65536+1024, t1, q.identity.Recipient())
		}), 422, "ciphertext_policy"},
		{"create: truncated", createMessage(func(q *enquirer) []byte {
			ct := seal(t, 1024, t1, q.identity.Recipient())
			return ct[:len(ct)-1]
		}), 422, "ciphertext_policy"},
		{"create: existing mailbox", createWith(func(q *enquirer, b map[string]any) { b["id"] = f.q0.id }), 409, "mailbox_exists"},

		// Enquirer requests.
		{"mailbox: no auth", func() request { return request{method: "GET", path: "/api/v1/mailbox"} }, 401, "unauthorized"},
		{"mailbox: wrong key", func() request { return request{method: "GET", path: "/api/v1/mailbox", auth: wrongAuth(f.q0)} }, 401, "unauthorized"},
		{"mailbox: unknown mailbox", func() request {
			return request{method: "GET", path: "/api/v1/mailbox", auth: newEnquirer(t).bearer()}
		}, 401, "unauthorized"},
		{"mailbox: malformed bearer", func() request {
			return request{method: "GET", path: "/api/v1/mailbox", auth: f.q0.id}
		}, 401, "unauthorized"},
		{"mailbox: basic auth", func() request {
			return request{method: "GET", path: "/api/v1/mailbox", header: map[string]string{"Authorization": "Basic " + f.q0.bearer()}}
		}, 401, "unauthorized"},
		{"mailbox: negative after", func() request {
			return request{method: "GET", path: "/api/v1/mailbox?after=-1", auth: f.q0.bearer()}
		}, 400, "bad_request"},
		{"mailbox: non-numeric after", func() request {
			return request{method: "GET", path: "/api/v1/mailbox?after=x", auth: f.q0.bearer()}
		}, 400, "bad_request"},
		{"post: no auth", func() request {
			r := f.postRequest(f.q0, tm.epoch(), tm.message(t, f.q0))
			r.auth = ""
			return r
		}, 401, "unauthorized"},
		{"post: wrong key", func() request {
			r := f.postRequest(f.q0, tm.epoch(), tm.message(t, f.q0))
			r.auth = wrongAuth(f.q0)
			return r
		}, 401, "unauthorized"},
		{"post: malformed JSON", func() request {
			return request{method: "POST", path: "/api/v1/mailbox/messages", auth: f.q0.bearer(), body: `{"epoch":2,`}
		}, 400, "bad_request"},
		{"post: wrong type", func() request {
			return request{method: "POST", path: "/api/v1/mailbox/messages", auth: f.q0.bearer(), body: `{"epoch":2,"ciphertext":[1]}`}
		}, 400, "bad_request"},
		{"post: oversized", postMessage(func(q *enquirer) []byte { return randomBytes(130 << 10) }), 413, "too_large"},
		{"post: stale epoch", func() request { return f.postRequest(f.q0, 1, tm.message(t, f.q0)) }, 409, "stale_epoch"},
		{"post: X25519", postMessage(func(q *enquirer) []byte {
			return seal(t, 1024, x25519Recipient(t), x25519Recipient(t))
		}), 422, "ciphertext_policy"},
		{"post: wrong bucket size", postMessage(func(q *enquirer) []byte {
			return seal(t, 2047, t1, q.identity.Recipient())
		}), 422, "ciphertext_policy"},
		{"post: over the hourly limit", func() request {
			q := f.newMailbox()
			f.post(q) // 2 this hour
			return f.postRequest(q, tm.epoch(), tm.message(t, q))
		}, 429, "rate_limited"},
		// PROTOCOL.md §6 check order: limits (429) before epoch (409) and
		// ciphertext (422).
		{"post: over the hourly limit with a stale epoch", func() request {
			q := f.newMailbox()
			f.post(q)
			return f.postRequest(q, 1, tm.message(t, q))
		}, 429, "rate_limited"},
		{"post: over the hourly limit with an X25519 ciphertext", func() request {
			q := f.newMailbox()
			f.post(q)
			return f.postRequest(q, tm.epoch(), seal(t, 1024, x25519Recipient(t), x25519Recipient(t)))
		}, 429, "rate_limited"},
		{"post: mailbox full", func() request {
			q := f.newMailbox()
			f.post(q)
			e.clock.Advance(time.Hour)
			f.post(q)
			f.post(q) // 4 messages: the limit
			e.clock.Advance(time.Hour)
			return f.postRequest(q, tm.epoch(), tm.message(t, q))
		}, 413, "mailbox_full"},
		{"delete: wrong key", func() request {
			return request{method: "DELETE", path: "/api/v1/mailbox", auth: wrongAuth(f.q0)}
		}, 401, "unauthorized"},
		{"events: wrong key", func() request {
			return request{method: "GET", path: "/api/v1/mailbox/events", auth: wrongAuth(f.q0)}
		}, 401, "unauthorized"},

		// Counsellor login.
		{"challenge: bad id", withBody("/api/v1/auth/challenge", "POST", `{"counsellor":"Not-An-Id"}`), 400, "bad_request"},
		{"challenge: unknown field", withBody("/api/v1/auth/challenge", "POST", `{"counsellor":"abc","x":1}`), 400, "bad_request"},
		{"session: expired challenge", func() request {
			nonce, resp := answered(tm.adminID, tm.adminKey)
			e.clock.Advance(loginLifetime + time.Second)
			return sessionWith(tm.adminID, nonce, resp[:])
		}, 401, "unauthorized"},
		{"session: reused challenge", func() request {
			nonce, resp := answered(tm.adminID, tm.adminKey)
			e.want(e.sessionRequest(tm.adminID, nonce, resp), 200, "")
			return sessionWith(tm.adminID, nonce, resp[:])
		}, 401, "unauthorized"},
		{"session: wrong response", func() request {
			nonce, resp := answered(tm.adminID, tm.adminKey)
			resp[0] ^= 1
			return sessionWith(tm.adminID, nonce, resp[:])
		}, 401, "unauthorized"},
		{"session: another counsellor's answer", func() request {
			nonce, resp := answered(tm.adminID, tm.adminKey)
			return sessionWith(f.memberID, nonce, resp[:])
		}, 401, "unauthorized"},
		{"session: tampered nonce", func() request {
			nonce, resp := answered(tm.adminID, tm.adminKey)
			nonce[0] ^= 1
			return sessionWith(tm.adminID, nonce, resp[:])
		}, 401, "unauthorized"},
		{"session: short nonce", func() request {
			nonce, resp := answered(tm.adminID, tm.adminKey)
			return sessionWith(tm.adminID, nonce[:nonceLen-1], resp[:])
		}, 401, "unauthorized"},
		{"session: unknown counsellor", func() request {
			ct, nonce, _ := e.challenge("nosuchcounsellor")
			if _, err := crypto.AnswerChallenge(ct, tm.adminKey, "nosuchcounsellor"); err == nil {
				t.Fatal("a decoy challenge opened with a real key")
			}
			return sessionWith("nosuchcounsellor", nonce, randomBytes(32))
		}, 401, "unauthorized"},
		{"session: short response", func() request {
			nonce, resp := answered(tm.adminID, tm.adminKey)
			return sessionWith(tm.adminID, nonce, resp[:16])
		}, 400, "bad_request"},

		// Counsellor requests.
		{"cases: no token", func() request { return request{method: "GET", path: "/api/v1/cases"} }, 401, "unauthorized"},
		{"cases: wrong token", func() request {
			return request{method: "GET", path: "/api/v1/cases", auth: base64.RawURLEncoding.EncodeToString(randomBytes(32))}
		}, 401, "unauthorized"},
		{"cases: enquirer credential", func() request {
			return request{method: "GET", path: "/api/v1/cases", auth: f.q0.bearer()}
		}, 401, "unauthorized"},
		{"cases: bad status", func() request { return request{method: "GET", path: "/api/v1/cases?status=deleted", auth: f.admin()} }, 400, "bad_request"},
		{"cases: empty status", func() request { return request{method: "GET", path: "/api/v1/cases?status=", auth: f.admin()} }, 400, "bad_request"},
		{"cases: bad order", func() request { return request{method: "GET", path: "/api/v1/cases?order=oldest", auth: f.admin()} }, 400, "bad_request"},
		{"cases: empty order", func() request { return request{method: "GET", path: "/api/v1/cases?order=", auth: f.admin()} }, 400, "bad_request"},
		{"cases: order in capitals", func() request {
			return request{method: "GET", path: "/api/v1/cases?order=WAITING&limit=5", auth: f.admin()}
		}, 400, "bad_request"},
		{"cases: activity cursor in order=waiting", func() request {
			return request{method: "GET", path: "/api/v1/cases?order=waiting&limit=5&cursor=3600." + f.q0.id, auth: f.admin()}
		}, 400, "bad_request"},
		{"cases: waiting cursor in the activity order", func() request {
			return request{method: "GET", path: "/api/v1/cases?limit=5&cursor=w3600." + f.q0.id, auth: f.admin()}
		}, 400, "bad_request"},
		{"cases: pending counsellor", func() request {
			return request{method: "GET", path: "/api/v1/cases", auth: e.login(f.pendingID, f.pendingKey)}
		}, 403, "forbidden"},
		{"case: fractional after", func() request {
			return request{method: "GET", path: "/api/v1/cases/" + f.q0.id + "?after=1.5", auth: f.admin()}
		}, 400, "bad_request"},
		{"case: unknown", func() request {
			return request{method: "GET", path: "/api/v1/cases/" + newEnquirer(t).id, auth: f.admin()}
		}, 404, "not_found"},
		{"case: malformed id", func() request {
			return request{method: "GET", path: "/api/v1/cases/xyz", auth: f.admin()}
		}, 404, "not_found"},
		{"patch: status new", func() request {
			return request{method: "PATCH", path: "/api/v1/cases/" + f.q0.id, auth: f.admin(), body: `{"status":"new"}`}
		}, 400, "bad_request"},
		{"patch: status null", func() request {
			return request{method: "PATCH", path: "/api/v1/cases/" + f.q0.id, auth: f.admin(), body: `{"status":null}`}
		}, 400, "bad_request"},
		{"patch: pending assignee", func() request {
			return request{method: "PATCH", path: "/api/v1/cases/" + f.q0.id, auth: f.admin(), body: `{"assignee":"` + f.pendingID + `"}`}
		}, 400, "bad_request"},
		{"patch: assignee number", func() request {
			return request{method: "PATCH", path: "/api/v1/cases/" + f.q0.id, auth: f.admin(), body: `{"assignee":7}`}
		}, 400, "bad_request"},
		{"patch: unknown field", func() request {
			return request{method: "PATCH", path: "/api/v1/cases/" + f.q0.id, auth: f.admin(), body: `{"status":"open","owner":null}`}
		}, 400, "bad_request"},
		{"patch: pending counsellor", func() request {
			return request{method: "PATCH", path: "/api/v1/cases/" + f.q0.id, auth: e.login(f.pendingID, f.pendingKey), body: `{"status":"closed"}`}
		}, 403, "forbidden"},
		{"reply: stale epoch", caseMessage(f.q0.id, 1, seal(t, 1024, t1, f.q0.identity.Recipient())), 409, "stale_epoch"},
		{"reply: three stanzas", caseMessage(f.q0.id, 2, seal(t, 1024, t1, t1, f.q0.identity.Recipient())), 422, "ciphertext_policy"},
		{"reply: unknown case", caseMessage(newEnquirer(t).id, 2, seal(t, 1024, t1, f.q0.identity.Recipient())), 404, "not_found"},
		{"delete case: unknown", func() request {
			return request{method: "DELETE", path: "/api/v1/cases/" + newEnquirer(t).id, auth: f.admin()}
		}, 404, "not_found"},
		// A window holding every case: a refusal that deleted anything shows.
		{"purge: not an admin", purgeWith(f.member, `{"from":"2000-01-01","to":"2100-01-01"}`), 403, "forbidden"},
		{"purge: no token", purgeWith(func() string { return "" }, `{"from":"2000-01-01","to":"2100-01-01"}`), 401, "unauthorized"},
		{"purge: from missing", purgeWith(f.admin, `{"to":"2100-01-01"}`), 400, "bad_request"},
		{"purge: to missing", purgeWith(f.admin, `{"from":"2000-01-01"}`), 400, "bad_request"},
		{"purge: to before from", purgeWith(f.admin, `{"from":"2100-01-01","to":"2000-01-01"}`), 400, "bad_request"},
		{"purge: empty window", purgeWith(f.admin, `{"from":"2000-01-01","to":"2000-01-01"}`), 400, "bad_request"},
		{"purge: a time, not a date", purgeWith(f.admin, `{"from":"2000-01-01T00:00:00Z","to":"2100-01-01"}`), 400, "bad_request"},
		{"purge: one-digit month", purgeWith(f.admin, `{"from":"2000-1-01","to":"2100-01-01"}`), 400, "bad_request"},
		{"purge: no such day", purgeWith(f.admin, `{"from":"2000-02-30","to":"2100-01-01"}`), 400, "bad_request"},
		{"purge: dry_run a string", purgeWith(f.admin, `{"from":"2000-01-01","to":"2100-01-01","dry_run":"no"}`), 400, "bad_request"},
		{"purge: unknown field", purgeWith(f.admin, `{"from":"2000-01-01","to":"2100-01-01","all":true}`), 400, "bad_request"},
		{"purge: trailing data", purgeWith(f.admin, `{"from":"2000-01-01","to":"2100-01-01"}{}`), 400, "bad_request"},

		// Keyring.
		{"keyring: not an admin", keyringWith(f.member, nil), 403, "forbidden"},
		{"keyring: pending counsellor", keyringWith(func() string { return e.login(f.pendingID, f.pendingKey) }, nil), 403, "forbidden"},
		{"keyring: no token", keyringWith(func() string { return "" }, nil), 401, "unauthorized"},
		{"keyring: stanzas differ from members", keyringWith(f.admin, func(b map[string]any) {
			b["members"] = b["members"].([]string)[:1]
		}), 400, "bad_request"},
		{"keyring: stale replaces", keyringWith(f.admin, func(b map[string]any) { b["replaces"] = replacesOf([]byte("old")) }), 409, "keyring_conflict"},
		{"keyring: no replaces", keyringWith(f.admin, func(b map[string]any) { delete(b, "replaces") }), 409, "keyring_conflict"},
		{"keyring: short replaces", keyringWith(f.admin, func(b map[string]any) { b["replaces"] = b64s([]byte("short")) }), 400, "bad_request"},
		{"keyring: stale epoch", keyringWith(f.admin, func(b map[string]any) { b["epoch"] = 1 }), 409, "stale_epoch"},
		{"keyring: epoch jump", keyringWith(f.admin, func(b map[string]any) { b["epoch"] = 4 }), 409, "stale_epoch"},
		{"keyring: X25519 envelope", keyringWith(f.admin, func(b map[string]any) {
			b["envelope"] = b64s(seal(t, 500, x25519Recipient(t), x25519Recipient(t)))
		}), 422, "ciphertext_policy"},
		{"keyring: not age", keyringWith(f.admin, func(b map[string]any) { b["envelope"] = b64s(randomBytes(3000)) }), 422, "ciphertext_policy"},
		{"keyring: X25519 recipient", keyringWith(f.admin, func(b map[string]any) { b["recipient"] = x25519Recipient(t).String() }), 400, "bad_request"},
		{"keyring: new recipient, same epoch", keyringWith(f.admin, func(b map[string]any) {
			b["recipient"] = validRecipient()
		}), 400, "bad_request"},
		{"keyring: drop an active member, same epoch", keyringWith(f.admin, func(b map[string]any) {
			b["members"] = []string{tm.adminID}
			b["envelope"] = b64s(seal(t, 500, tm.adminKey.Recipient()))
		}), 400, "bad_request"},
		{"keyring: unknown member", keyringWith(f.admin, func(b map[string]any) {
			b["members"] = []string{tm.adminID, "nosuchcounsellor"}
		}), 400, "bad_request"},
		{"keyring: repeated member", keyringWith(f.admin, func(b map[string]any) {
			b["members"] = []string{tm.adminID, tm.adminID}
		}), 400, "bad_request"},
		{"keyring: no members", keyringWith(f.admin, func(b map[string]any) { b["members"] = []string{} }), 400, "bad_request"},
		{"keyring: unknown field", keyringWith(f.admin, func(b map[string]any) { b["team"] = "x" }), 400, "bad_request"},
		{"keyring: over 1 MiB", func() request {
			return request{method: "PUT", path: "/api/v1/keyring", auth: f.admin(), claimLength: maxKeyringBody + 1}
		}, 413, "too_large"},
		{"keyring: 1 MiB, not valid", keyringWith(f.admin, func(b map[string]any) { b["envelope"] = b64s(randomBytes(700 << 10)) }), 422, "ciphertext_policy"},
		{"keyring: text/plain", func() request {
			r := keyringWith(f.admin, nil)()
			r.header = map[string]string{"Content-Type": "text/plain"}
			return r
		}, 415, "unsupported_media_type"},

		// Roster.
		{"register: setup when set up", register(map[string]any{"setup": setupToken, "name": "X", "recipient": validRecipient()}), 409, "already_set_up"},
		{"register: wrong invite", register(map[string]any{"invite": "not-an-invite", "name": "X", "recipient": validRecipient()}), 403, "invite_invalid"},
		{"register: both setup and invite", register(map[string]any{"setup": setupToken, "invite": "x", "name": "X", "recipient": validRecipient()}), 400, "bad_request"},
		{"register: neither", register(map[string]any{"name": "X", "recipient": validRecipient()}), 400, "bad_request"},
		{"register: X25519 recipient", register(map[string]any{"invite": "x", "name": "X", "recipient": x25519Recipient(t).String()}), 400, "bad_request"},
		{"register: control character", register(map[string]any{"invite": "x", "name": "X\x07", "recipient": validRecipient()}), 400, "bad_request"},
		{"register: bidi override", register(map[string]any{"invite": "x", "name": "X\u202eY", "recipient": validRecipient()}), 400, "bad_request"},
		{"register: empty name", register(map[string]any{"invite": "x", "name": "", "recipient": validRecipient()}), 400, "bad_request"},
		{"register: long name", register(map[string]any{"invite": "x", "name": strings.Repeat("é", 65), "recipient": validRecipient()}), 400, "bad_request"},
		{"register: zero-width joiner", register(map[string]any{"invite": "x", "name": "X\u200dY", "recipient": validRecipient()}), 400, "bad_request"},
		{"register: leading space", register(map[string]any{"invite": "x", "name": " X", "recipient": validRecipient()}), 400, "bad_request"},
		{"register: trailing space", register(map[string]any{"invite": "x", "name": "X ", "recipient": validRecipient()}), 400, "bad_request"},
		{"register: wrong type", register(map[string]any{"invite": 5, "name": "X", "recipient": validRecipient()}), 400, "bad_request"},
		{"register: recipient exists", func() request {
			r := e.do(request{method: "POST", path: "/api/v1/invites", auth: f.admin(), body: `{"role":"counsellor"}`})
			e.want(r, 200, "")
			var inv struct{ Invite string }
			r.decode(t, &inv)
			return request{method: "POST", path: "/api/v1/counsellors", body: map[string]any{
				"invite": inv.Invite, "name": "Copy", "recipient": tm.adminKey.Recipient().String()}}
		}, 409, "recipient_exists"},
		{"invite: not an admin", func() request {
			return request{method: "POST", path: "/api/v1/invites", auth: f.member(), body: `{"role":"counsellor"}`}
		}, 403, "forbidden"},
		{"invite: bad role", func() request {
			return request{method: "POST", path: "/api/v1/invites", auth: f.admin(), body: `{"role":"owner"}`}
		}, 400, "bad_request"},
		{"backup: not an admin", func() request {
			return request{method: "GET", path: "/api/v1/admin/backup", auth: f.member()}
		}, 403, "forbidden"},

		// Team records.
		{"case record: bad kind", caseRecord(f.member, f.q0.id, record("blocks", seal(t, 1024, t1))), 400, "bad_request"},
		{"case record: no kind", caseRecord(f.member, f.q0.id, map[string]any{"ciphertext": b64s(seal(t, 1024, t1))}), 400, "bad_request"},
		{"case record: base64url", caseRecord(f.member, f.q0.id, map[string]any{"kind": "note",
			"ciphertext": base64.URLEncoding.EncodeToString(seal(t, 1024, t1))}), 400, "bad_request"},
		{"case record: empty ciphertext", caseRecord(f.member, f.q0.id, record("note", nil)), 400, "bad_request"},
		{"case record: unknown field", caseRecord(f.member, f.q0.id, map[string]any{"kind": "note", "ciphertext": b64s(seal(t, 1024, t1)), "author": "x"}), 400, "bad_request"},
		{"case record: no session", caseRecord(func() string { return "" }, f.q0.id, record("note", seal(t, 1024, t1))), 401, "unauthorized"},
		{"case record: pending counsellor", caseRecord(func() string { return e.login(f.pendingID, f.pendingKey) }, f.q0.id, record("note", seal(t, 1024, t1))), 403, "forbidden"},
		{"case record: not a bucket", caseRecord(f.member, f.q0.id, record("note", seal(t, 1000, t1))), 422, "ciphertext_policy"},
		{"case record: three stanzas", caseRecord(f.member, f.q0.id, record("note", seal(t, 1024, t1, f.memberKey.Recipient(), tm.adminKey.Recipient()))), 422, "ciphertext_policy"},
		{"case record: X25519", caseRecord(f.member, f.q0.id, record("note", seal(t, 1024, x25519Recipient(t)))), 422, "ciphertext_policy"},
		{"case record: unknown case", caseRecord(f.member, newEnquirer(t).id, record("note", seal(t, 1024, t1))), 404, "not_found"},
		{"case record: malformed case", caseRecord(f.member, strings.ToUpper(f.q0.id), record("note", seal(t, 1024, t1))), 404, "not_found"},
		{"case record: too many", caseRecord(f.member, full.id, record("tags", seal(t, 1024, t1))), 413, "records_full"},
		{"case records: unknown case", func() request {
			return request{method: "GET", path: "/api/v1/cases/" + newEnquirer(t).id + "/records", auth: f.member()}
		}, 404, "not_found"},
		{"case records: enquirer's bearer", func() request {
			return request{method: "GET", path: "/api/v1/cases/" + f.q0.id + "/records", auth: f.q0.bearer()}
		}, 401, "unauthorized"},
		{"team record: not an admin", teamRecord(f.member, "blocks", map[string]any{"ciphertext": b64s(seal(t, 1024, t1))}), 403, "forbidden"},
		{"team record: unknown kind", teamRecord(f.admin, "note", map[string]any{"ciphertext": b64s(seal(t, 1024, t1))}), 404, "not_found"},
		{"team record: kind in the body", teamRecord(f.admin, "blocks", record("blocks", seal(t, 1024, t1))), 400, "bad_request"},
		{"team record: not base64", teamRecord(f.admin, "blocks", map[string]any{"ciphertext": "not base64!"}), 400, "bad_request"},
		{"team record: not a bucket", teamRecord(f.admin, "directory", map[string]any{"ciphertext": b64s(seal(t, 3000, t1))}), 422, "ciphertext_policy"},
		{"team record: armored", teamRecord(f.admin, "directory", map[string]any{"ciphertext": b64s(armored(t, seal(t, 1024, t1)))}), 422, "ciphertext_policy"},
		{"team record: over 1 MiB", func() request {
			return request{method: "PUT", path: "/api/v1/team/records/blocks", auth: f.admin(), claimLength: maxKeyringBody + 1}
		}, 413, "too_large"},
		{"team actions: not an admin", func() request {
			return request{method: "GET", path: "/api/v1/team/actions", auth: f.member()}
		}, 403, "forbidden"},

		// Routing and framing.
		{"unknown route", func() request { return request{method: "GET", path: "/api/v1/nothing"} }, 404, "not_found"},
		{"wrong method", func() request { return request{method: "PUT", path: "/api/v1/team"} }, 404, "not_found"},
		{"trailing slash", func() request { return request{method: "GET", path: "/api/v1/team/"} }, 404, "not_found"},
		{"header too large", func() request {
			return request{method: "GET", path: "/api/v1/team", header: map[string]string{"X-Padding": strings.Repeat("a", 10<<10)}}
		}, 431, "too_large"},
	}

	for _, r := range attachmentBadInput(t, f) { // attach_test.go
		cases = append(cases, tc(r))
	}
	for _, r := range orgsBadInput(t, f) { // orgs_test.go
		cases = append(cases, tc(r))
	}
	for _, r := range handoverBadInput(t, f) { // handover_test.go
		cases = append(cases, tc(r))
	}

	parent := e.t
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			defer func() { e.t = parent }()
			req := c.prepare()
			before := e.contentHash()
			r := e.do(req)
			e.want(r, c.status, c.code)
			if after := e.contentHash(); after != before {
				t.Errorf("database changed")
			}
			if c.status == 429 && r.header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
			var body struct {
				Error   string `json:"error"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(r.body, &body); err != nil || body.Message == "" {
				t.Errorf("error body %q: want {error, message}", r.body)
			}
		})
	}
}
