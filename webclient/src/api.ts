// The enquirer's half of the HTTP API (PROTOCOL.md §6), over fetch. Secrets
// travel only in the Authorization header and bodies, never in a URL.
import { b64, unb64, validSlug } from "./protocol";
import type * as wire from "./wire";

export class ApiError extends Error {
  constructor(
    readonly status: number, // 0: the server could not be reached
    readonly code: string,
    readonly retryAfter = 0,
  ) {
    super(`${status} ${code}`);
  }
}

export const API = "/api/v1";

async function call<T>(method: string, path: string, opts: { token?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (opts.token) headers["Authorization"] = "Bearer " + opts.token;
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  let resp: Response;
  try {
    resp = await fetch(API + path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      cache: "no-store",
      credentials: "omit",
      redirect: "error",
      referrerPolicy: "no-referrer",
      signal: opts.signal,
    });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    throw new ApiError(0, "unreachable");
  }
  if (resp.status === 204) return undefined as T;
  let data: unknown = null;
  try {
    data = await resp.json();
  } catch {
    // A proxy's error page; the status says enough.
  }
  if (!resp.ok) {
    const body = data as Partial<wire.ErrorBody> | null;
    const code = typeof body?.error === "string" ? body.error : "http_" + resp.status;
    throw new ApiError(resp.status, code, Number(resp.headers.get("Retry-After")) || 0);
  }
  return data as T;
}

// The bodies are wire.ts's, generated from the server's Go types; the
// client sees their base64 fields decoded.
type Decoded<T, K extends keyof T> = Omit<T, K> & { [P in K]: Uint8Array };

export type Team = wire.Team;
export type Pow = Decoded<wire.Pow, "challenge">;
export type StoredMessage = Decoded<wire.Message, "ciphertext">;
export type Mailbox = Omit<wire.Mailbox, "messages"> & { messages: StoredMessage[] };
export type NewMailbox = Decoded<Omit<wire.NewMailbox, "pow">, "verifier" | "message"> & {
  pow?: Decoded<wire.PowSolution, "challenge" | "nonce">;
};

function bytes(s: unknown): Uint8Array {
  const b = typeof s === "string" ? unb64(s) : null;
  if (!b) throw new ApiError(500, "malformed_response");
  return b;
}

// The organisation this page writes to (PROTOCOL.md §8): "" for the
// front door at /, the slug of /o/<slug>/ otherwise. The server serves
// /o/<slug>/ only for an organisation it has.
let org = "";

export function orgFromPath(path: string): string {
  const m = /^\/o\/([^/]+)\/[^/]*$/.exec(path);
  return m && validSlug(m[1]) ? m[1] : "";
}

export function setOrg(slug: string): void {
  org = slug;
}

/** team is the team key of organisation slug: by default the page's, and
 * once a conversation is open, its mailbox's (which a handover changes). */
export function team(slug = ""): Promise<Team> {
  const o = slug || org;
  return call<wire.Team>("GET", "/team" + (o ? "?org=" + encodeURIComponent(o) : ""));
}

export async function pow(): Promise<Pow> {
  const p = await call<wire.Pow>("GET", "/pow");
  return { ...p, challenge: bytes(p.challenge) };
}

export function createMailbox(m: NewMailbox): Promise<wire.CreatedMailbox> {
  const body: wire.NewMailbox = {
    id: m.id,
    verifier: b64(m.verifier),
    epoch: m.epoch,
    message: b64(m.message),
    ...(m.pow ? { pow: { challenge: b64(m.pow.challenge), nonce: b64(m.pow.nonce) } } : {}),
    ...(org ? { org } : {}),
  };
  return call("POST", "/mailboxes", { body });
}

export async function mailbox(token: string, after = 0): Promise<Mailbox> {
  const m = await call<wire.Mailbox>("GET", "/mailbox" + (after ? "?after=" + after : ""), { token });
  // The server never sends null, but a proxy's answer is not the server's.
  const msgs: wire.Message[] = m.messages ?? [];
  return { ...m, messages: msgs.map((x) => ({ seq: x.seq, from: x.from, ciphertext: bytes(x.ciphertext) })) };
}

/** allMessages reads every message of the mailbox, page by page until an
 * empty one, in seq order. */
export async function allMessages(token: string): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  let after = 0;
  for (;;) {
    const page = (await mailbox(token, after)).messages;
    if (page.length === 0) return out;
    for (const m of page) {
      if (m.seq <= after) throw new ApiError(500, "malformed_response");
      out.push(m);
      after = m.seq;
    }
  }
}

export function postMessage(token: string, epoch: number, ciphertext: Uint8Array, attachments: string[] = []): Promise<wire.Posted> {
  const body: wire.NewMessage = { epoch, ciphertext: b64(ciphertext), ...(attachments.length ? { attachments } : {}) };
  return call("POST", "/mailbox/messages", { token, body });
}

// Consented handover (PROTOCOL.md §9.3). The upload's id goes into
// URL paths, so nothing else may pass.
const UPLOAD_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** handoverPath is the path of upload, which startHandover checked. */
export function handoverPath(upload: string): string {
  if (!UPLOAD_ID.test(upload)) throw new ApiError(404, "not_found");
  return "/mailbox/handover/" + upload;
}

/** declineHandover is the enquirer's no to the open offer. */
export const declineHandover = (token: string): Promise<void> => call("DELETE", "/mailbox/handover", { token });

/** startHandover opens the upload of the re-sealed conversation. */
export async function startHandover(token: string, body: wire.HandoverStart): Promise<string> {
  const u = await call<Partial<wire.HandoverUpload> | null>("POST", "/mailbox/handover", { token, body });
  if (typeof u?.upload !== "string" || !UPLOAD_ID.test(u.upload)) throw new ApiError(500, "malformed_response");
  return u.upload;
}

export function putHandoverMessage(token: string, upload: string, seq: number, ciphertext: Uint8Array): Promise<void> {
  const body: wire.HandoverMessage = { ciphertext: b64(ciphertext) };
  return call("PUT", `${handoverPath(upload)}/${seq}`, { token, body });
}

/** commitHandover moves the mailbox and returns the organisation it now
 * belongs to. */
export async function commitHandover(token: string, upload: string): Promise<string> {
  const d = await call<Partial<wire.HandoverDone> | null>("POST", handoverPath(upload) + "/commit", { token });
  if (!validSlug(d?.org)) throw new ApiError(500, "malformed_response");
  return d.org;
}

export const deleteMailbox = (token: string): Promise<void> => call("DELETE", "/mailbox", { token });

/** events reads the mailbox's event stream with fetch (EventSource cannot
 * send the header) and calls onMessage for each new seq. It resolves when
 * the stream ends; it rejects with ApiError on an error status. */
export async function events(token: string, signal: AbortSignal, onMessage: (seq: number) => void): Promise<void> {
  let resp: Response;
  try {
    resp = await fetch(API + "/mailbox/events", {
      headers: { Authorization: "Bearer " + token, Accept: "text/event-stream" },
      cache: "no-store", credentials: "omit", redirect: "error", referrerPolicy: "no-referrer", signal,
    });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new ApiError(0, "unreachable");
  }
  if (!resp.ok || !resp.body) throw new ApiError(resp.status, "http_" + resp.status);
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  let event = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    if (buf.length > 65536) throw new ApiError(0, "stream_too_long");
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i).replace(/\r$/, "");
      buf = buf.slice(i + 1);
      if (line === "") event = "";
      else if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:") && event === "message") {
        try {
          const d = JSON.parse(line.slice(5)) as Partial<Record<keyof wire.MessageEvent, unknown>>;
          if (typeof d.seq === "number") onMessage(d.seq);
        } catch {
          // Not ours to show; the next fetch catches up anyway.
        }
      }
    }
  }
}
