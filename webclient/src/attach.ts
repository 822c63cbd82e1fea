// Attachments in the browser (PROTOCOL.md §10): a file's bytes padded with
// zeros to an attachment bucket and sealed, like a message, to the team
// recipient the conversation pinned and to the enquirer; and the reader's
// check of a file someone sent: the plaintext is a bucket, the file fits
// it, and its first `size` bytes hash to the document's sha256. No DOM
// here; attachui.ts draws it.

import { Decrypter, Encrypter } from "age-encryption";
import { b64, equalBytes, sha256, unb64 } from "./protocol";

const KiB = 1024;
const MiB = 1024 * KiB;

/** ATTACHMENT_BUCKETS are the plaintext sizes of an attachment (§10). */
export const ATTACHMENT_BUCKETS = [64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 8 * MiB] as const;
/** MAX_ATTACHMENT is the largest file that fits a bucket. */
export const MAX_ATTACHMENT = 8 * MiB;
/** MAX_ATTACHMENTS is how many files one message document may carry. */
export const MAX_ATTACHMENTS = 5;
/** MAX_ATTACHMENT_CIPHERTEXT bounds a download: the largest bucket and
 * room for the age header and the chunks' tags (the server's body limit). */
export const MAX_ATTACHMENT_CIPHERTEXT = 8 * MiB + 64 * KiB;
/** MAX_NAME is the longest file name a document carries, in characters. */
export const MAX_NAME = 128;

const CHUNK = 64 * KiB;

/** AttachmentRef is what a message document says about one attachment. */
export interface AttachmentRef {
  id: string;
  name: string;
  type: string;
  size: number;
  sha256: string; // standard base64 of the file's SHA-256
}

/** attachmentBucket is the smallest bucket that holds n bytes, or 0. */
export function attachmentBucket(n: number): number {
  return ATTACHMENT_BUCKETS.find((b) => b >= n) ?? 0;
}

/** ciphertextSize is the length of the sealed attachment of a plaintext of
 * p bytes after an age header of header bytes: the nonce, the payload and
 * one 16-byte tag per 64 KiB chunk (§10). */
export const ciphertextSize = (header: number, p: number): number => header + 16 + p + 16 * Math.ceil(p / CHUNK);

/** padAttachment copies file into a zeroed buffer of its bucket. */
export function padAttachment(file: Uint8Array): Uint8Array<ArrayBuffer> {
  const size = attachmentBucket(file.length);
  if (size === 0 || file.length === 0) throw new RangeError("attachment: no bucket for " + file.length + " bytes");
  const out = new Uint8Array(size);
  out.set(file);
  return out;
}

/** Sealed is an attachment ready to upload and the reference for the
 * document once the server has named it. */
export interface Sealed {
  ciphertext: Uint8Array<ArrayBuffer>;
  ref: Omit<AttachmentRef, "id">;
}

/** sealAttachment pads file and encrypts it to the team and the enquirer. */
export async function sealAttachment(
  file: Uint8Array<ArrayBuffer>, name: string, type: string, team: string, enquirer: string,
): Promise<Sealed> {
  const pt = padAttachment(file);
  const e = new Encrypter();
  e.addRecipient(team);
  e.addRecipient(enquirer);
  let ct: Uint8Array;
  try {
    ct = await e.encrypt(pt);
  } finally {
    pt.fill(0);
  }
  // The server refuses any other length (§10); a wrong one here is ours.
  const header = headerLength(ct);
  if (header < 0 || ct.length !== ciphertextSize(header, pt.length)) throw new Error("attachment: sealed length is not the policy's");
  return {
    ciphertext: ct as Uint8Array<ArrayBuffer>,
    ref: { name: safeName(name), type: safeType(type), size: file.length, sha256: b64(await sha256(file)) },
  };
}

/** headerLength finds the end of the age header ("\n--- " and a 43-byte
 * MAC line), or -1. */
function headerLength(ct: Uint8Array): number {
  const limit = Math.min(ct.length, 16 * KiB);
  for (let i = 0; i + 5 < limit; i++) {
    if (ct[i] === 0x0a && ct[i + 1] === 0x2d && ct[i + 2] === 0x2d && ct[i + 3] === 0x2d && ct[i + 4] === 0x20) {
      const end = i + 5 + 43;
      return ct[end] === 0x0a ? end + 1 : -1;
    }
  }
  return -1;
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
 * openAttachment decrypts ct with identity and checks it against ref
 * (§10): the plaintext is one attachment bucket, ref.size fits it, and its
 * first ref.size bytes hash to ref.sha256. It returns a copy of exactly
 * those bytes and zeroes the plaintext.
 */
export async function openAttachment(ct: Uint8Array, identity: string, ref: AttachmentRef): Promise<Uint8Array<ArrayBuffer>> {
  const want = unb64(ref.sha256);
  if (!want || want.length !== 32) throw new AttachmentCheckError("malformed sha256");
  if (!Number.isSafeInteger(ref.size) || ref.size < 1 || ref.size > MAX_ATTACHMENT) throw new AttachmentCheckError("size out of range");
  if (ct.length > MAX_ATTACHMENT_CIPHERTEXT) throw new AttachmentCheckError("too long");
  let pt: Uint8Array;
  try {
    const d = new Decrypter();
    d.addIdentity(identity);
    pt = await d.decrypt(ct);
  } catch {
    throw new AttachmentCheckError("cannot be decrypted");
  }
  try {
    if (!(ATTACHMENT_BUCKETS as readonly number[]).includes(pt.length)) throw new AttachmentCheckError("not a bucket size");
    if (ref.size > pt.length) throw new AttachmentCheckError("size larger than the bucket");
    const file = pt.slice(0, ref.size);
    if (!equalBytes(await sha256(file), want)) {
      file.fill(0);
      throw new AttachmentCheckError("sha256 differs");
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
