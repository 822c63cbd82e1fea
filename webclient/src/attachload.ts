// Loading the attachment script (attachchunk.ts) when the page first needs
// it: once, under Trusted Types, with the app's shared modules handed over
// first. Until it is there, the page draws an empty place for it.
import { Decrypter, Encrypter } from "age-encryption";
import { API, ApiError, handoverPath } from "./api";
import type { AttachChunk } from "./attachchunk";
import { h } from "./dom";
import { b64, equalBytes, MAX_ATTACHMENT_FILE, MAX_ATTACHMENTS, sha256, unb64 } from "./protocol";

interface TTPolicy {
  createScriptURL(s: string): unknown;
}

let loading: Promise<AttachChunk> | null = null;
let loaded: AttachChunk | null = null;

/** attachChunk is the loaded script, or null while it is not there yet. */
export const attachChunk = (): AttachChunk | null => loaded;

/** withAttach draws with the script: at once if it is there, else an empty
 * place that the drawing replaces once the script has loaded. */
export function withAttach(draw: (chunk: AttachChunk) => HTMLElement): HTMLElement {
  if (loaded) return draw(loaded);
  const slot = h("div");
  void loadAttach().then((c) => {
    if (slot.isConnected) slot.replaceWith(draw(c));
  }).catch(() => {});
  return slot;
}

/** loadAttach loads the script once; a failed load may be tried again. */
export function loadAttach(): Promise<AttachChunk> {
  loading ??= new Promise<AttachChunk>((resolve, reject) => {
    const url = document.documentElement.dataset["attach"] ?? "";
    if (!/^\/attach-[A-Z0-9]{8}\.js$/.test(url)) return reject(new Error("no attachment script"));
    // The modules build.mjs resolves the attachment files' imports to,
    // with just what they use, so the app's bundle can leave out the rest.
    (self as unknown as { lotseShared: object }).lotseShared = {
      "age-encryption": { Decrypter, Encrypter },
      "./api": { API, ApiError, handoverPath },
      "./dom": { h },
      "./protocol": { b64, equalBytes, MAX_ATTACHMENT_FILE, MAX_ATTACHMENTS, sha256, unb64 },
    };
    const tt = (window as unknown as { trustedTypes?: { createPolicy(n: string, o: object): TTPolicy } }).trustedTypes;
    // One policy that allows exactly this script's URL, nothing else.
    const policy = tt?.createPolicy("lotse-attach", {
      createScriptURL: (s: string) => {
        if (s !== url) throw new Error("not the attachment script");
        return s;
      },
    });
    const script = document.createElement("script");
    (script as unknown as { src: unknown }).src = policy ? policy.createScriptURL(url) : url;
    script.addEventListener("load", () => {
      const chunk = (self as unknown as { lotseAttach?: AttachChunk }).lotseAttach;
      if (chunk) {
        loaded = chunk;
        resolve(chunk);
      } else reject(new Error("attachment script did not start"));
    });
    script.addEventListener("error", () => {
      loading = null;
      script.remove();
      reject(new Error("attachment script failed to load"));
    });
    document.head.append(script);
  });
  return loading;
}
