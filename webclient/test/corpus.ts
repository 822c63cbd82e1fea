// The shared corpus of crafted documents (crypto/testdata/documents-v1.json)
// as the TypeScript reader sees it: the same construction as Go's
// crypto/corpus_test.go, so both readers get the same bytes.
import * as p from "../src/protocol.ts";

export interface CorpusCase {
  name: string;
  text?: string;
  replace?: Array<[string, string]>;
  expand?: Record<string, [string, number]>;
  hex_replace?: string[][];
  size?: number;
  pad?: string;
  expect?: Record<string, string | null>;
  verdict: "accept" | "reject";
  reason?: string;
  doc?: Record<string, unknown>;
}

export interface Corpus {
  base: string;
  mailbox: string;
  mk: string;
  from: string;
  cases: CorpusCase[];
}

const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

function indexOf(b: Uint8Array, sub: Uint8Array, last: boolean): number {
  const at = (i: number): boolean => sub.every((x, j) => b[i + j] === x);
  if (last) {
    for (let i = b.length - sub.length; i >= 0; i--) if (at(i)) return i;
  } else {
    for (let i = 0; i + sub.length <= b.length; i++) if (at(i)) return i;
  }
  return -1;
}

/** plaintext builds a case's bytes as the corpus's comment says. */
export function plaintext(c: Corpus, k: CorpusCase): Uint8Array {
  let text = k.text ?? c.base;
  for (const [oldS, newS] of k.replace ?? []) {
    const i = text.indexOf(oldS);
    if (i < 0) throw new Error(`corpus ${k.name}: ${JSON.stringify(oldS)} not found`);
    text = text.slice(0, i) + newS + text.slice(i + oldS.length);
  }
  for (const [marker, [s, n]] of Object.entries(k.expand ?? {})) {
    if (!text.includes(marker)) throw new Error(`corpus ${k.name}: ${marker} not found`);
    text = text.split(marker).join(s.repeat(n));
  }
  const js = new TextEncoder().encode(text);
  const size = k.size ?? 1024;
  if (js.length > size) throw new Error(`corpus ${k.name}: ${js.length} bytes do not fit in ${size}`);
  const pad = k.pad === undefined ? 0x20 : k.pad.charCodeAt(0);
  const b = new Uint8Array(size).fill(pad);
  b.set(js);
  for (const h of k.hex_replace ?? []) {
    const o = fromHex(h[0]!);
    const n = fromHex(h[1]!);
    const i = indexOf(b, o, h[2] === "last");
    if (i < 0 || o.length !== n.length) throw new Error(`corpus ${k.name}: hex ${h[0]} not found`);
    b.set(n, i);
  }
  return b;
}

/** expect is what the reader of a case knows. */
export function expect(c: Corpus, k: CorpusCase): p.Expect {
  const e = { mailbox: c.mailbox, from: c.from, mk: c.mk as string | null, ...(k.expect ?? {}) };
  return { mailbox: e.mailbox!, from: e.from!, mk: e.mk === null ? null : new Uint8Array(Buffer.from(e.mk, "base64")) };
}

/** fields is a read document as the corpus states it; dropped fields are "". */
export function fields(d: p.Document): Record<string, unknown> {
  return {
    v: d.v, type: d.type, mailbox: d.mailbox, id: d.id, mk: d.mk, from: d.from, name: d.name ?? "",
    sent: d.sent, lang: d.lang, body: d.body, role: d.role ?? "", recipient: d.recipient ?? "",
    attachments: (d.attachments ?? []).map((a) => ({ ...a })),
    handover: d.handover ? { ...d.handover } : null,
  };
}

/** verdict is "accept" or the reason of the reject, as Go's verdict. */
export function verdict(pt: Uint8Array, want: p.Expect): { verdict: string; doc?: Record<string, unknown> } {
  try {
    const d = p.checkDocument(pt, want);
    return { verdict: "accept", doc: fields(d) };
  } catch (e) {
    if (e instanceof p.RejectError) return { verdict: e.reason };
    return { verdict: "not a RejectError: " + String(e) };
  }
}
