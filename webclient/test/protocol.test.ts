// The shared known-answer vectors (crypto/testdata, copies of the
// protocol's testvectors), run against the browser's code: Go and the web
// client must agree on every byte a person or the server can see.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { argon2id } from "hash-wasm";
import * as p from "../src/protocol.ts";
import de from "../src/lang/de.json";
import en from "../src/lang/en.json";

const testdata = new URL("../../crypto/testdata/", import.meta.url);
const kdf = JSON.parse(readFileSync(new URL("kdf-v1.json", testdata), "utf8")) as Array<Record<string, any>>;
const msg = JSON.parse(readFileSync(new URL("message-v1.json", testdata), "utf8")) as Record<string, any>;

const fromB64 = (s: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(s, "base64"));

async function seedOf(code: string, pass: string): Promise<Uint8Array<ArrayBuffer>> {
  return (await argon2id({ password: pass, salt: p.saltFor(code), ...p.ARGON2, outputType: "binary" })) as Uint8Array<ArrayBuffer>;
}

test("kdf-v1: normalisation, check digits, keys, fingerprint", async () => {
  assert.ok(kdf.length >= 4);
  for (const v of kdf) {
    const code = p.parsePickupCode(v.code);
    const pass = p.parsePassphrase(v.passphrase);
    assert.equal(code, v.normalized.code, v.comment);
    assert.equal(pass, v.normalized.passphrase, v.comment);
    const seed = await seedOf(code, pass);
    const k = await p.deriveKeys(seed);
    assert.equal(k.mailboxId, v.mailbox_id, v.comment);
    assert.equal(k.identity, v.identity, v.comment);
    assert.equal(k.recipient, v.recipient, v.comment);
    assert.equal(p.b64url(k.auth), v.auth_key_base64url, v.comment);
    assert.equal(p.b64(k.mk), v.mailbox_key_base64, v.comment);
    assert.equal(p.b64(k.verifier), v.verifier_base64, v.comment);
    assert.equal(await p.fingerprint(k.recipient), v.recipient_fingerprint, v.comment);
    assert.equal(p.bearer(k), v.mailbox_id + "." + v.auth_key_base64url);
  }
  assert.equal(await p.fingerprint(msg.team_recipient), msg.team_fingerprint);
});

test("identity seed encodes as in Go", () => {
  for (const v of kdf) {
    const seed = new Uint8Array(Buffer.from(v.identity_seed_hex, "hex"));
    assert.equal(p.bech32Encode("age-secret-key-pq-", seed).toUpperCase(), v.identity);
  }
});

test("normalisation: scripts, separators, letters", () => {
  const cases: Array<[string, string | null]> = [
    ["01572-93849", "0157293849"],
    ["٣١٤١٥ ٩٢٦٥٢", "3141592652"],
    ["३१४", "314"],
    ["３１４", "314"],
    ["𝟙𝟚𝟛", "123"], // mathematical double-struck digits: runs of blocks of ten
    ["+49 (0) 30.12/34", "490301234"],
    ["12\u00a034\u200934", "123434"],
    ["12a4", null],
    ["12\u00d74", null],
    ["", ""],
  ];
  for (const [typed, want] of cases) assert.equal(p.normalizeDigits(typed), want, JSON.stringify(typed));
  assert.equal(p.normalizeDigits("1".repeat(257)), null);
});

test("Damm: every single error and neighbour swap is caught", () => {
  const base = "572938491";
  const full = base + p.dammDigit(base);
  assert.ok(p.dammValid(full));
  for (let i = 0; i < full.length; i++) {
    for (let d = 0; d <= 9; d++) {
      if (String(d) === full[i]) continue;
      assert.ok(!p.dammValid(full.slice(0, i) + d + full.slice(i + 1)), `digit ${i} -> ${d}`);
    }
    if (i + 1 < full.length && full[i] !== full[i + 1]) {
      assert.ok(!p.dammValid(full.slice(0, i) + full[i + 1] + full[i] + full.slice(i + 2)), `swap ${i}`);
    }
  }
  assert.equal(p.dammDigit("572"), "4"); // the textbook example
});

test("generated codes and passphrases are valid and parse", () => {
  for (let i = 0; i < 200; i++) {
    const c = p.generatePickupCode();
    const s = p.generatePassphrase();
    assert.equal(c.length, 10);
    assert.equal(s.length, 16);
    assert.equal(p.parsePickupCode(p.groupPickupCode(c).join(" ")), c);
    assert.equal(p.parsePassphrase(p.groupPassphrase(s).join(" ")), s);
  }
});

test("typed input errors name the field and the reason", () => {
  const cases: Array<[() => string, p.Field, p.InputReason]> = [
    [() => p.parsePickupCode("0157293848"), "code", "check"],
    [() => p.parsePickupCode("015729384"), "code", "length"],
    [() => p.parsePickupCode("01572x3849"), "code", "character"],
    [() => p.parsePassphrase("4821930755162293"), "passphrase", "check"],
    [() => p.parsePassphrase("482193075516229"), "passphrase", "length"],
  ];
  for (const [f, field, reason] of cases) {
    assert.throws(f, (e: unknown) => e instanceof p.InputError && e.field === field && e.reason === reason && !e.message.match(/\d{5}/));
  }
});

test("message-v1: opens with typage and passes the reader rules", async () => {
  const ct = fromB64(msg.ciphertext_base64);
  assert.equal(ct.length, msg.ciphertext_length);
  p.checkMessage(ct);
  const pt = await p.openDocument(ct, msg.enquirer_identity);
  assert.equal(pt.length, msg.plaintext_length);
  const mk = fromB64(msg.expected.mk);
  const d = p.checkDocument(pt, { mailbox: msg.mailbox_id, mk, from: "enquirer" });
  assert.deepEqual({ ...d }, msg.expected);
  // The team identity opens it too.
  const pt2 = await p.openDocument(ct, msg.team_identity);
  assert.deepEqual(pt2, pt);
  // A reader that expects another mk, mailbox or from rejects it.
  const wrongMK = new Uint8Array(mk);
  wrongMK[0]! ^= 1;
  assert.throws(() => p.checkDocument(pt, { mailbox: msg.mailbox_id, mk: wrongMK, from: "enquirer" }), /wrong mk/);
  assert.throws(() => p.checkDocument(pt, { mailbox: "0".repeat(32), mk, from: "enquirer" }), /wrong mailbox/);
  assert.throws(() => p.checkDocument(pt, { mailbox: msg.mailbox_id, mk, from: "counsellor" }), /from differs/);
});

const base = (): p.Document => ({
  v: 1, type: "message", mailbox: msg.mailbox_id, id: "mUJ2nB3t0nQy8o1XQmLk3A", mk: msg.expected.mk,
  from: "counsellor", name: "Anna", sent: "2026-11-28T13:05:00Z", lang: "de", body: "Hallo",
});

function padRaw(json: string, size = 1024): Uint8Array {
  const b = new Uint8Array(size).fill(0x20);
  b.set(new TextEncoder().encode(json));
  return b;
}

test("reader rules reject by category, as Go's CheckDocument", () => {
  const mk = fromB64(msg.expected.mk);
  const want = { mailbox: msg.mailbox_id, mk, from: "counsellor" };
  const good = JSON.stringify(base());
  assert.equal(p.checkDocument(padRaw(good), want).body, "Hallo");
  const mut = (f: (o: Record<string, unknown>) => void): string => {
    const o: Record<string, unknown> = { ...base() };
    f(o);
    return JSON.stringify(o);
  };
  const bad: Array<[string, Uint8Array, RegExp]> = [
    ["not a bucket", padRaw(good, 1000), /bucket/],
    ["trailing byte", (() => { const b = padRaw(good); b[1023] = 0x0a; return b; })(), /spaces/],
    ["repeated key", padRaw(good.replace('"v":1', '"v":1,"v":1')), /repeated/],
    ["repeated key after unescaping", padRaw(good.replace('"body":"Hallo"', '"body":"Hallo","bo\\u0064y":"x"')), /repeated/],
    ["repeated key deep", padRaw(good.replace('"v":1', '"x":{"a":1,"a":2},"v":1')), /repeated/],
    ["v 2", padRaw(mut((o) => (o.v = 2))), /version/],
    ["v 1.0", padRaw(good.replace('"v":1', '"v":1.0')), /integer/],
    ["v string", padRaw(mut((o) => (o.v = "1"))), /integer/],
    ["type", padRaw(mut((o) => (o.type = "note"))), /type/],
    ["mailbox", padRaw(mut((o) => (o.mailbox = "F8EE9348BAC6AF4EE846FB2803A75774"))), /mailbox/],
    ["id", padRaw(mut((o) => (o.id = "short"))), /id/],
    ["id stray bits", padRaw(mut((o) => (o.id = "mUJ2nB3t0nQy8o1XQmLk3B"))), /id/],
    ["mk", padRaw(mut((o) => (o.mk = "AAAA"))), /mk/],
    ["wrong mk", padRaw(mut((o) => (o.mk = "A".repeat(43) + "="))), /wrong mk/],
    ["from", padRaw(mut((o) => (o.from = "server"))), /from/],
    ["lang", padRaw(mut((o) => (o.lang = "de_DE"))), /lang/],
    ["role", padRaw(mut((o) => (o.role = "boss"))), /role/],
    ["sent", padRaw(mut((o) => (o.sent = "2026-11-28 13:05:00"))), /RFC 3339/],
    ["sent day", padRaw(mut((o) => (o.sent = "2026-02-30T13:05:00Z"))), /RFC 3339/],
    ["body null", padRaw(mut((o) => (o.body = null))), /not a string/],
    ["not an object", padRaw('["v"]'), /object/],
    ["bad json", padRaw('{"v":1,}'), /malformed/],
    ["invalid utf-8", (() => { const b = padRaw(good); b[good.indexOf("Hallo")] = 0xff; return b; })(), /UTF-8/],
    ["recipient", padRaw(mut((o) => { o.from = "enquirer"; o.recipient = "age1pq1xyz"; })), /recipient/],
  ];
  for (const [name, pt, re] of bad) {
    assert.throws(() => p.checkDocument(pt, want), (e: unknown) => e instanceof p.RejectError && re.test(e.reason), name);
  }
  // Unknown fields are ignored; fields of the other sender are dropped.
  const d = p.checkDocument(padRaw(mut((o) => { o.future = [1, { a: true }]; o.role = "affected"; })), want);
  assert.equal(d.role, undefined);
  assert.equal(p.checkDocument(padRaw(mut((o) => (o.sent = "2026-11-28T14:05:00.123+01:00"))), want).body, "Hallo");
  // A reader without mk (a counsellor's first document) takes it as it is.
  assert.equal(p.checkDocument(padRaw(good), { ...want, mk: null }).mk, msg.expected.mk);
});

test("padding to buckets, too long refused", async () => {
  const d = base();
  for (const [len, size] of [[0, 1024], [700, 1024], [1000, 2048], [5000, 8192], [65000, 65536]] as const) {
    d.body = "x".repeat(len);
    const pt = p.padDocument(d);
    assert.equal(pt.length, size, `body ${len}`);
    assert.equal(p.documentSize(d), size);
    assert.equal(p.checkDocument(pt, { mailbox: d.mailbox, mk: null, from: "counsellor" }).body, d.body);
  }
  d.body = "ü".repeat(40000);
  assert.throws(() => p.padDocument(d), p.TooLongError);
  assert.equal(p.documentSize(d), 0);
});

test("an offer of handover pads as Go writes it, reads back, and bad ones are refused", () => {
  const h: p.Handover = { org: "koeln-beratung", name: "Beratung Köln", epoch: 3, recipient: msg.team_recipient, note: "Zeile 1\nZeile 2" };
  const d: p.Document = { ...base(), handover: h };
  const pt = p.padDocument(d);
  const js = new TextDecoder().decode(pt).trimEnd();
  assert.ok(js.endsWith(`"body":"Hallo","handover":{"org":"koeln-beratung","name":"Beratung Köln","epoch":3,"recipient":"${h.recipient}","note":"Zeile 1\\nZeile 2"}}`), js);
  assert.deepEqual(p.checkDocument(pt, { mailbox: d.mailbox, mk: null, from: "counsellor" }).handover, h);
  const bad: Array<[string, Partial<p.Handover> | null]> = [
    ["from an enquirer", null], ["org", { org: "Koeln" }], ["name", { name: "\u202eB" }], ["epoch", { epoch: 1.5 }],
    ["recipient", { recipient: "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p" }],
    ["note", { note: "ü".repeat(p.MAX_HANDOVER_NOTE + 1) }], ["note control", { note: "a\x1b[31m" }],
  ];
  for (const [name, change] of bad) {
    const e: p.Document = change ? { ...d, handover: { ...h, ...change } } : { ...d, from: "enquirer" };
    assert.throws(() => p.padDocument(e), /handover/, name);
  }
});

test("sealed documents pass the message policy and read back", async () => {
  const k = await p.deriveKeys(await seedOf("0157293849", "4821930755162292"));
  const d: p.Document = { ...base(), from: "enquirer", mailbox: k.mailboxId, mk: p.b64(k.mk), role: "relative", recipient: k.recipient };
  delete d.name;
  const ct = await p.sealDocument(d, msg.team_recipient, k.recipient);
  assert.equal(ct.length, 3184 + 16 + 4096 + 16);
  const r = new p.Reader(k.mailboxId, k.mk, k.identity);
  const e = await r.read({ seq: 1, from: "enquirer", ciphertext: ct });
  assert.equal(e.error, undefined);
  assert.equal(e.doc?.role, "relative");
  assert.equal(e.doc?.recipient, k.recipient);
  const dup = await r.read({ seq: 2, from: "enquirer", ciphertext: ct });
  assert.ok(dup.duplicate);
  assert.equal(dup.doc?.recipient, undefined);
  const forged = await r.read({ seq: 3, from: "counsellor", ciphertext: ct });
  assert.match(forged.error ?? "", /from/);
});

test("message policy refuses what the server would", () => {
  const ct = fromB64(msg.ciphertext_base64);
  const mutate = (f: (b: Uint8Array) => Uint8Array): Uint8Array => f(new Uint8Array(ct));
  const bad: Array<[string, Uint8Array]> = [
    ["armored", new TextEncoder().encode("-----BEGIN AGE ENCRYPTED FILE-----\n")],
    ["truncated", ct.subarray(0, 3000)],
    ["extra byte", (() => { const b = new Uint8Array(ct.length + 1); b.set(ct); return b; })()],
    ["one stanza", (() => { const b = new Uint8Array(ct.length - 1545); b.set(ct.subarray(0, 22)); b.set(ct.subarray(22 + 1545), 22); return b; })()],
    ["X25519 stanza", mutate((b) => { b.set(new TextEncoder().encode("-> X25519 "), 22); return b; })],
    ["bad base64", mutate((b) => { b[40] = 0x2e; return b; })],
  ];
  for (const [name, b] of bad) assert.throws(() => p.checkMessage(b), p.PolicyError, name);
});

test("translations: same keys, no empty text", () => {
  const dk = Object.keys(de).sort();
  const ek = Object.keys(en).sort();
  assert.deepEqual(dk, ek);
  for (const [lang, t] of [["de", de], ["en", en]] as const) {
    for (const [k, v] of Object.entries(t)) assert.ok(typeof v === "string" && v.trim() !== "", `${lang}.${k}`);
  }
});

test("bodyRoom: a body of exactly the room left fits, one byte more does not", () => {
  for (const lang of ["de", "en"]) {
    const room = p.bodyRoom(lang, "");
    assert.ok(room > 60000 && room < p.MAX_DOCUMENT, `room ${room}`);
    const fits = "a".repeat(room);
    assert.equal(p.bodyRoom(lang, fits), 0);
    assert.equal(p.documentSize(p.firstDocumentProbe(lang, fits, "professional")), p.MAX_DOCUMENT);
    assert.equal(p.documentSize(p.firstDocumentProbe(lang, fits + "a", "professional")), 0);
    // Escapes count as the JSON writes them: a quote takes two bytes.
    assert.equal(p.bodyRoom(lang, '"'), room - 2);
  }
});
