// Attachments in the browser (PROTOCOL.md §10): padding to the buckets, the
// sealed length the policy fixes, and the reader's verdicts on a file that
// was changed, cut short or swapped, as Go's crypto.OpenAttachment gives
// them; file names and types made safe, saved under a neutral name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Encrypter, generateHybridIdentity, identityToRecipient } from "age-encryption";
import * as a from "../src/attach.ts";
import { b64, sha256, unb64 } from "../src/protocol.ts";

const KiB = 1024;

async function keys(): Promise<{ team: string; own: string; teamId: string; ownId: string }> {
  const teamId = await generateHybridIdentity();
  const ownId = await generateHybridIdentity();
  return { teamId, ownId, team: await identityToRecipient(teamId), own: await identityToRecipient(ownId) };
}

function file(n: number, seed = 1): Uint8Array<ArrayBuffer> {
  const f = new Uint8Array(n);
  for (let i = 0; i < n; i++) f[i] = (i * 31 + seed) & 0xff;
  return f;
}

test("attach: each size goes to the smallest bucket that holds it", () => {
  const cases: Array<[number, number]> = [
    [0, 64 * KiB], [1, 64 * KiB], [64 * KiB, 64 * KiB], [64 * KiB + 1, 256 * KiB],
    [1024 * KiB, 1024 * KiB], [4096 * KiB + 1, 8192 * KiB], [8192 * KiB, 8192 * KiB], [8192 * KiB + 1, 0],
  ];
  for (const [n, want] of cases) assert.equal(a.attachmentBucket(n), want, `${n} bytes`);
  const p = a.padAttachment(file(100));
  assert.equal(p.length, 64 * KiB);
  assert.deepEqual(p.subarray(0, 100), file(100));
  assert.ok(p.subarray(100).every((x) => x === 0), "the padding is zero bytes");
  assert.throws(() => a.padAttachment(new Uint8Array(8192 * KiB + 1)), RangeError);
});

test("attach: sealed to two recipients, of the exact length the policy fixes; both can open it", async () => {
  const k = await keys();
  for (const n of [1, 64 * KiB + 1, 300 * KiB]) {
    const f = file(n);
    const s = await a.sealAttachment(f, "Vertrag.pdf", "application/pdf", k.team, k.own);
    assert.equal(s.ciphertext.length, a.ciphertextSize(a.attachmentBucket(n)), `${n} bytes`);
    assert.ok(a.policyShape(s.ciphertext));
    assert.equal(s.ref.size, n);
    assert.equal(s.ref.sha256, b64(await sha256(f)));
    const ref = { id: "A".repeat(22), ...s.ref };
    for (const id of [k.teamId, k.ownId]) assert.deepEqual(await a.openAttachment(s.ciphertext, id, ref), f);
  }
});

test("attach: the reader refuses what its reference does not describe", async () => {
  const k = await keys();
  const f = file(70 * KiB); // the 256 KiB bucket
  const s = await a.sealAttachment(f, "a.pdf", "application/pdf", k.team, k.own);
  const ref = { id: "A".repeat(22), ...s.ref };
  const small = await a.sealAttachment(file(10), "b.pdf", "application/pdf", k.team, k.own);
  const flipped = s.ciphertext.slice();
  flipped[flipped.length - 100]! ^= 1;
  // A third recipient: a well-formed age file the policy refuses.
  const e = new Encrypter();
  for (const r of [k.team, k.own, (await keys()).team]) e.addRecipient(r);
  const three = await e.encrypt(a.padAttachment(f));
  // Non-zero padding: a second file hidden behind the first.
  const padded = a.padAttachment(f);
  padded[padded.length - 1] = 1;
  const e2 = new Encrypter();
  e2.addRecipient(k.team);
  e2.addRecipient(k.own);
  const hidden = await e2.encrypt(padded);
  const other = await sha256(file(70 * KiB, 2));
  const cases: Array<[string, Uint8Array, typeof ref, string]> = [
    ["a byte changed", flipped, ref, "tampered"],
    ["cut short", s.ciphertext.subarray(0, s.ciphertext.length - 1), ref, "truncated"],
    ["a smaller file's ciphertext", small.ciphertext, ref, "truncated"],
    ["another file's hash", s.ciphertext, { ...ref, sha256: b64(other) }, "mismatch"],
    ["a size one byte short", s.ciphertext, { ...ref, size: ref.size - 1 }, "mismatch"],
    ["a size beyond the largest bucket", s.ciphertext, { ...ref, size: 8192 * KiB + 1 }, "mismatch"],
    ["a malformed hash", s.ciphertext, { ...ref, sha256: "x" }, "mismatch"],
    ["padding that is not zero", hidden, ref, "tampered"],
    ["a trailing byte", new Uint8Array([...s.ciphertext, 0]), ref, "tampered"],
    ["three recipients", three, ref, "tampered"],
  ];
  for (const [what, ct, r, reason] of cases) {
    await assert.rejects(a.openAttachment(ct, k.ownId, r), (err: unknown) =>
      err instanceof a.AttachmentCheckError && err.reason === reason, what);
  }
});

test("attach: names keep no control or direction characters and no folders; types are media types", () => {
  assert.equal(a.safeName("Vertrag.pdf"), "Vertrag.pdf");
  assert.equal(a.safeName("rechnung\u202Efdp.exe"), "rechnungfdp.exe");
  assert.equal(a.safeName("../../etc/passwd"), ".._.._etc_passwd");
  assert.equal(a.safeName("a\u0000b\nc"), "abc");
  assert.equal(a.safeName("  "), "file");
  const long = a.safeName("x".repeat(300) + ".docx");
  assert.equal([...long].length, 128);
  assert.ok(long.endsWith(".docx"));
  assert.equal(a.safeType("Application/PDF"), "application/pdf");
  assert.equal(a.safeType(""), "application/octet-stream");
  assert.equal(a.safeType("text/html; charset=utf-8"), "application/octet-stream");
});

test("attach: files are saved under a neutral name chosen by type", () => {
  assert.equal(a.neutralName("application/pdf", 1), "file-1.pdf");
  assert.equal(a.neutralName("image/jpeg", 2), "file-2.jpg");
  assert.equal(a.neutralName("text/html", 3), "file-3.bin");
  assert.equal(a.neutralName("application/x-msdownload", 4), "file-4.bin");
});

// The known answers Go's readers give (crypto/testdata/attachment-v1.json,
// crypto/attachment_vectors_test.go): this reader must reach each verdict.
test("attach: the shared vectors, with Go's verdicts", async () => {
  const v = JSON.parse(readFileSync(new URL("../../crypto/testdata/attachment-v1.json", import.meta.url), "utf8")) as {
    identity: string; file_base64: string; size: number; sha256: string; ciphertext_base64: string;
    dirty_padding_ciphertext_base64: string;
    cases: Array<{ name: string; verdict: string; cut?: number; flip?: number; append?: number; dirty?: boolean; size?: number; sha256?: string }>;
  };
  const ct = unb64(v.ciphertext_base64)!;
  const file = unb64(v.file_base64)!;
  assert.ok(v.cases.length >= 10);
  for (const c of v.cases) {
    let b: Uint8Array = c.dirty ? unb64(v.dirty_padding_ciphertext_base64)! : ct.slice();
    if (c.cut !== undefined) b = b.subarray(0, c.cut);
    if (c.flip !== undefined) b[c.flip]! ^= 1;
    if (c.append !== undefined) b = new Uint8Array([...b, ...new Uint8Array(c.append)]);
    const ref = { id: "A".repeat(22), name: "f", type: "application/pdf", size: c.size ?? v.size, sha256: c.sha256 ?? v.sha256 };
    if (c.verdict === "ok") {
      assert.deepEqual(await a.openAttachment(b, v.identity, ref), file, c.name);
      continue;
    }
    await assert.rejects(a.openAttachment(b, v.identity, ref), (err: unknown) =>
      err instanceof a.AttachmentCheckError && err.reason === c.verdict, c.name);
  }
});
