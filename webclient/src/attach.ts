// Attachments in the browser (PROTOCOL.md §10): a file's bytes padded with
// zeros to an attachment bucket and sealed, like a message, to the team
// recipient the conversation pinned and to the enquirer; and the reader's
// check of a file someone sent: the plaintext is a bucket, the file fits
// it, and its first `size` bytes hash to the document's sha256. No DOM
// here; attachui.ts draws it.

import { Decrypter, Encrypter } from "age-encryption";
import { b64, equalBytes, MAX_ATTACHMENT_FILE, MAX_ATTACHMENTS, sha256, unb64, type Attachment } from "./protocol";

export { MAX_ATTACHMENT_FILE, MAX_ATTACHMENTS, type Attachment };

const KiB = 1024;
const MiB = 1024 * KiB;

/** ATTACHMENT_BUCKETS are the plaintext sizes of an attachment (§10), as
 * AttachmentBuckets in Go's crypto/attachment.go. */
export const ATTACHMENT_BUCKETS = [64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 8 * MiB] as const;
/** MAX_NAME is the longest file name a document carries, in characters. */
export const MAX_NAME = 128;

const CHUNK = 64 * KiB;
const AGE_INTRO = "age-encryption.org/v1\n";
const HYBRID_STANZA = "-> mlkem768x25519 ";
// One hybrid stanza: its opening line with the 1120-byte encapsulation in
// base64 (1494 characters), its body of a 32-byte key in base64 (43).
const STANZA_LEN = HYBRID_STANZA.length + 1494 + 1 + 43 + 1;
/** HEADER_LEN is the age header of two hybrid stanzas and the MAC line. */
export const HEADER_LEN = AGE_INTRO.length + 2 * STANZA_LEN + 4 + 43 + 1;

/** attachmentBucket is the smallest bucket that holds n bytes, or 0. */
export function attachmentBucket(n: number): number {
  return ATTACHMENT_BUCKETS.find((b) => b >= n) ?? 0;
}

/** ciphertextSize is the exact length of an attachment whose plaintext is
 * p bytes: header + 16 + P + 16 × ceil(P / 65536) (§10). */
export const ciphertextSize = (p: number): number => HEADER_LEN + 16 + p + 16 * Math.ceil(p / CHUNK);

/** MAX_ATTACHMENT_CIPHERTEXT bounds a download: an attachment of the
 * largest bucket. */
export const MAX_ATTACHMENT_CIPHERTEXT = ciphertextSize(MAX_ATTACHMENT_FILE);

/** padAttachment copies file into a zeroed buffer of its bucket. */
export function padAttachment(file: Uint8Array): Uint8Array<ArrayBuffer> {
  const size = attachmentBucket(file.length);
  if (size === 0) throw new RangeError("attachment: no bucket for " + file.length + " bytes");
  const out = new Uint8Array(size);
  out.set(file);
  return out;
}

/** Sealed is an attachment ready to upload and the reference for the
 * document once the server has named it. */
export interface Sealed {
  ciphertext: Uint8Array<ArrayBuffer>;
  ref: Omit<Attachment, "id">;
}

/** sealAttachment pads file and encrypts it to the team and the enquirer. */
export async function sealAttachment(
  file: Uint8Array<ArrayBuffer>, name: string, type: string, team: string, enquirer: string,
): Promise<Sealed> {
  return {
    ciphertext: await sealPadded(padAttachment(file), team, enquirer),
    ref: { name: safeName(name), type: safeType(type), size: file.length, sha256: b64(await sha256(file)) },
  };
}

/** sealPadded encrypts a padded attachment to the team and the enquirer
 * and zeroes it. */
async function sealPadded(pt: Uint8Array, team: string, enquirer: string): Promise<Uint8Array<ArrayBuffer>> {
  const e = new Encrypter();
  e.addRecipient(team);
  e.addRecipient(enquirer);
  let ct: Uint8Array;
  try {
    ct = await e.encrypt(pt);
  } finally {
    pt.fill(0);
  }
  // The server refuses anything else (§10); a wrong one here is ours.
  if (!policyShape(ct)) throw new Error("attachment: sealed ciphertext is not the policy's");
  return ct as Uint8Array<ArrayBuffer>;
}

/**
 * resealAttachment opens an attachment sealed to the enquirer and seals
 * its plaintext unchanged, padding and all, to team and the enquirer: the
 * enquirer's device forwarding it in a handover (PROTOCOL.md §9.3). The
 * result has the same length. It throws AttachmentCheckError("tampered")
 * for one that does not open.
 */
export async function resealAttachment(ct: Uint8Array, identity: string, team: string, enquirer: string): Promise<Uint8Array<ArrayBuffer>> {
  return sealPadded(await decrypt(ct, identity), team, enquirer);
}

/** decrypt opens an attachment of the policy's shape, or throws
 * AttachmentCheckError("tampered"). */
async function decrypt(ct: Uint8Array, identity: string): Promise<Uint8Array> {
  if (!policyShape(ct)) throw new AttachmentCheckError("tampered");
  try {
    const d = new Decrypter();
    d.addIdentity(identity);
    return await d.decrypt(ct);
  } catch {
    throw new AttachmentCheckError("tampered");
  }
}

function startsWith(b: Uint8Array, at: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** policyShape: binary age with exactly two hybrid stanzas and a plaintext
 * of one attachment bucket, told by the length, which the policy fixes
 * (§10). The stanzas' contents are age's to check when it decrypts. */
export function policyShape(ct: Uint8Array): boolean {
  if (!ATTACHMENT_BUCKETS.some((p) => ct.length === ciphertextSize(p))) return false;
  return startsWith(ct, 0, AGE_INTRO) &&
    startsWith(ct, AGE_INTRO.length, HYBRID_STANZA) &&
    startsWith(ct, AGE_INTRO.length + STANZA_LEN, HYBRID_STANZA) &&
    startsWith(ct, AGE_INTRO.length + 2 * STANZA_LEN, "--- ") &&
    ct[HEADER_LEN - 1] === 0x0a;
}

/** AttachmentCheckError: the file is not the one the document describes
 * (changed, cut short, or not decryptable). The reason is for tests and
 * logs of our own, never shown with data. */
export class AttachmentCheckError extends Error {
  constructor(readonly reason: string) {
    super("attachment: " + reason);
  }
}

/**
 * openAttachment decrypts ct with identity and checks it against ref, by
 * the reader rules of §10 as OpenAttachment in Go's crypto/attachment.go:
 * long enough for the bucket of ref.size (else "truncated"), the policy's
 * shape and age's authentication (else "tampered"), ref.size within the
 * plaintext and its first ref.size bytes hashing to ref.sha256 (else
 * "mismatch"), zeros after them ("tampered"). It returns a copy of the
 * file and zeroes the plaintext.
 */
export async function openAttachment(ct: Uint8Array, identity: string, ref: Attachment): Promise<Uint8Array<ArrayBuffer>> {
  const want = unb64(ref.sha256);
  const bucket = attachmentBucket(ref.size);
  if (!want || want.length !== 32 || !Number.isSafeInteger(ref.size) || ref.size < 0 || bucket === 0) {
    throw new AttachmentCheckError("mismatch");
  }
  if (ct.length < ciphertextSize(bucket)) throw new AttachmentCheckError("truncated");
  const pt = await decrypt(ct, identity);
  try {
    if (ref.size > pt.length) throw new AttachmentCheckError("mismatch");
    const file = pt.slice(0, ref.size);
    if (!equalBytes(await sha256(file), want)) {
      file.fill(0);
      throw new AttachmentCheckError("mismatch");
    }
    for (let i = ref.size; i < pt.length; i++) {
      if (pt[i] !== 0) {
        file.fill(0);
        throw new AttachmentCheckError("tampered");
      }
    }
    return file;
  } finally {
    pt.fill(0);
  }
}

// ---- names and types ---------------------------------------------------------

const TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;

/** safeType is the file's media type in lower case if it is one, else
 * application/octet-stream. */
export function safeType(type: string): string {
  const t = type.toLowerCase();
  return TYPE.test(t) ? t : "application/octet-stream";
}

/** safeName keeps a file name as the team may read it: without control,
 * format and bidi characters (which could make "gpj.exe" read as
 * "exe.jpg"), without folders, at most MAX_NAME characters, never empty. */
export function safeName(name: string): string {
  let s = name.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, "").replace(/[\\/]/g, "_").trim();
  const chars = [...s];
  if (chars.length > MAX_NAME) {
    const dot = s.lastIndexOf(".");
    const ext = dot > 0 && s.length - dot <= 10 ? s.slice(dot) : "";
    s = chars.slice(0, MAX_NAME - [...ext].length).join("") + ext;
  }
  return s === "" ? "file" : s;
}

const EXTENSIONS: Record<string, string> = {
  "application/pdf": "pdf",
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "image/heic": "heic",
  "image/heif": "heif",
  "text/plain": "txt",
  "application/msword": "doc",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.ms-excel": "xls",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "application/vnd.oasis.opendocument.text": "odt",
  "application/vnd.oasis.opendocument.spreadsheet": "ods",
};

/** neutralName is the name a file is saved under on this device: "file-"
 * and its number, and an extension chosen by its type from a fixed list.
 * The sender's name never reaches the file system, where it could be
 * seen by someone looking through the phone's downloads. */
export function neutralName(type: string, n: number): string {
  return `file-${n}.${EXTENSIONS[type.toLowerCase()] ?? "bin"}`;
}
