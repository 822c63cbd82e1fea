// Consented handover, the enquirer's side (PROTOCOL.md §9.2–9.3): which
// offer the page may show, and the device forwarding the whole
// conversation to the receiving organisation. Everything the offer says
// (who, which key, which epoch) comes from a reply document that passed
// the reader rules, never from the server, which only says that an offer
// is open. No DOM and no storage here; main.ts draws it, and a page left
// before the commit leaves the conversation where it was.
import { ApiError } from "./api";
import * as p from "./protocol";
import type * as wire from "./wire";

/** Offer is the handover field of the newest document that offers the
 * conversation to one organisation, with that document's language (the
 * note's) and seq. */
export interface Offer extends p.Handover {
  lang: string;
  seq: number;
}

/**
 * offerFor is the newest reply document in entries that offers the
 * conversation to org, or null. Only a document that passed the reader
 * rules (this mailbox, its mk, from a counsellor as the server stored it)
 * has a doc; a forged one is a warning and offers nothing. A document
 * stored again (a duplicate id) counts where it first stood, so a server
 * cannot make an older offer the newest.
 */
export function offerFor(entries: readonly p.ThreadEntry[], org: string): Offer | null {
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.duplicate) continue;
    const h = offered(e);
    if (h?.org === org) return { ...h, lang: e.doc!.lang, seq: e.seq };
  }
  return null;
}

/** offered is the handover a thread entry's document offers, if any. */
export function offered(e: p.ThreadEntry): p.Handover | undefined {
  return e.doc?.from === "counsellor" ? e.doc.handover : undefined;
}

/**
 * noteInPanel tells whether the thread draws entry e as a pointer to the
 * consent panel instead of with its body: the panel shows offer o, e is
 * the document that makes it, and e's body is o's note. A desk writes the
 * note as the body too, so that a reader of version 1.0 shows it
 * (PROTOCOL.md §9.1); this page shows it once, beside the choice it
 * explains. Once the panel no longer shows o (a no, the upload, the
 * move, a newer offer) the thread shows the body again. A body that says
 * something other than the note is drawn as it is.
 */
export function noteInPanel(e: p.ThreadEntry, o: Offer | null): boolean {
  if (!o || o.note.trim() === "" || e.seq !== o.seq || e.duplicate) return false;
  const h = offered(e);
  return h !== undefined && h.org === o.org && e.doc!.body.trim() === o.note.trim();
}

/** Transport is what forwarding needs of the server (api.ts, and the
 * attachment script for files). */
export interface Transport {
  /** messages is every message of the mailbox, in seq order. */
  messages(): Promise<p.StoredMessage[]>;
  start(body: wire.HandoverStart): Promise<string>;
  putMessage(upload: string, seq: number, ciphertext: Uint8Array): Promise<void>;
  /** putAttachment downloads attachment id, seals its plaintext again to
   * team and the enquirer, and uploads it under the same id. */
  putAttachment(upload: string, id: string, team: string): Promise<void>;
  commit(upload: string): Promise<string>;
  /** wait resolves after the given seconds. */
  wait(seconds: number): Promise<void>;
}

/** Why a handover did not happen, for the page's words; anything else is
 * an ApiError of the usual kind (unreachable, rate limited). */
export type Failure =
  | "gone" // no offer to that organisation is open any more
  | "stale" // the offer names an epoch the organisation has left behind
  | "unreadable" // a message of the mailbox does not open on this device
  | "conflict"; // the conversation changed twice while it was forwarded

export class HandoverError extends Error {
  constructor(readonly reason: Failure) {
    super("handover: " + reason);
  }
}

/** Keys is what forwarding needs of the enquirer's keys. */
export type Keys = Pick<p.EnquirerKeys, "mailboxId" | "mk" | "identity" | "recipient">;

/** Resealed is a message sealed again, and the attachments its document
 * names. */
export interface Resealed {
  seq: number;
  ciphertext: Uint8Array<ArrayBuffer>;
  attachments: string[];
}

/**
 * reseal opens every message with the enquirer's identity (each is sealed
 * to it too) and seals its plaintext unchanged, padding and all, to team
 * and the enquirer: the same bucket, id, mk and from (§9.4). A message
 * that does not open cannot be forwarded, and then nothing is.
 */
export async function reseal(msgs: readonly p.StoredMessage[], keys: Keys, team: string): Promise<Resealed[]> {
  const out: Resealed[] = [];
  for (const m of msgs) {
    let pt: Uint8Array;
    try {
      pt = await p.openDocument(m.ciphertext, keys.identity);
    } catch {
      throw new HandoverError("unreadable");
    }
    let attachments: string[] = [];
    try {
      const d = p.checkDocument(pt, { mailbox: keys.mailboxId, mk: keys.mk, from: m.from });
      attachments = (d.attachments ?? []).map((a) => a.id);
    } catch {
      // A document the reader refuses is forwarded as it is, and B's
      // desk refuses it the same way; it names no files we could trust.
    }
    out.push({ seq: m.seq, ciphertext: await p.sealPadded(pt, team, keys.recipient), attachments });
  }
  return out;
}

/** Progress reports items (messages and files) uploaded of total; total
 * is 0 while the messages are being sealed again. */
export type Progress = (done: number, total: number) => void;

/**
 * handOver forwards the conversation to the organisation of offer: seal
 * every message and file again for its recipient, upload them, commit. A
 * conversation that changed meanwhile (409 handover_conflict) or an upload
 * that expired (404 after the start) starts over once, from a fresh read.
 * It returns the organisation the server says the mailbox now belongs to.
 */
export async function handOver(t: Transport, keys: Keys, offer: Offer, progress: Progress): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await forward(t, keys, offer, progress);
    } catch (err) {
      if (!(err instanceof Retry)) throw err;
      if (attempt > 0) throw new HandoverError("conflict");
    }
  }
}

class Retry extends Error {}

// A conversation of 200 messages takes more requests than the
// per-address limit allows in a minute (PROTOCOL.md §9.3): a request
// answered 429 is made again after Retry-After, within the upload's ten
// minutes.
const PATIENCE = 20;
const MAX_WAIT = 60;

/** patient makes request f, again after the server's Retry-After while
 * it answers 429. */
async function patient<T>(t: Transport, f: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 429 || i >= PATIENCE) throw err;
      await t.wait(Math.min(Math.max(err.retryAfter, 1), MAX_WAIT));
    }
  }
}

async function forward(t: Transport, keys: Keys, offer: Offer, progress: Progress): Promise<string> {
  progress(0, 0);
  const msgs = await patient(t, () => t.messages());
  const sealed = await reseal(msgs, keys, offer.recipient);
  const files = [...new Set(sealed.flatMap((s) => s.attachments))];
  const total = sealed.length + files.length;
  let done = 0;
  progress(done, total);
  let upload: string;
  try {
    upload = await patient(t, () => t.start({ org: offer.org, epoch: offer.epoch, count: msgs.length }));
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.status === 404) throw new HandoverError("gone");
    if (err.code === "stale_epoch") throw new HandoverError("stale");
    if (err.code === "handover_conflict") throw new Retry();
    throw err;
  }
  try {
    for (const s of sealed) {
      await patient(t, () => t.putMessage(upload, s.seq, s.ciphertext));
      progress(++done, total);
    }
    for (const id of files) {
      await patient(t, () => t.putAttachment(upload, id, offer.recipient));
      progress(++done, total);
    }
    return await patient(t, () => t.commit(upload));
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.code === "handover_conflict")) throw new Retry();
    throw err;
  }
}
