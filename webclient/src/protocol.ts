// The Lotse protocol, version 1, in the browser (PROTOCOL.md §1–5): digits
// and check digits, enquirer keys from the Argon2id seed, fingerprints,
// message documents (pad, seal, open, the reader rules, with the attachment
// references of §10) and the message ciphertext policy. It mirrors crypto/ in Go; both pass the shared vectors.
// Argon2id itself runs in the worker (worker.ts); everything here is fast.

import { Decrypter, Encrypter, identityToRecipient } from "age-encryption";

// ---- §1 digits ----------------------------------------------------------

export const PICKUP_CODE_LEN = 10;
export const PASSPHRASE_LEN = 16;
const MAX_TYPED = 256;

export type Field = "code" | "passphrase";
export type InputReason = "character" | "length" | "check";

/** InputError says which field is wrong and why; it never holds the input. */
export class InputError extends Error {
  constructor(
    readonly field: Field,
    readonly reason: InputReason,
  ) {
    super(`${field}: wrong ${reason}`);
  }
}

const ND = /^\p{Nd}$/u;
// Format characters (Cf: bidi marks, isolates, zero-width characters) are
// invisible, and text copied from right-to-left scripts carries them.
const IGNORED = /^[\p{White_Space}\p{P}\p{Cf}+]$/u;

/** Value of a decimal digit of any script: its offset from the start of its
 * run of digits, modulo ten (every run is whole blocks of ten from a zero). */
function digitValue(cp: number): number {
  let start = cp;
  while (start > 0 && ND.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

/** normalizeDigits maps every Unicode decimal digit to ASCII, drops white
 * space, punctuation, '+' and format characters, and returns null for
 * anything else (PROTOCOL.md §1). */
export function normalizeDigits(s: string): string | null {
  let out = "";
  let n = 0;
  for (const ch of s) {
    if (++n > MAX_TYPED) return null;
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x30 && cp <= 0x39) out += ch;
    else if (ND.test(ch)) out += String(digitValue(cp));
    else if (IGNORED.test(ch)) continue;
    else return null;
  }
  return out;
}

const DAMM = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
  [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
  [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
  [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

function dammInterim(digits: string): number {
  let i = 0;
  for (const c of digits) {
    const d = c.charCodeAt(0) - 48;
    if (c.length !== 1 || d < 0 || d > 9) throw new Error("damm: not ASCII digits");
    i = DAMM[i]![d]!;
  }
  return i;
}

export function dammDigit(digits: string): string {
  return String(dammInterim(digits));
}

export function dammValid(digits: string): boolean {
  return /^[0-9]+$/.test(digits) && dammInterim(digits) === 0;
}

/** generateDigits draws n uniform digits (rejection sampling) and appends
 * the check digit. */
export function generateDigits(n: number): string {
  let out = "";
  const buf = new Uint8Array(32);
  while (out.length < n) {
    crypto.getRandomValues(buf);
    for (const b of buf) if (b < 250 && out.length < n) out += String(b % 10);
  }
  buf.fill(0);
  return out + dammDigit(out);
}

export const generatePickupCode = (): string => generateDigits(PICKUP_CODE_LEN - 1);
export const generatePassphrase = (): string => generateDigits(PASSPHRASE_LEN - 1);

function parseTyped(typed: string, field: Field, len: number): string {
  if ([...typed].length > MAX_TYPED) throw new InputError(field, "length");
  const s = normalizeDigits(typed);
  if (s === null) throw new InputError(field, "character");
  if (s.length !== len) throw new InputError(field, "length");
  if (!dammValid(s)) throw new InputError(field, "check");
  return s;
}

export const parsePickupCode = (t: string): string => parseTyped(t, "code", PICKUP_CODE_LEN);
export const parsePassphrase = (t: string): string => parseTyped(t, "passphrase", PASSPHRASE_LEN);

function group(s: string, size: number): string[] {
  const g: string[] = [];
  for (let i = 0; i < s.length; i += size) g.push(s.slice(i, i + size));
  return g;
}
export const groupPickupCode = (c: string): string[] => group(c, 5);
export const groupPassphrase = (p: string): string[] => group(p, 4);

// ---- encodings ------------------------------------------------------------

const enc = new TextEncoder();
export const utf8 = (s: string): Uint8Array<ArrayBuffer> => enc.encode(s);

export function b64(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}
export function b64url(b: Uint8Array): string {
  return b64(b).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
/** unb64 decodes standard base64 with padding, strictly; null if malformed. */
export function unb64(s: string): Uint8Array<ArrayBuffer> | null {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) return null;
  let bin: string;
  try {
    bin = atob(s);
  } catch {
    return null;
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return b64(out) === s ? out : null; // refuses stray bits: one encoding only
}
function unb64url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  const std = s.replace(/-/g, "+").replace(/_/g, "/");
  return unb64(std + "=".repeat((4 - (std.length % 4)) % 4));
}
export const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

// ---- §2 enquirer keys -----------------------------------------------------

export const ARGON2 = { iterations: 3, memorySize: 65536, parallelism: 1, hashLength: 32 } as const;
export const saltFor = (code: string): string => "lotse/v1 " + code;

async function hkdf(seed: Uint8Array<ArrayBuffer>, info: string, len: number): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey("raw", seed, "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8(info) },
    key,
    len * 8,
  );
  return new Uint8Array(bits);
}

export async function sha256(b: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", b));
}

const BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
function bech32Polymod(values: number[]): number {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= gen[i]!;
  }
  return chk >>> 0;
}
/** bech32Encode is Bech32 (BIP 173, without its length limit, as age). */
export function bech32Encode(hrp: string, data: Uint8Array): string {
  const words: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of data) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      words.push((acc >>> bits) & 31);
    }
  }
  if (bits > 0) words.push((acc << (5 - bits)) & 31);
  const exp: number[] = [];
  for (const c of hrp) exp.push(c.charCodeAt(0) >> 5);
  exp.push(0);
  for (const c of hrp) exp.push(c.charCodeAt(0) & 31);
  const mod = bech32Polymod([...exp, ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  let out = hrp + "1";
  for (const w of words) out += BECH32[w];
  for (let i = 0; i < 6; i++) out += BECH32[(mod >>> (5 * (5 - i))) & 31];
  return out;
}

export interface EnquirerKeys {
  mailboxId: string;
  identity: string; // AGE-SECRET-KEY-PQ-1…
  recipient: string; // age1pq1…
  auth: Uint8Array<ArrayBuffer>;
  mk: Uint8Array<ArrayBuffer>;
  verifier: Uint8Array<ArrayBuffer>;
}

/** deriveKeys turns the Argon2id seed into the enquirer's keys (§2). */
export async function deriveKeys(seed: Uint8Array<ArrayBuffer>): Promise<EnquirerKeys> {
  const id = await hkdf(seed, "lotse/v1 mailbox-id", 16);
  const idseed = await hkdf(seed, "lotse/v1 identity", 32);
  const auth = await hkdf(seed, "lotse/v1 auth", 32);
  const mk = await hkdf(seed, "lotse/v1 mailbox-key", 32);
  const identity = bech32Encode("age-secret-key-pq-", idseed).toUpperCase();
  idseed.fill(0);
  const recipient = await identityToRecipient(identity);
  return { mailboxId: hex(id), identity, recipient, auth, mk, verifier: await sha256(auth) };
}

export const bearer = (k: EnquirerKeys): string => k.mailboxId + "." + b64url(k.auth);

// ---- §3 fingerprint -------------------------------------------------------

export async function fingerprint(recipient: string): Promise<string> {
  const h = await sha256(utf8(recipient));
  const groups: string[] = [];
  for (let i = 0; i < 5; i++) {
    let v = 0n;
    for (let j = 0; j < 5; j++) v = (v << 8n) | BigInt(h[5 * i + j]!);
    groups.push(String(v % 100000n).padStart(5, "0"));
  }
  return groups.join(" ");
}

// ---- §4 message documents --------------------------------------------------

export const BUCKETS = [1024, 2048, 4096, 8192, 16384, 32768, 65536] as const;
export const MAX_DOCUMENT = 65536;
export const ROLES = ["affected", "relative", "professional"] as const;
export type Role = (typeof ROLES)[number];
export type From = "enquirer" | "counsellor";

export interface Document {
  v: number;
  type: string;
  mailbox: string;
  id: string;
  mk: string;
  from: string;
  name?: string;
  sent: string;
  lang: string;
  body: string;
  role?: string;
  recipient?: string;
  attachments?: Attachment[];
  handover?: Handover;
}

/** Attachment references an attachment ciphertext the server holds (§10). */
export interface Attachment {
  id: string;
  name: string;
  type: string;
  size: number;
  sha256: string;
}

/** Handover is a reply document's offer of the case to another
 * organisation, with the team recipient the offering desk pinned (§9.2). */
export interface Handover {
  org: string;
  name: string;
  epoch: number;
  recipient: string;
  note: string;
}

export const MAX_ATTACHMENTS = 5;
/** MAX_ATTACHMENT_FILE is the largest file an attachment carries. */
export const MAX_ATTACHMENT_FILE = 8 << 20;

export class TooLongError extends Error {
  constructor() {
    super("document longer than 65536 bytes");
  }
}

export function newDocumentId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return b64url(b);
}

/** marshal writes the fields in the order Go's crypto.Document does. */
function marshal(d: Document): string {
  const o: Record<string, unknown> = {
    v: d.v, type: d.type, mailbox: d.mailbox, id: d.id, mk: d.mk, from: d.from,
  };
  if (d.name) o["name"] = d.name;
  o["sent"] = d.sent;
  o["lang"] = d.lang;
  o["body"] = d.body;
  if (d.role) o["role"] = d.role;
  if (d.recipient) o["recipient"] = d.recipient;
  if (d.attachments?.length) {
    o["attachments"] = d.attachments.map((a) => ({ id: a.id, name: a.name, type: a.type, size: a.size, sha256: a.sha256 }));
  }
  if (d.handover) {
    const h = d.handover;
    o["handover"] = { org: h.org, name: h.name, epoch: h.epoch, recipient: h.recipient, note: h.note };
  }
  return JSON.stringify(o);
}

/** RECIPIENT_LEN is the length of a hybrid recipient string (§2). */
export const RECIPIENT_LEN = 1959;

/**
 * firstDocumentProbe is a first document with fields of their final
 * length and the given body, for measuring before the keys exist.
 */
export function firstDocumentProbe(lang: string, body: string, role?: string): Document {
  return {
    v: 1, type: "message", mailbox: "0".repeat(32), id: "A".repeat(22), mk: "A".repeat(43) + "=", from: "enquirer",
    sent: "2026-01-01T00:00:00Z", lang, body, recipient: "a".repeat(RECIPIENT_LEN),
    ...(role ? { role } : {}),
  };
}

/** bodyRoom is how many more UTF-8 bytes of body a first document holds. */
export function bodyRoom(lang: string, body: string): number {
  return MAX_DOCUMENT - utf8(marshal(firstDocumentProbe(lang, body, "professional"))).length;
}

/** documentSize is the padded size d would have, or 0 if too long. */
export function documentSize(d: Document): number {
  const n = utf8(marshal(d)).length;
  return BUCKETS.find((b) => b >= n) ?? 0;
}

/** padDocument marshals d and pads it with spaces to the smallest bucket. */
export function padDocument(d: Document): Uint8Array<ArrayBuffer> {
  const reason = checkFields(d);
  if (reason) throw new Error("pad document: " + reason);
  const js = utf8(marshal(d));
  if (js.length > MAX_DOCUMENT) throw new TooLongError();
  const size = BUCKETS.find((b) => b >= js.length)!;
  const out = new Uint8Array(size).fill(0x20);
  out.set(js);
  js.fill(0);
  return out;
}

/** sealDocument pads d and encrypts it to the team and the enquirer. */
export function sealDocument(d: Document, team: string, enquirer: string): Promise<Uint8Array<ArrayBuffer>> {
  return sealPadded(padDocument(d), team, enquirer);
}

/** sealPadded encrypts a padded document to the team and the enquirer and
 * zeroes it: a new document (sealDocument), or one the enquirer's device
 * forwards unchanged in a handover (PROTOCOL-1.1 §9.4). */
export async function sealPadded(pt: Uint8Array, team: string, enquirer: string): Promise<Uint8Array<ArrayBuffer>> {
  const e = new Encrypter();
  e.addRecipient(team);
  e.addRecipient(enquirer);
  try {
    const ct = await e.encrypt(pt);
    checkMessage(ct);
    return ct as Uint8Array<ArrayBuffer>;
  } finally {
    pt.fill(0);
  }
}

export class RejectError extends Error {
  constructor(readonly reason: string) {
    super("document rejected: " + reason);
  }
}

const LANG_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;
const MAILBOX_ID = /^[0-9a-f]{32}$/;

/** validSent is the rule for a document's sent, as validSent in Go's
 * crypto/document.go: RFC 3339 with upper-case T and Z, a '.' fraction of
 * 1 to 9 digits, every field in range (no leap second), offsets up to
 * ±23:59. The pattern runs before any parsing, so whatever passes is
 * something the browser's Date can read. */
export function validSent(s: string): boolean {
  if (s.length > 35) return false;
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]{1,9})?(?:Z|[+-]([0-9]{2}):([0-9]{2}))$/.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
  if (mo! < 1 || mo! > 12 || h! > 23 || mi! > 59 || se! > 59) return false;
  const days = [31, y! % 4 === 0 && (y! % 100 !== 0 || y! % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (d! < 1 || d! > days[mo! - 1]!) return false;
  return m[7] === undefined || (Number(m[7]) <= 23 && Number(m[8]) <= 59);
}

function validDocumentId(id: string): boolean {
  if (id.length !== 22) return false;
  const b = unb64url(id);
  return b !== null && b.length === 16;
}

function decodeMK(s: string): Uint8Array | null {
  if (s.length !== 44) return null;
  const b = unb64(s);
  return b && b.length === 32 ? b : null;
}

export function validRecipient(s: string): boolean {
  if (s.length !== RECIPIENT_LEN || !/^age1pq1[02-9ac-hj-np-z]+$/.test(s)) return false;
  try {
    new Encrypter().addRecipient(s);
    return true;
  } catch {
    return false;
  }
}

/** checkFields: the reader rules every well-formed document satisfies. */
function checkFields(d: Document): string {
  if (d.v !== 1) return "version is not 1";
  if (d.type !== "message") return "unknown type";
  if (!MAILBOX_ID.test(d.mailbox)) return "malformed mailbox";
  if (!validDocumentId(d.id)) return "malformed id";
  if (d.from !== "enquirer" && d.from !== "counsellor") return "unknown from";
  if (d.lang.length > 35 || !LANG_TAG.test(d.lang)) return "lang is not a language tag";
  if (d.role && !(ROLES as readonly string[]).includes(d.role)) return "unknown role";
  if (!validSent(d.sent)) return "sent is not RFC 3339";
  if (!decodeMK(d.mk)) return "malformed mk";
  if (d.recipient && !validRecipient(d.recipient)) return "malformed recipient";
  return checkAttachments(d.attachments ?? []) || checkHandover(d.handover, d.from);
}

const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$/;
const SIZE_LITERAL = /^(?:0|[1-9][0-9]{0,18})$/;

/** validAttachmentName: 1–128 characters (code points), no control
 * character, as validAttachmentName in Go's crypto/document_attachments.go. */
function validAttachmentName(s: string): boolean {
  const cps = [...s];
  if (cps.length < 1 || cps.length > 128) return false;
  return cps.every((c) => {
    const n = c.codePointAt(0)!;
    return n >= 0x20 && !(n >= 0x7f && n <= 0x9f);
  });
}

/** checkAttachments: the reader rules of the attachments field (§10). */
function checkAttachments(as: Attachment[]): string {
  if (as.length > MAX_ATTACHMENTS) return "more than 5 attachments";
  const seen = new Set<string>();
  for (const a of as) {
    if (!validDocumentId(a.id)) return "malformed attachment id";
    if (!validAttachmentName(a.name)) return "malformed attachment name";
    if (a.type.length > 129 || !MEDIA_TYPE.test(a.type)) return "malformed attachment type";
    if (!Number.isInteger(a.size) || a.size < 0 || a.size > MAX_ATTACHMENT_FILE) return "malformed attachment size";
    if (!decodeMK(a.sha256)) return "malformed attachment sha256";
    if (seen.has(a.id)) return "repeated attachment id";
    seen.add(a.id);
  }
  return "";
}

/** spans returns where each element of the JSON array b[start, end) is;
 * the Scanner has already proved its grammar. */
function arraySpans(b: Uint8Array, start: number): Array<[number, number]> {
  const sc = new Scanner(b);
  sc.pos = start + 1;
  const out: Array<[number, number]> = [];
  sc.ws();
  if (b[sc.pos] === 0x5d) return out;
  for (;;) {
    sc.ws();
    const s = sc.pos;
    sc.value(2);
    out.push([s, sc.pos]);
    sc.ws();
    if (b[sc.pos++] === 0x5d) return out;
  }
}

/** decodeAttachments reads the attachments field by exact names, as Go's
 * decodeAttachments; unknown fields of an entry are ignored. */
function decodeAttachments(b: Uint8Array, span: [number, number]): Attachment[] {
  const text = (s: [number, number]): string => new TextDecoder().decode(b.subarray(s[0], s[1]));
  if (b[span[0]] !== 0x5b) throw new RejectError("attachments is not a list");
  const items = arraySpans(b, span[0]);
  if (items.length > MAX_ATTACHMENTS) throw new RejectError("more than 5 attachments");
  return items.map((item) => {
    if (b[item[0]] !== 0x7b) throw new RejectError("attachment is not an object");
    const sc = new Scanner(b);
    sc.pos = item[0];
    sc.value(1);
    const a: Attachment = { id: "", name: "", type: "", size: 0, sha256: "" };
    for (const f of ["id", "name", "type", "sha256"] as const) {
      const s = sc.top.get(f);
      if (!s || b[s[0]] !== 0x22) throw new RejectError("malformed attachment " + f);
      a[f] = (JSON.parse(text(s)) as string).toWellFormed();
    }
    const s = sc.top.get("size");
    const raw = s ? text(s) : "";
    if (!SIZE_LITERAL.test(raw) || Number(raw) > MAX_ATTACHMENT_FILE) throw new RejectError("malformed attachment size");
    a.size = Number(raw);
    return a;
  });
}

export const MAX_HANDOVER_NOTE = 2000;
/** MAX_EPOCH keeps an epoch a JSON integer every reader reads exactly
 * (maxRecordEpoch in Go's crypto/teamrecord.go). */
const MAX_EPOCH = 2 ** 31 - 1;
const EPOCH_LITERAL = /^[1-9][0-9]{0,9}$/;
const SLUG = /^[a-z0-9-]{1,32}$/;
/** validSlug: an organisation's slug (domain.ParseSlug). */
export const validSlug = (s: unknown): s is string => typeof s === "string" && SLUG.test(s);

/** validStoredName is the display-name rule for reading, as Go's
 * domain.ParseStoredDisplayName: 1–64 characters, no control, line or
 * paragraph separator, bidirectional control or replacement character,
 * not blank (format characters other than bidi controls may appear). */
export function validStoredName(s: string): boolean {
  const cps = [...s];
  if (cps.length < 1 || cps.length > 64) return false;
  if (/[\p{Cc}\u2028\u2029\p{Bidi_Control}\uFFFD]/u.test(s)) return false;
  return !/^\p{White_Space}*$/u.test(s);
}

/** validHandoverNote: at most 2000 characters, and of the control
 * characters (C0, DEL, C1) only line feed and tab, as Go's. */
function validHandoverNote(s: string): boolean {
  return [...s].length <= MAX_HANDOVER_NOTE && !/[\0-\x08\x0b-\x1f\x7f-\x9f]/.test(s);
}

/** checkHandover: the reader rules of the handover field (§9.2). */
function checkHandover(h: Handover | undefined, from: string): string {
  if (!h) return "";
  if (from !== "counsellor") return "handover in an enquirer document";
  if (!validSlug(h.org)) return "malformed handover org";
  if (!validStoredName(h.name)) return "malformed handover name";
  if (!Number.isInteger(h.epoch) || h.epoch < 1 || h.epoch > MAX_EPOCH) return "malformed handover epoch";
  if (!validRecipient(h.recipient)) return "malformed handover recipient";
  if (!validHandoverNote(h.note)) return "malformed handover note";
  return "";
}

/** decodeHandover reads the handover field by exact names, as Go's
 * decodeHandover: org, name, epoch, recipient, note in this order, each
 * present and of its type, then no other field. */
function decodeHandover(b: Uint8Array, span: [number, number]): Handover {
  const text = (s: [number, number]): string => new TextDecoder().decode(b.subarray(s[0], s[1]));
  if (b[span[0]] !== 0x7b) throw new RejectError("handover is not an object");
  const sc = new Scanner(b);
  sc.pos = span[0];
  sc.value(1);
  const h: Handover = { org: "", name: "", epoch: 0, recipient: "", note: "" };
  for (const f of ["org", "name", "epoch", "recipient", "note"] as const) {
    const s = sc.top.get(f);
    if (f === "epoch") {
      const raw = s ? text(s) : "";
      if (!EPOCH_LITERAL.test(raw) || Number(raw) > MAX_EPOCH) throw new RejectError("malformed handover epoch");
      h.epoch = Number(raw);
      continue;
    }
    if (!s || b[s[0]] !== 0x22) throw new RejectError("malformed handover " + f);
    h[f] = (JSON.parse(text(s)) as string).toWellFormed();
  }
  if (sc.top.size !== 5) throw new RejectError("unknown field in handover");
  return h;
}

/** MAX_DEPTH is how deeply objects and arrays may nest, the outer object
 * counting as 1; maxDepth in Go's crypto/document.go is the same. */
export const MAX_DEPTH = 32;

// A small strict JSON scanner over bytes: RFC 8259 grammar, as Go's decoder.
// It finds where the leading object ends, refuses a key repeated within any
// object (after unescaping: parsers disagree on which one wins) and nesting
// deeper than MAX_DEPTH, and keeps the raw text of the top-level values.
class Scanner {
  pos = 0;
  readonly top = new Map<string, [number, number]>();
  constructor(readonly b: Uint8Array) {}
  ws(): void {
    for (;;) {
      const c = this.b[this.pos];
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else return;
    }
  }
  fail(): never {
    throw new RejectError("malformed JSON");
  }
  /** value reads one value; depth is the depth a container here has. */
  value(depth: number): void {
    this.ws();
    const c = this.b[this.pos];
    if ((c === 0x7b || c === 0x5b) && depth > MAX_DEPTH) throw new RejectError("nested too deeply");
    if (c === 0x7b) this.object(depth);
    else if (c === 0x5b) this.array(depth);
    else if (c === 0x22) this.string();
    else if (c === 0x74) this.lit("true");
    else if (c === 0x66) this.lit("false");
    else if (c === 0x6e) this.lit("null");
    else this.number();
  }
  lit(s: string): void {
    for (let i = 0; i < s.length; i++) if (this.b[this.pos + i] !== s.charCodeAt(i)) this.fail();
    this.pos += s.length;
  }
  /** number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? byte by
   * byte, however long the number is. */
  number(): void {
    const b = this.b;
    const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;
    const digits = (): void => {
      if (!isDigit(b[this.pos])) this.fail();
      while (isDigit(b[this.pos])) this.pos++;
    };
    if (b[this.pos] === 0x2d) this.pos++;
    if (b[this.pos] === 0x30) this.pos++;
    else digits();
    if (b[this.pos] === 0x2e) {
      this.pos++;
      digits();
    }
    if (b[this.pos] === 0x65 || b[this.pos] === 0x45) {
      this.pos++;
      if (b[this.pos] === 0x2b || b[this.pos] === 0x2d) this.pos++;
      digits();
    }
  }
  string(): string {
    const start = this.pos;
    this.pos++;
    for (;;) {
      const c = this.b[this.pos];
      if (c === undefined || c < 0x20) this.fail();
      if (c === 0x22) break;
      if (c === 0x5c) {
        const e = this.b[this.pos + 1];
        if (e === 0x75) {
          for (let i = 2; i < 6; i++) {
            const h = this.b[this.pos + i];
            if (h === undefined || !/[0-9a-fA-F]/.test(String.fromCharCode(h))) this.fail();
          }
          this.pos += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(String.fromCharCode(e))) this.fail();
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
    this.pos++;
    // Go turns invalid escapes of surrogates into U+FFFD; JSON.parse keeps
    // lone surrogates. Compare keys the way Go does.
    const raw = new TextDecoder().decode(this.b.subarray(start, this.pos));
    return (JSON.parse(raw) as string).toWellFormed();
  }
  array(depth: number): void {
    this.pos++;
    this.ws();
    if (this.b[this.pos] === 0x5d) {
      this.pos++;
      return;
    }
    for (;;) {
      this.value(depth + 1);
      this.ws();
      const c = this.b[this.pos++];
      if (c === 0x5d) return;
      if (c !== 0x2c) this.fail();
    }
  }
  object(depth: number): void {
    this.pos++;
    const keys = new Set<string>();
    this.ws();
    if (this.b[this.pos] === 0x7d) {
      this.pos++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.b[this.pos] !== 0x22) this.fail();
      const key = this.string();
      if (keys.has(key)) throw new RejectError("repeated key");
      keys.add(key);
      this.ws();
      if (this.b[this.pos++] !== 0x3a) this.fail();
      this.ws();
      const vs = this.pos;
      this.value(depth + 1);
      if (depth === 1) this.top.set(key, [vs, this.pos]);
      this.ws();
      const c = this.b[this.pos++];
      if (c === 0x7d) return;
      if (c !== 0x2c) this.fail();
    }
  }
}

declare global {
  interface String {
    toWellFormed(): string;
  }
}

export interface Expect {
  mailbox: string;
  mk: Uint8Array | null; // null only for a counsellor's first document
  from: string; // the from the server stored
}

const STRING_FIELDS = ["type", "mailbox", "id", "mk", "from", "name", "sent", "lang", "body", "role", "recipient"] as const;

/** checkDocument applies the reader rules of PROTOCOL.md §4, as Go's
 * crypto.CheckDocument. It throws RejectError. */
export function checkDocument(pt: Uint8Array, want: Expect): Document {
  if (!(BUCKETS as readonly number[]).includes(pt.length)) throw new RejectError("not a bucket size");
  // A document starts with '{' (§4), no white space before it.
  if (pt[0] !== 0x7b) throw new RejectError("not a JSON object");
  const sc = new Scanner(pt);
  sc.value(1);
  const end = sc.pos;
  for (let i = end; i < pt.length; i++) {
    if (pt[i] !== 0x20) throw new RejectError("bytes other than spaces after the object");
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(pt.subarray(0, end));
  } catch {
    throw new RejectError("not UTF-8");
  }
  void text;
  const raw = (k: string): string | undefined => {
    const span = sc.top.get(k);
    return span ? new TextDecoder().decode(pt.subarray(span[0], span[1])) : undefined;
  };
  const d: Document = { v: 0, type: "", mailbox: "", id: "", mk: "", from: "", sent: "", lang: "", body: "" };
  const v = raw("v");
  if (v !== undefined) {
    // Go unmarshals v into an int: an integer literal within 64 bits;
    // null leaves it 0.
    if (/^-?(?:0|[1-9][0-9]*)$/.test(v) && BigInt.asIntN(64, BigInt(v)) === BigInt(v)) d.v = Number(v);
    else if (v !== "null") throw new RejectError("v is not an integer");
  }
  for (const f of STRING_FIELDS) {
    const r = raw(f);
    if (r === undefined) continue;
    if (!r.startsWith('"')) throw new RejectError(f + " is not a string");
    (d as unknown as Record<string, string>)[f] = (JSON.parse(r) as string).toWellFormed();
  }
  const att = sc.top.get("attachments");
  if (att) d.attachments = decodeAttachments(pt, att);
  const ho = sc.top.get("handover");
  if (ho) d.handover = decodeHandover(pt, ho);
  const reason = checkFields(d);
  if (reason) throw new RejectError(reason);
  if (d.mailbox !== want.mailbox) throw new RejectError("wrong mailbox");
  if (d.from !== want.from) throw new RejectError("from differs from the server's");
  if (want.mk && !equalBytes(decodeMK(d.mk)!, want.mk)) throw new RejectError("wrong mk");
  if (d.from === "enquirer") delete d.name;
  else {
    delete d.role;
    delete d.recipient;
  }
  return d;
}

// ---- §5 ciphertext policy ---------------------------------------------------

export class PolicyError extends Error {
  constructor(readonly reason: string) {
    super("ciphertext policy: " + reason);
  }
}

const AGE_INTRO = "age-encryption.org/v1\n";
const HYBRID_STANZA = "-> mlkem768x25519 ";
const ENC_LEN = 1088 + 32;
const ENC_B64 = Math.ceil((ENC_LEN * 8) / 6);
const WRAPPED_B64 = Math.ceil((32 * 8) / 6);
const MAC_B64 = Math.ceil((32 * 8) / 6);
const STANZA_LEN = HYBRID_STANZA.length + ENC_B64 + 1 + WRAPPED_B64 + 1;
const FOOTER_LEN = 4 + MAC_B64 + 1;
const LOW_ORDER = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];

function canonical(src: Uint8Array, n: number): Uint8Array | null {
  const s = String.fromCharCode(...src);
  if (!/^[A-Za-z0-9+/]*$/.test(s)) return null;
  const padded = s + "=".repeat((4 - (s.length % 4)) % 4);
  const b = unb64(padded);
  return b && b.length === n ? b : null;
}

function ascii(b: Uint8Array, start: number, s: string): boolean {
  if (start + s.length > b.length) return false;
  for (let i = 0; i < s.length; i++) if (b[start + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** checkMessage is the message policy of PROTOCOL.md §5: binary age v1,
 * exactly two hybrid stanzas, one payload chunk of a bucket size. */
export function checkMessage(b: Uint8Array): void {
  if (!ascii(b, 0, AGE_INTRO)) throw new PolicyError("not binary age v1");
  let pos = AGE_INTRO.length;
  let n = 0;
  while (!ascii(b, pos, "---")) {
    if (!ascii(b, pos, HYBRID_STANZA)) throw new PolicyError(`stanza ${n + 1}: not a hybrid stanza`);
    if (++n > 2) throw new PolicyError("more than 2 stanzas");
    if (pos + STANZA_LEN > b.length) throw new PolicyError("truncated header");
    const a = pos + HYBRID_STANZA.length;
    const encb = canonical(b.subarray(a, a + ENC_B64), ENC_LEN);
    if (!encb || b[a + ENC_B64] !== 0x0a) throw new PolicyError(`stanza ${n}: malformed argument`);
    const share = encb.slice(1088);
    share[31]! &= 0x7f;
    if (LOW_ORDER.includes(hex(share))) throw new PolicyError(`stanza ${n}: low-order X25519 share`);
    const l = a + ENC_B64 + 1;
    if (!canonical(b.subarray(l, l + WRAPPED_B64), 32) || b[l + WRAPPED_B64] !== 0x0a) {
      throw new PolicyError(`stanza ${n}: malformed body`);
    }
    pos += STANZA_LEN;
  }
  if (n !== 2) throw new PolicyError(`a message has ${n} stanzas, want 2`);
  if (pos + FOOTER_LEN > b.length || !ascii(b, pos, "--- ") ||
    !canonical(b.subarray(pos + 4, pos + 4 + MAC_B64), 32) || b[pos + FOOTER_LEN - 1] !== 0x0a) {
    throw new PolicyError("malformed mac line");
  }
  pos += FOOTER_LEN;
  const payload = b.length - pos - 16 - 16; // nonce, one chunk's tag
  if (!(BUCKETS as readonly number[]).includes(payload)) {
    throw new PolicyError("the plaintext is not one chunk of a bucket size");
  }
}

// ---- reading a thread ------------------------------------------------------

export interface StoredMessage {
  seq: number;
  from: string;
  ciphertext: Uint8Array;
}

export interface ThreadEntry {
  seq: number;
  from: string;
  doc?: Document;
  duplicate?: boolean;
  error?: string; // why it is shown as a warning
}

/** openDocument checks the policy and decrypts with the enquirer identity. */
export async function openDocument(ct: Uint8Array, identity: string): Promise<Uint8Array> {
  checkMessage(ct);
  const d = new Decrypter();
  d.addIdentity(identity);
  return d.decrypt(ct);
}

/** Reader keeps what reading a mailbox needs across fetches: the ids
 * already seen, for duplicates. */
export class Reader {
  private readonly seen = new Set<string>();
  constructor(
    readonly mailbox: string,
    private readonly mk: Uint8Array,
    private readonly identity: string,
  ) {}
  async read(m: StoredMessage): Promise<ThreadEntry> {
    const e: ThreadEntry = { seq: m.seq, from: m.from };
    let pt: Uint8Array;
    try {
      pt = await openDocument(m.ciphertext, this.identity);
    } catch (err) {
      e.error = err instanceof PolicyError ? err.message : "cannot be decrypted";
      return e;
    }
    try {
      const d = checkDocument(pt, { mailbox: this.mailbox, mk: this.mk, from: m.from });
      if (m.seq !== 1) delete d.recipient;
      e.doc = d;
      e.duplicate = this.seen.has(d.id);
      this.seen.add(d.id);
    } catch (err) {
      e.error = err instanceof RejectError ? err.reason : "unreadable";
    }
    pt.fill(0);
    return e;
  }
}
