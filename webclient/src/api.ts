// The enquirer's half of the HTTP API (PROTOCOL.md §6), over fetch. Secrets
// travel only in the Authorization header and bodies, never in a URL.
import { b64, unb64 } from "./protocol";

export class ApiError extends Error {
  constructor(
    readonly status: number, // 0: the server could not be reached
    readonly code: string,
    readonly retryAfter = 0,
  ) {
    super(`${status} ${code}`);
  }
}

const API = "/api/v1";

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
    const code = typeof (data as { error?: unknown })?.error === "string" ? (data as { error: string }).error : "http_" + resp.status;
    throw new ApiError(resp.status, code, Number(resp.headers.get("Retry-After")) || 0);
  }
  return data as T;
}

export interface Team {
  epoch: number;
  recipient: string;
  fingerprint: string;
}
export interface Pow {
  challenge: Uint8Array;
  difficulty: number;
}
export interface StoredMessage {
  seq: number;
  from: string;
  ciphertext: Uint8Array;
}
export interface Mailbox {
  id: string;
  status: string;
  created: string;
  expires: string;
  messages: StoredMessage[];
}

function bytes(s: unknown): Uint8Array {
  const b = typeof s === "string" ? unb64(s) : null;
  if (!b) throw new ApiError(500, "malformed_response");
  return b;
}

export const team = (): Promise<Team> => call<Team>("GET", "/team");

export async function pow(): Promise<Pow> {
  const p = await call<{ challenge: string; difficulty: number }>("GET", "/pow");
  return { challenge: bytes(p.challenge), difficulty: p.difficulty };
}

export function createMailbox(body: { id: string; verifier: Uint8Array; epoch: number; message: Uint8Array; pow?: { challenge: Uint8Array; nonce: Uint8Array } }): Promise<{ seq: number; expires: string }> {
  return call("POST", "/mailboxes", {
    body: {
      id: body.id,
      verifier: b64(body.verifier),
      epoch: body.epoch,
      message: b64(body.message),
      ...(body.pow ? { pow: { challenge: b64(body.pow.challenge), nonce: b64(body.pow.nonce) } } : {}),
    },
  });
}

export async function mailbox(token: string, after = 0): Promise<Mailbox> {
  const m = await call<{ id: string; status: string; created: string; expires: string; messages: Array<{ seq: number; from: string; ciphertext: string }> | null }>(
    "GET", "/mailbox" + (after ? "?after=" + after : ""), { token });
  return { ...m, messages: (m.messages ?? []).map((x) => ({ seq: x.seq, from: x.from, ciphertext: bytes(x.ciphertext) })) };
}

export const postMessage = (token: string, epoch: number, ciphertext: Uint8Array): Promise<{ seq: number }> =>
  call("POST", "/mailbox/messages", { token, body: { epoch, ciphertext: b64(ciphertext) } });

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
          const d = JSON.parse(line.slice(5)) as { seq?: unknown };
          if (typeof d.seq === "number") onMessage(d.seq);
        } catch {
          // Not ours to show; the next fetch catches up anyway.
        }
      }
    }
  }
}
