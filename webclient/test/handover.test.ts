// Consented handover on the enquirer's device (PROTOCOL.md §9.2–9.3):
// which document's offer the page may show, the re-sealing of every
// message and file for the receiving organisation with the plaintext
// unchanged, the upload's order and its one fresh start, and the team key
// a moved conversation seals to.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Decrypter, generateHybridIdentity, identityToRecipient } from "age-encryption";
import { ApiError } from "../src/api.ts";
import * as a from "../src/attach.ts";
import { HandoverError, handOver, noteInPanel, offerFor, reseal, type Offer, type Transport } from "../src/handover.ts";
import * as p from "../src/protocol.ts";
import { checkPin, handoverKey, TeamKeyChangedError } from "../src/teampin.ts";
import type * as wire from "../src/wire.ts";

interface Party {
  id: string;
  recipient: string;
}

async function party(): Promise<Party> {
  const id = await generateHybridIdentity();
  return { id, recipient: await identityToRecipient(id) };
}

async function enquirer(): Promise<p.EnquirerKeys> {
  return p.deriveKeys(crypto.getRandomValues(new Uint8Array(32)));
}

async function open(ct: Uint8Array, id: string): Promise<Uint8Array> {
  const d = new Decrypter();
  d.addIdentity(id);
  return d.decrypt(ct);
}

function doc(k: p.EnquirerKeys, from: p.From, body: string, extra: Partial<p.Document> = {}): p.Document {
  return {
    v: 1, type: "message", mailbox: k.mailboxId, id: p.newDocumentId(), mk: p.b64(k.mk), from,
    sent: "2026-12-02T10:00:00Z", lang: "de", body, ...(from === "counsellor" ? { name: "Anna" } : {}), ...extra,
  };
}

const offerB = (b: Party, extra: Partial<p.Handover> = {}): p.Handover =>
  ({ org: "b", name: "Fachberatung B", epoch: 2, recipient: b.recipient, note: "Dort spricht man Rumänisch.", ...extra });

/** entry is a thread entry as the reader gives it for a document that
 * passed the reader rules, with the handover field of §9.2. */
const entry = (seq: number, d: p.Document, handover?: p.Handover): p.ThreadEntry =>
  ({ seq, from: d.from, doc: handover ? { ...d, handover } : d });

test("handover: the offer shown is the newest reply document offering that organisation", async () => {
  const k = await enquirer();
  const b = await party();
  const first = offerB(b, { epoch: 1, note: "erstes" });
  const second = offerB(b, { epoch: 2, note: "zweites" });
  const entries: p.ThreadEntry[] = [
    entry(1, doc(k, "enquirer", "Hallo")),
    entry(2, doc(k, "counsellor", "Vorschlag"), first),
    entry(3, doc(k, "counsellor", "Vorschlag C"), offerB(b, { org: "c", name: "C" })),
    entry(4, doc(k, "counsellor", "Noch einmal"), second),
    entry(5, doc(k, "counsellor", "Nur eine Antwort")),
    { seq: 6, from: "counsellor", error: "wrong mk" }, // a forged one is a warning
  ];
  const o = offerFor(entries, "b");
  assert.ok(o);
  assert.equal(o.note, "zweites");
  assert.equal(o.epoch, 2);
  assert.equal(o.seq, 4);
  assert.equal(o.lang, "de");
  assert.equal(offerFor(entries, "c")?.name, "C");
  assert.equal(offerFor(entries, "d"), null, "no document offers d: nothing is shown, whatever the server says");
  assert.equal(offerFor(entries.slice(0, 1), "b"), null);
  // An older offer stored again is no newer for it.
  const replayed = { ...entry(7, entries[1]!.doc!, first), duplicate: true };
  assert.equal(offerFor([...entries, replayed], "b")?.note, "zweites");
  // Only a counsellor's document offers anything.
  assert.equal(offerFor([entry(1, doc(k, "enquirer", "x"), first)], "b"), null);
});

test("handover: the note the panel shows is not drawn a second time in the thread", async () => {
  const k = await enquirer();
  const b = await party();
  const note = "Dort spricht man Rumänisch.\nDie Stelle ist in Ihrer Nähe.";
  // As counsel writes an offer: the note is the body too (PROTOCOL.md §9.1).
  const older = entry(2, doc(k, "counsellor", "Ein älterer Vorschlag."), offerB(b, { note: "Ein älterer Vorschlag." }));
  const offering = entry(3, doc(k, "counsellor", note), offerB(b, { note }));
  const entries: p.ThreadEntry[] = [entry(1, doc(k, "enquirer", "Hallo")), older, offering, entry(4, doc(k, "counsellor", note))];
  const o = offerFor(entries, "b");
  assert.equal(o?.seq, 3);
  assert.deepEqual(entries.map((e) => noteInPanel(e, o)), [false, false, true, false],
    "only the document of the offer shown stands as a pointer; an older offer and a reply that merely says the same stay as they are");
  assert.equal(noteInPanel(offering, null), false, "with no offer in the panel the thread shows the note");
  // White space at either end (a writer's trailing line) is the same note.
  const trailing = entry(3, doc(k, "counsellor", note + "\n"), offerB(b, { note }));
  assert.equal(noteInPanel(trailing, offerFor([trailing], "b")), true);
  // A body that says more than the note is drawn; so is an empty note's.
  const more = entry(3, doc(k, "counsellor", "Hallo!\n" + note), offerB(b, { note }));
  assert.equal(noteInPanel(more, offerFor([more], "b")), false);
  const empty = entry(3, doc(k, "counsellor", ""), offerB(b, { note: "" }));
  assert.equal(noteInPanel(empty, offerFor([empty], "b")), false);
  // A duplicate of the offering document is marked as one, not hidden.
  assert.equal(noteInPanel({ ...offering, duplicate: true }, o), false);
});

test("handover: every message is sealed again to B and the enquirer, its plaintext unchanged", async () => {
  const k = await enquirer();
  const teamA = await party();
  const b = await party();
  const ref: p.Attachment = { id: p.newDocumentId(), name: "a.pdf", type: "application/pdf", size: 10, sha256: p.b64(new Uint8Array(32)) };
  const docs = [
    { ...doc(k, "enquirer", "Erste Nachricht"), recipient: k.recipient },
    doc(k, "counsellor", "x".repeat(3000)), // a larger bucket
    doc(k, "enquirer", "mit Datei", { attachments: [ref] }),
  ];
  const msgs: p.StoredMessage[] = [];
  for (const [i, d] of docs.entries()) msgs.push({ seq: i + 1, from: d.from, ciphertext: await p.sealDocument(d, teamA.recipient, k.recipient) });
  const out = await reseal(msgs, k, b.recipient);
  assert.deepEqual(out.map((r) => r.seq), [1, 2, 3]);
  assert.deepEqual(out.map((r) => r.attachments), [[], [], [ref.id]]);
  for (const [i, r] of out.entries()) {
    p.checkMessage(r.ciphertext);
    const before = await open(msgs[i]!.ciphertext, k.identity);
    assert.deepEqual(await open(r.ciphertext, b.id), before, `message ${r.seq}: B reads the same plaintext`);
    assert.deepEqual(await open(r.ciphertext, k.identity), before, `message ${r.seq}: the enquirer still reads it`);
    await assert.rejects(open(r.ciphertext, teamA.id), `message ${r.seq}: A no longer can`);
    const d = p.checkDocument(await open(r.ciphertext, b.id), { mailbox: k.mailboxId, mk: null, from: docs[i]!.from });
    assert.equal(d.id, docs[i]!.id);
    assert.equal(d.mk, docs[i]!.mk);
  }
});

test("handover: a message that does not open on the device stops the handover before anything is sent", async () => {
  const k = await enquirer();
  const other = await enquirer();
  const teamA = await party();
  const b = await party();
  const good = await p.sealDocument(doc(k, "enquirer", "gut"), teamA.recipient, k.recipient);
  const foreign = await p.sealDocument(doc(other, "counsellor", "nicht für Sie"), teamA.recipient, other.recipient);
  await assert.rejects(reseal([{ seq: 1, from: "enquirer", ciphertext: good }, { seq: 2, from: "counsellor", ciphertext: foreign }], k, b.recipient),
    (e: unknown) => e instanceof HandoverError && e.reason === "unreadable");
});

test("handover: a file is sealed again to B and the enquirer, of the same length", async () => {
  const teamA = await party();
  const own = await party();
  const b = await party();
  const file = new Uint8Array(70 * 1024).map((_, i) => i & 0xff);
  const s = await a.sealAttachment(file, "foto.jpg", "image/jpeg", teamA.recipient, own.recipient);
  const again = await a.resealAttachment(s.ciphertext, own.id, b.recipient, own.recipient);
  assert.equal(again.length, s.ciphertext.length);
  assert.ok(a.policyShape(again));
  const ref = { id: "A".repeat(22), ...s.ref };
  assert.deepEqual(await a.openAttachment(again, b.id, ref), file);
  assert.deepEqual(await a.openAttachment(again, own.id, ref), file);
  await assert.rejects(a.openAttachment(again, teamA.id, ref), a.AttachmentCheckError);
  const flipped = s.ciphertext.slice();
  flipped[flipped.length - 10]! ^= 1;
  await assert.rejects(a.resealAttachment(flipped, own.id, b.recipient, own.recipient), (e: unknown) => e instanceof a.AttachmentCheckError && e.reason === "tampered");
  await assert.rejects(a.resealAttachment(s.ciphertext.subarray(0, 1000), own.id, b.recipient, own.recipient), a.AttachmentCheckError);
});

/**
 * Server is the server's half of §9.4 as the contract states it, in
 * memory: an open offer, the mailbox's messages and files, uploads that a
 * commit checks for completeness and for messages that arrived after the
 * start. Hooks let a test make a message arrive or an upload expire at a
 * given call.
 */
class Server implements Transport {
  calls: string[] = [];
  offer: string | null = "b";
  epoch = 2;
  org = "main";
  msgs: p.StoredMessage[];
  files: string[];
  uploads = new Map<string, { count: number; seqs: Set<number>; files: Set<string> }>();
  next = 0;
  before: Partial<Record<string, () => void>> = {};
  committed: Map<number, Uint8Array> | null = null;
  private held = new Map<string, Map<number, Uint8Array>>();

  constructor(msgs: p.StoredMessage[], files: string[]) {
    this.msgs = msgs;
    this.files = files;
  }
  private hook(name: string): void {
    this.calls.push(name);
    const f = this.before[name];
    delete this.before[name];
    f?.();
  }
  async messages(): Promise<p.StoredMessage[]> {
    this.hook("messages");
    return [...this.msgs];
  }
  async start(body: wire.HandoverStart): Promise<string> {
    this.hook("start");
    if (this.offer !== body.org) throw new ApiError(404, "not_found");
    if (body.epoch !== this.epoch) throw new ApiError(409, "stale_epoch");
    if (body.count !== this.msgs.length) throw new ApiError(409, "handover_conflict");
    const id = "u" + ++this.next;
    this.uploads.set(id, { count: body.count, seqs: new Set(), files: new Set() });
    this.held.set(id, new Map());
    return id;
  }
  async putMessage(upload: string, seq: number, ct: Uint8Array): Promise<void> {
    this.hook("put " + seq);
    const u = this.uploads.get(upload);
    if (!u) throw new ApiError(404, "not_found");
    p.checkMessage(ct);
    u.seqs.add(seq);
    this.held.get(upload)!.set(seq, ct);
  }
  async putAttachment(upload: string, id: string, team: string): Promise<void> {
    this.hook("file " + id);
    const u = this.uploads.get(upload);
    if (!u) throw new ApiError(404, "not_found");
    assert.ok(p.validRecipient(team));
    u.files.add(id);
  }
  waited: number[] = [];
  async wait(seconds: number): Promise<void> {
    this.waited.push(seconds);
  }
  async commit(upload: string): Promise<string> {
    this.hook("commit");
    const u = this.uploads.get(upload);
    if (!u) throw new ApiError(404, "not_found");
    this.uploads.delete(upload);
    const complete = u.count === this.msgs.length && this.msgs.every((m) => u.seqs.has(m.seq)) && this.files.every((f) => u.files.has(f));
    if (!complete) throw new ApiError(409, "handover_conflict");
    this.committed = this.held.get(upload)!;
    this.org = this.offer!;
    this.offer = null;
    return this.org;
  }
}

async function conversation(n: number, fileIDs: string[] = []) {
  const k = await enquirer();
  const teamA = await party();
  const b = await party();
  const msgs: p.StoredMessage[] = [];
  for (let i = 1; i <= n; i++) {
    const from: p.From = i % 2 ? "enquirer" : "counsellor";
    const refs = i === 1 ? fileIDs.map((id) => ({ id, name: "f", type: "image/png", size: 1, sha256: p.b64(new Uint8Array(32)) })) : [];
    msgs.push({ seq: i, from, ciphertext: await p.sealDocument(doc(k, from, "Nachricht " + i, refs.length ? { attachments: refs } : {}), teamA.recipient, k.recipient) });
  }
  const offer: Offer = { ...offerB(b), lang: "de", seq: n };
  return { k, teamA, b, msgs, offer };
}

async function newMessage(c: { k: p.EnquirerKeys; teamA: Party }, seq: number): Promise<p.StoredMessage> {
  return { seq, from: "counsellor", ciphertext: await p.sealDocument(doc(c.k, "counsellor", "dazwischen"), c.teamA.recipient, c.k.recipient) };
}

test("handover: start, every seq, every file, commit, with the count of items as progress", async () => {
  const f1 = p.newDocumentId();
  const f2 = p.newDocumentId();
  const c = await conversation(3, [f1, f2]);
  const srv = new Server(c.msgs, [f1, f2]);
  const seen: Array<[number, number]> = [];
  const org = await handOver(srv, c.k, c.offer, (done, total) => seen.push([done, total]));
  assert.equal(org, "b");
  assert.deepEqual(srv.calls, ["messages", "start", "put 1", "put 2", "put 3", "file " + f1, "file " + f2, "commit"]);
  assert.deepEqual(seen, [[0, 0], [0, 5], [1, 5], [2, 5], [3, 5], [4, 5], [5, 5]]);
  for (const m of c.msgs) {
    assert.deepEqual(await open(srv.committed!.get(m.seq)!, c.b.id), await open(m.ciphertext, c.k.identity), `B reads message ${m.seq}`);
  }
});

test("handover: a message that arrives meanwhile starts it over once from a fresh read", async () => {
  const c = await conversation(2);
  const srv = new Server(c.msgs, []);
  const late = await newMessage(c, 3);
  srv.before["commit"] = () => srv.msgs.push(late);
  assert.equal(await handOver(srv, c.k, c.offer, () => {}), "b");
  assert.deepEqual(srv.calls, ["messages", "start", "put 1", "put 2", "commit", "messages", "start", "put 1", "put 2", "put 3", "commit"]);
  assert.ok(srv.committed!.has(3), "the fresh start forwards the new message too");
});

test("handover: an upload that expired starts it over once", async () => {
  const c = await conversation(2);
  const srv = new Server(c.msgs, []);
  srv.before["put 2"] = () => srv.uploads.clear();
  assert.equal(await handOver(srv, c.k, c.offer, () => {}), "b");
  assert.deepEqual(srv.calls, ["messages", "start", "put 1", "put 2", "messages", "start", "put 1", "put 2", "commit"]);
});

test("handover: a second conflict gives up with a clear reason, and nothing moved", async () => {
  const c = await conversation(1);
  const srv = new Server(c.msgs, []);
  const [m2, m3] = [await newMessage(c, 2), await newMessage(c, 3)];
  srv.before["commit"] = () => {
    srv.msgs.push(m2);
    srv.before["commit"] = () => srv.msgs.push(m3);
  };
  await assert.rejects(handOver(srv, c.k, c.offer, () => {}), (e: unknown) => e instanceof HandoverError && e.reason === "conflict");
  assert.equal(srv.committed, null);
  assert.equal(srv.org, "main");
  assert.equal(srv.calls.filter((x) => x === "start").length, 2, "started twice, no more");
});

test("handover: an offer no longer open, a stale epoch, or an unreachable server stop it at once", async () => {
  const c = await conversation(1);
  const gone = new Server(c.msgs, []);
  gone.offer = null;
  await assert.rejects(handOver(gone, c.k, c.offer, () => {}), (e: unknown) => e instanceof HandoverError && e.reason === "gone");
  const stale = new Server(c.msgs, []);
  stale.epoch = 3;
  await assert.rejects(handOver(stale, c.k, c.offer, () => {}), (e: unknown) => e instanceof HandoverError && e.reason === "stale");
  assert.deepEqual(stale.calls, ["messages", "start"]);
  const down = new Server(c.msgs, []);
  down.before["put 1"] = () => {
    throw new ApiError(0, "unreachable");
  };
  await assert.rejects(handOver(down, c.k, c.offer, () => {}), (e: unknown) => e instanceof ApiError && e.code === "unreachable");
  assert.equal(down.committed, null);
});

test("pin: a moved conversation seals to the key its handover document named", async () => {
  const k = await enquirer();
  const b = await party();
  const swapped = await party();
  const newer = await party();
  const entries = [
    entry(1, doc(k, "enquirer", "Hallo")),
    entry(2, doc(k, "counsellor", "alt"), offerB(b, { epoch: 1, recipient: swapped.recipient })),
    entry(3, doc(k, "counsellor", "Vorschlag"), offerB(b, { epoch: 2 })),
  ];
  const pin = handoverKey(entries, "b");
  assert.deepEqual(pin, { epoch: 2, recipient: b.recipient }, "the newest document for b");
  assert.equal(handoverKey(entries, "main"), null, "a conversation that never moved has no such pin");
  // The server's key for b: the same is fine; another under the same or
  // an older epoch is refused; a newer epoch's is taken, as in version 1:
  // nothing the page can check names b's later keys, so it cannot tell a
  // rotation from a forged one (PROTOCOL.md §6.3, "What the rule does not
  // do"; §9.6).
  assert.deepEqual(checkPin(pin, { epoch: 2, recipient: b.recipient }), pin);
  for (const epoch of [1, 2]) assert.throws(() => checkPin(pin, { epoch, recipient: swapped.recipient }), TeamKeyChangedError);
  assert.deepEqual(checkPin(pin, { epoch: 3, recipient: newer.recipient }), { epoch: 3, recipient: newer.recipient });
});

test("handover: a request answered 429 is made again after Retry-After, and the handover goes on", async () => {
  const c = await conversation(3);
  const srv = new Server(c.msgs, []);
  let limited = 0;
  const limit = (): void => {
    limited++;
    throw new ApiError(429, "rate_limited", 7);
  };
  srv.before["put 2"] = limit;
  srv.before["commit"] = () => {
    limit();
  };
  assert.equal(await handOver(srv, c.k, c.offer, () => {}), "b");
  assert.equal(limited, 2);
  assert.deepEqual(srv.waited, [7, 7]);
  assert.deepEqual(srv.calls, ["messages", "start", "put 1", "put 2", "put 2", "put 3", "commit", "commit"]);
  // One that never lets up is given up on, and nothing moved.
  const stuck = new Server(c.msgs, []);
  const always = (): void => {
    stuck.before["put 1"] = always;
    throw new ApiError(429, "rate_limited", 0);
  };
  stuck.before["put 1"] = always;
  await assert.rejects(handOver(stuck, c.k, c.offer, () => {}), (e: unknown) => e instanceof ApiError && e.status === 429);
  assert.equal(stuck.committed, null);
  assert.ok(stuck.waited.every((w) => w === 1), "a 429 without Retry-After waits a second");
});
