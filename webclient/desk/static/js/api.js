// @ts-check
// The page talks only to the local counsel process. The token from the
// URL fragment goes in the X-Lotse-Desk header of every request.

/** @type {string} */
let token = "";

/** Reads the token from the fragment (then removes it) or this tab's storage. */
export function initToken() {
  const m = /(?:^#|&)t=([A-Za-z0-9_-]{43})(?:&|$)/.exec(location.hash);
  if (m && m[1]) {
    token = m[1];
    sessionStorage.setItem("lotse-desk-token", token);
    history.replaceState(null, "", "/");
  } else {
    token = sessionStorage.getItem("lotse-desk-token") || "";
  }
  return token !== "";
}

/** An error answer of the desk. */
export class DeskError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {string} [hint]
   * @param {string} [messageDE] what counsel said, in German
   */
  constructor(status, code, message, hint, messageDE) {
    super(message);
    this.status = status;
    this.code = code;
    this.hint = hint || "";
    this.messageDE = messageDE || "";
  }
}

/** @type {(err: DeskError) => void} */
let onError = () => {};

/** @param {(err: DeskError) => void} f called for every error answer */
export function setErrorHandler(f) {
  onError = f;
}

/**
 * One JSON request.
 * @param {string} method
 * @param {string} path below /api/
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function call(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { "X-Lotse-Desk": token };
  /** @type {RequestInit} */
  const init = { method, headers, cache: "no-store", credentials: "omit" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(`/api/${path}`, init);
  } catch {
    const err = new DeskError(0, "network", "network");
    onError(err);
    throw err;
  }
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const err = new DeskError(resp.status, data.error || "failed", data.message || resp.statusText, data.hint, data.message_de);
    onError(err);
    throw err;
  }
  return data;
}

/**
 * Follows the desk's event stream with fetch (it needs the header) and
 * calls handler for each event; reconnects after a pause.
 * @param {(name: string, data: any) => void} handler
 */
export async function follow(handler) {
  for (;;) {
    try {
      const resp = await fetch("/api/events", { headers: { "X-Lotse-Desk": token }, cache: "no-store", credentials: "omit" });
      if (resp.status === 401) {
        handler("token", {});
        return;
      }
      if (!resp.ok || !resp.body) throw new Error(String(resp.status));
      handler("connected", {});
      const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let name = "message";
          let data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) name = line.slice(7);
            else if (line.startsWith("data: ")) data += line.slice(6);
          }
          if (data) {
            try {
              handler(name, JSON.parse(data));
            } catch {
              /* ignore a malformed event */
            }
          }
        }
      }
    } catch {
      /* reconnect below */
    }
    handler("disconnected", {});
    await new Promise((r) => setTimeout(r, 2000));
  }
}
