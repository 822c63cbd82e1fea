// The attachment calls of the enquirer's half of the HTTP API (PROTOCOL.md
// §10), apart from api.ts because only the attachment script
// (attachchunk.ts) needs them: uploads with progress, downloads read to a
// bound with progress.
import { API, ApiError, handoverPath } from "./api";
import { MAX_ATTACHMENT_CIPHERTEXT, resealAttachment } from "./attach";
import type * as wire from "./wire";

/** Progress reports bytes done of total (0 while the total is unknown). */
export type Progress = (done: number, total: number) => void;

/** ATTACHMENT_ID is an attachment id (domain.ParseAttachmentID: 16 bytes
 * in unpadded base64url); it goes into a URL path, so nothing else may pass. */
const ATTACHMENT_ID = /^[A-Za-z0-9_-]{21}[AQgw]$/;

/**
 * uploadAttachment posts a sealed attachment and returns the server's id.
 * XMLHttpRequest, not fetch: only it reports upload progress over HTTP/1.1.
 */
export function uploadAttachment(token: string, ciphertext: Uint8Array<ArrayBuffer>, onProgress: Progress): Promise<string> {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open("POST", API + "/mailbox/attachments");
    x.setRequestHeader("Authorization", "Bearer " + token);
    x.setRequestHeader("Content-Type", "application/octet-stream");
    x.withCredentials = false;
    x.responseType = "text";
    x.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : 0);
    x.onerror = () => reject(new ApiError(0, "unreachable"));
    x.onabort = () => reject(new ApiError(0, "unreachable"));
    x.onload = () => {
      let data: unknown = null;
      try {
        data = JSON.parse(x.responseText);
      } catch {
        // A proxy's page; the status says enough.
      }
      const body = data as Partial<Record<keyof wire.UploadedAttachment | keyof wire.ErrorBody, unknown>> | null;
      if (x.status === 201 && typeof body?.id === "string" && ATTACHMENT_ID.test(body.id)) return resolve(body.id);
      if (x.status >= 200 && x.status < 300) return reject(new ApiError(500, "malformed_response"));
      const code = typeof body?.error === "string" ? body.error : "http_" + x.status;
      reject(new ApiError(x.status, code, Number(x.getResponseHeader("Retry-After")) || 0));
    };
    x.send(ciphertext);
  });
}

/** attachment downloads a sealed attachment, reading at most max bytes. */
export async function attachment(token: string, id: string, max: number, onProgress: Progress): Promise<Uint8Array<ArrayBuffer>> {
  if (!ATTACHMENT_ID.test(id)) throw new ApiError(404, "not_found");
  let resp: Response;
  try {
    resp = await fetch(API + "/mailbox/attachments/" + id, {
      headers: { Authorization: "Bearer " + token },
      cache: "no-store", credentials: "omit", redirect: "error", referrerPolicy: "no-referrer",
    });
  } catch {
    throw new ApiError(0, "unreachable");
  }
  if (!resp.ok || !resp.body) throw new ApiError(resp.status, await errorCode(resp));
  const announced = Number(resp.headers.get("Content-Length")) || 0;
  const total = announced > 0 && announced <= max ? announced : 0;
  const out = new Uint8Array(total || max);
  let n = 0;
  const reader = resp.body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (n + value.length > out.length) {
      await reader.cancel();
      out.fill(0);
      throw new ApiError(413, "too_large");
    }
    out.set(value, n);
    n += value.length;
    onProgress(n, total);
  }
  return out.slice(0, n);
}

/**
 * forwardAttachment is one file of a handover (PROTOCOL.md §9.3):
 * download attachment id, seal it again to team and the enquirer, and
 * upload it raw into the handover's upload under the same id.
 */
export async function forwardAttachment(s: { token: string; identity: string; recipient: string }, upload: string, id: string, team: string): Promise<void> {
  const ct = await attachment(s.token, id, MAX_ATTACHMENT_CIPHERTEXT, () => {});
  const body = await resealAttachment(ct, s.identity, team, s.recipient);
  let resp: Response;
  try {
    resp = await fetch(API + handoverPath(upload) + "/attachments/" + id, {
      method: "PUT", body, headers: { Authorization: "Bearer " + s.token, "Content-Type": "application/octet-stream" },
      cache: "no-store", credentials: "omit", redirect: "error", referrerPolicy: "no-referrer",
    });
  } catch {
    throw new ApiError(0, "unreachable");
  }
  if (resp.ok) return;
  throw new ApiError(resp.status, await errorCode(resp), Number(resp.headers.get("Retry-After")) || 0);
}

/** errorCode is the error code of a refusal, or http_<status>. */
async function errorCode(resp: Response): Promise<string> {
  try {
    const body = (await resp.json()) as Partial<wire.ErrorBody>;
    if (typeof body.error === "string") return body.error;
  } catch {
    // no JSON: the status says enough
  }
  return "http_" + resp.status;
}
