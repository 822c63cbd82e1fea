// The enquirer's page: write a first message, keep the pickup code and
// passphrase, come back, read replies, answer, delete, leave at once.
// One URL and no history entries; nothing is stored on the device; every
// string from the translation files; no markup from data (textContent only).
//
// No conversation can be orphaned: the keys are derived on the device, the
// code and passphrase shown and typed back from the person's note, and only
// then is the mailbox created. Until that moment nothing exists on the
// server, so a reload, Back or a discarded tab loses a draft, never a
// conversation the team would answer into the void.
import * as api from "./api";
import { attachChunk, loadAttach, withAttach } from "./attachload";
import type { Picker } from "./attachui";
import { h, type Attrs } from "./dom";
import { HandoverError, handOver, noteInPanel, offered, offerFor, type Offer } from "./handover";
import { defaultLang, isLang, isRTL, LANGUAGES, loaded, loadLang, translate, type Key, type Lang } from "./i18n";
import * as p from "./protocol";
import { checkPin, handoverKey, TeamKeyChangedError, type TeamKey } from "./teampin";
import type { Reply, Request } from "./worker";

type View = "start" | "write" | "keep" | "check" | "login" | "thread" | "delete" | "deleted";

interface Session {
  keys: p.EnquirerKeys;
  token: string;
  reader: p.Reader;
  entries: p.ThreadEntry[];
  lastSeq: number;
  expires: string;
  abort: AbortController;
  fetching: Promise<void>;
  offline: boolean;
  pin: TeamKey | null; // the team key this conversation seals to (teampin.ts)
  org: string; // the mailbox's organisation ("": the page's, until the server says)
  offer: string; // the organisation the server says an offer is open to, or ""
  handover: HandoverState;
}

/** HandoverState is what the conversation's handover panel shows
 * (PROTOCOL.md §9.2–9.3): the offer, if a document carries one ("offer",
 * with the last failure's text), the upload's progress, a calm line (after
 * a no, or for an offer no longer open), or once that the conversation
 * moved. */
type HandoverState =
  | { phase: "offer"; error: string }
  | { phase: "running"; done: number; total: number }
  | { phase: "said"; key: "handover.declined" | "handover.gone" }
  | { phase: "moved"; name: string };

/** Pending is a first message whose keys exist on this device only: the
 * mailbox is created once the person has typed code and passphrase back. */
interface Pending {
  keys: p.EnquirerKeys;
  code: string;
  pass: string;
}

const state: {
  lang: Lang;
  view: View;
  busy: boolean;
  session: Session | null;
  pending: Pending | null;
  draft: { body: string; role: string }; // the write view's text, kept across views
  status: { key: Key; busy: boolean; vars?: Record<string, string | number> } | null; // re-drawn on a language switch
  team: api.Team | null;
  teamOrg: string; // the organisation team is of
  leaving: boolean;
} = {
  lang: firstLang(), view: "start", busy: false, session: null, pending: null, draft: { body: "", role: "none" },
  status: null, team: null, teamOrg: "", leaving: false,
};

const $ = (id: string): HTMLElement => document.getElementById(id)!;

/** firstLang is the browser's language if its texts are in the bundle;
 * main loads any other before the first view. */
function firstLang(): Lang {
  const l = defaultLang();
  return loaded(l) ? l : "en";
}
const t = (key: Key, vars?: Record<string, string | number>): string => translate(state.lang, key, vars);

/** status shows a line in the current view's status slot; it leaves with
 * the view, and a language switch draws it again in the new language. */
function status(key: Key | "", busy = false, vars?: Record<string, string | number>): void {
  state.status = key ? { key, busy, vars } : null;
  drawStatus();
}

function drawStatus(): void {
  const s = document.getElementById("status");
  if (!s) return;
  s.textContent = state.status ? t(state.status.key, state.status.vars) : "";
  s.classList.toggle("busy", state.status?.busy ?? false);
  s.hidden = !state.status;
}

// The files of the first message and of the reply being written; both
// live in memory only (attachui.ts), drawn once the attachment script is
// there (attachload.ts).
const fileCtx = { t, lang: () => state.lang };
let firstFiles: Picker | null = null;
let replyFiles: Picker | null = null;

const pickerSlot = (which: "first" | "reply"): HTMLElement => withAttach((c) => {
  firstFiles ??= new c.Picker(fileCtx, "attach-first");
  replyFiles ??= new c.Picker(fileCtx, "attach-reply");
  return (which === "first" ? firstFiles : replyFiles).element();
});

const filesOf = (refs: p.Attachment[], s: Session): HTMLElement =>
  withAttach((c) => c.fileList(fileCtx, refs, { token: s.token, identity: s.keys.identity }));

const statusSlot = (): HTMLElement => h("p", { id: "status", class: "status", role: "status", "aria-live": "polite", hidden: true });

// ---- what the server page tells --------------------------------------------

/** page holds what mailboxd wrote into index.html: the operator's neutral
 * service name, office hours and answer time, by language. */
function pageText(name: string): string {
  const el = document.getElementById("service");
  const key = (l: string): string => name + l.charAt(0).toUpperCase() + l.slice(1);
  return el?.dataset[key(state.lang)] ?? el?.dataset[key("en")] ?? "";
}

/** canEncrypt: WebAssembly and Workers, which the key derivation needs
 * (Tor Browser's "Safer" level turns WebAssembly off). */
const canEncrypt = (): boolean => typeof WebAssembly === "object" && typeof Worker === "function";

/** secure: the page came over HTTPS (or from this device), so the browser
 * lets it use Web Crypto; over plain HTTP to another machine it does not,
 * and nothing would protect the message on its way anyway. */
const secure = (): boolean => window.isSecureContext === true && typeof crypto === "object" && crypto.subtle !== undefined;

class WorkerError extends Error {}

// ---- quick exit ------------------------------------------------------------

// replaceLink follows a same-origin link by replacing the current history
// entry, so that moving between the app and the information pages never
// adds entries the quick exit could not remove.
function replaceLink(ev: Event): void {
  const a = ev.currentTarget as HTMLAnchorElement;
  const e = ev as MouseEvent;
  if (e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || e.button !== 0) return;
  ev.preventDefault();
  location.replace(a.href);
}

let worker: Worker | null = null;

function exitNow(): void {
  const url = ($("exit") as HTMLAnchorElement).href;
  state.leaving = true;
  endSession();
  dropPending();
  firstFiles?.clear();
  document.body.replaceChildren();
  document.title = "";
  location.replace(url);
}

function setupExit(): void {
  $("exit").addEventListener("click", (e) => {
    e.preventDefault();
    exitNow();
  });
  // Shift pressed three times within five seconds, as GOV.UK's "exit this
  // page"; any other key starts the count again.
  let presses: number[] = [];
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Shift") {
      presses = [];
      return;
    }
    if (e.repeat) return;
    const now = performance.now();
    presses = presses.filter((x) => now - x < 5000);
    presses.push(now);
    if (presses.length >= 3) exitNow();
  }, true);
}

// ---- the worker, under Trusted Types ----------------------------------------

interface TTPolicy {
  createScriptURL(s: string): unknown;
}
let workerPolicy: TTPolicy | null = null;

function workerURL(): string | URL {
  const url = document.documentElement.dataset["worker"] ?? "";
  const tt = (window as unknown as { trustedTypes?: { createPolicy(n: string, o: object): TTPolicy } }).trustedTypes;
  if (!tt) return url;
  // One policy that allows exactly the worker's URL, nothing else.
  workerPolicy ??= tt.createPolicy("lotse-worker", {
    createScriptURL: (s: string) => {
      if (s !== url || !/^\/worker-[A-Za-z0-9]+\.js$/.test(s)) throw new Error("not the worker");
      return s;
    },
  });
  return workerPolicy.createScriptURL(url) as string;
}

function runWorker(req: Request, onProgress?: (tries: number) => void): Promise<Reply> {
  if (!canEncrypt()) return Promise.reject(new WorkerError("no WebAssembly or Worker"));
  try {
    worker ??= new Worker(workerURL());
  } catch {
    return Promise.reject(new WorkerError("worker refused"));
  }
  const w = worker;
  return new Promise((resolve, reject) => {
    w.onmessage = (e: MessageEvent) => {
      const r = e.data as Reply;
      if (r.op === "progress") onProgress?.(r.tries);
      else if (r.op === "error") reject(new WorkerError(r.message));
      else resolve(r);
    };
    w.onerror = () => reject(new WorkerError("worker failed"));
    w.postMessage(req);
  });
}

async function deriveKeys(code: string, passphrase: string): Promise<p.EnquirerKeys> {
  const r = await runWorker({ op: "kdf", code, passphrase });
  if (r.op !== "kdf") throw new Error("worker: unexpected reply");
  // The worker transferred the seed's buffer; this is the only copy, so
  // use it as it is and zero all of it when done.
  const seed = r.seed as Uint8Array<ArrayBuffer>;
  try {
    return await p.deriveKeys(seed);
  } finally {
    new Uint8Array(seed.buffer).fill(0);
  }
}

// ---- errors -------------------------------------------------------------------

function errorText(err: unknown): string {
  if (!secure()) return t("err.insecure");
  if (err instanceof TeamKeyChangedError) return t("err.teamKey");
  if (err instanceof p.TooLongError) return t("write.tooLong");
  if (err instanceof WorkerError || (err instanceof Error && /WebAssembly/i.test(err.message))) return t("err.unsupported");
  if (err instanceof api.ApiError) {
    switch (err.code) {
      case "unreachable": return t("err.unreachable");
      case "rate_limited": return t("err.rateLimited");
      case "mailbox_full": return t("err.full");
      case "too_large": return t("write.tooLong");
      case "team_not_ready": return t("err.teamNotReady");
      case "storage_full": return t("err.storageFull");
      case "busy": return t("err.busy");
      case "unauthorized": return t("err.session");
    }
    if (err.status >= 502 && err.status <= 504) return t("err.unreachable");
  }
  return t("err.generic");
}

/** getTeam is the team key of org: by default the open conversation's
 * organisation, else the page's. */
async function getTeam(fresh = false, org = state.session?.org ?? ""): Promise<api.Team> {
  if (!state.team || fresh || state.teamOrg !== org) {
    const team = await api.team(org);
    if (!p.validRecipient(team.recipient) || !Number.isInteger(team.epoch) || team.epoch < 1) {
      throw new api.ApiError(500, "malformed_team");
    }
    state.team = team;
    state.teamOrg = org;
  }
  return state.team;
}

/** showOnline asks the server whether a counsellor's desk is connected and
 * shows it in the view's slot; a failure shows nothing. */
function showOnline(): void {
  void getTeam(true).then((team) => {
    const el = document.getElementById("online");
    if (el) el.hidden = team.online !== true;
  }).catch(() => {});
}

/** availability is the operator's office hours and answer time, and the
 * online line, shown before writing and in the conversation. */
function availability(): HTMLElement | null {
  const hours = pageText("hours");
  const answer = pageText("answer");
  const online = h("p", { class: "online", id: "online", hidden: state.team?.online !== true }, t("avail.online"));
  if (!hours && !answer) return h("div", { class: "avail", id: "avail" }, online);
  return h("section", { class: "avail", id: "avail", "aria-labelledby": "avail-h" },
    h("h2", { id: "avail-h" }, t("avail.heading")),
    online,
    hours ? h("p", { id: "hours" }, hours) : null,
    answer ? h("p", { id: "answer" }, answer) : null);
}

// ---- rendering --------------------------------------------------------------------

function go(view: View): void {
  state.view = view;
  state.status = null;
  render(true);
  if (view === "start" || view === "write" || view === "thread") showOnline();
  if (view === "thread") showFingerprint();
}

/** showFingerprint fills the thread's "team key" disclosure with the
 * fingerprint of the key the conversation is pinned to, computed here,
 * never taken from the server. */
function showFingerprint(): void {
  const recipient = state.session?.pin?.recipient;
  if (!recipient) return;
  void p.fingerprint(recipient).then((fp) => {
    const el = document.getElementById("team-fp");
    if (el && state.session?.pin?.recipient === recipient) el.textContent = fp;
  }).catch(() => {});
}

/** render draws the current view; on a language switch it keeps what the
 * person typed and chose. */
function render(focusHeading: boolean): void {
  document.documentElement.lang = state.lang;
  document.documentElement.dir = isRTL(state.lang) ? "rtl" : "ltr";
  const name = pageText("name") || t("title");
  document.title = name;
  $("lang-pick").hidden = false;
  const picker = $("lang") as HTMLSelectElement;
  picker.value = state.lang;
  picker.setAttribute("aria-label", t("lang.label"));
  $("lang-code").textContent = state.lang.toUpperCase();
  const exit = $("exit");
  exit.textContent = t("exit");
  exit.setAttribute("aria-label", t("exit.label"));
  $("brand").textContent = pageText("name") || t("brand");

  const app = $("app");
  const kept = new Map<string, string | boolean>();
  app.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input, textarea").forEach((el) => {
    if (!el.id) return;
    kept.set(el.id, el instanceof HTMLInputElement && el.type === "radio" ? el.checked : el.value);
  });
  app.replaceChildren(views[state.view]());
  for (const [id, v] of kept) {
    const el = document.getElementById(id) as HTMLInputElement | null;
    if (!el) continue;
    if (typeof v === "boolean") el.checked = v;
    else el.value = v;
  }
  app.querySelectorAll("textarea").forEach((el) => el.dispatchEvent(new Event("input")));
  drawStatus();
  if (focusHeading) app.querySelector<HTMLElement>("h1")?.focus();
}

const heading = (key: Key): HTMLElement => h("h1", { tabindex: "-1" }, t(key));
const button = (key: Key, onClick: () => void, cls = "primary", attrs: Attrs = {}): HTMLElement =>
  h("button", { type: "button", class: cls, id: "b-" + key.replace(/\./g, "-"), click: onClick, ...attrs }, t(key));

function field(id: string, label: string, input: HTMLElement, hint?: string): HTMLElement {
  const errId = id + "-error";
  const hintId = id + "-hint";
  input.id = id;
  input.setAttribute("aria-describedby", (hint ? hintId + " " : "") + errId);
  // An error belongs to what was typed: it goes once the input changes.
  input.addEventListener("input", () => setError(id, ""));
  return h("div", { class: "field" },
    h("label", { for: id }, label),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    h("p", { class: "error", id: errId, role: "alert", hidden: true }),
    input);
}

function setError(id: string, text: string): void {
  const input = document.getElementById(id);
  const err = document.getElementById(id + "-error");
  if (!input || !err) return;
  err.textContent = text;
  err.hidden = text === "";
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

function formError(form: HTMLElement, text: string): void {
  const el = form.querySelector<HTMLElement>(".form-error");
  if (!el) return;
  el.textContent = text;
  el.hidden = text === "";
}

const formErrorSlot = (): HTMLElement => h("p", { class: "form-error", role: "alert", hidden: true });

function secretInput(placeholder: string, hidden = false): HTMLElement {
  return h("input", {
    type: hidden ? "password" : "text", inputmode: "numeric", autocomplete: "off", autocorrect: "off", autocapitalize: "off",
    spellcheck: "false", "data-lpignore": "true", placeholder, class: "digits", dir: "ltr",
  });
}

/** showDigits is the choice to see a hidden passphrase field in clear. */
function showDigits(input: HTMLElement): HTMLElement {
  const id = input.id + "-show";
  return h("div", { class: "radio" },
    h("input", { type: "checkbox", id, change: (e) => {
      (input as HTMLInputElement).type = (e.currentTarget as HTMLInputElement).checked ? "text" : "password";
    } }),
    h("label", { for: id }, t("digits.show")));
}

/** formatDateTime shows sent in the reader's language and local time, or
 * as written if the browser cannot read it: a date never hides a message. */
function formatDateTime(sent: string): string {
  const d = new Date(sent);
  if (isNaN(d.getTime())) return sent;
  try {
    return new Intl.DateTimeFormat(state.lang, { dateStyle: "medium", timeStyle: "short" }).format(d);
  } catch {
    return sent;
  }
}
function formatDate(date: string): string {
  const d = new Date(date + "T00:00:00Z");
  return isNaN(d.getTime()) ? date : new Intl.DateTimeFormat(state.lang, { dateStyle: "long", timeZone: "UTC" }).format(d);
}

const views: Record<View, () => HTMLElement> = {
  start: () =>
    h("section", { class: "view" },
      heading("start.heading"),
      h("p", { class: "lead" }, t("start.who")),
      h("p", {}, t("start.what")),
      h("p", {}, t("start.free")),
      h("p", {}, t("start.code")),
      !secure() ? h("p", { class: "form-error", id: "insecure", role: "alert" }, t("err.insecure"))
        : canEncrypt() ? null : h("p", { class: "form-error", id: "unsupported", role: "alert" }, t("err.unsupported")),
      availability(),
      h("div", { class: "actions" },
        button("start.write", () => go("write")),
        button("start.return", () => go("login"), "secondary")),
      statusSlot(),
      h("section", { class: "safety", "aria-labelledby": "safety-h" },
        h("h2", { id: "safety-h" }, t("start.safetyHeading")),
        h("p", {}, t("start.safety")),
        h("p", {}, t("start.exit"))),
      // The information pages, served by mailboxd without scripts; they
      // have their own quick exit and a link back here.
      // Following them replaces this page's history entry instead of adding
      // one, so a visit still leaves a single entry for the quick exit.
      h("nav", { class: "more", id: "more", "aria-labelledby": "more-h" },
        h("h2", { id: "more-h" }, t("start.moreHeading")),
        h("ul", {},
          h("li", {}, h("a", { href: `/info/${state.lang}/`, hreflang: state.lang, click: replaceLink }, t("start.moreWho"))),
          h("li", {}, h("a", { href: `/info/${state.lang}/safety`, hreflang: state.lang, click: replaceLink }, t("start.moreSafety"))),
          h("li", {}, h("a", { href: `/info/${state.lang}/centres`, hreflang: state.lang, click: replaceLink }, t("start.moreCentres")))))),

  write: () => {
    const body = h("textarea", { rows: "8", autocomplete: "off", spellcheck: "false" }) as HTMLTextAreaElement;
    body.value = state.draft.body;
    body.addEventListener("input", () => { state.draft.body = body.value; });
    const left = h("p", { class: "hint", id: "body-left", "aria-live": "polite" });
    body.addEventListener("input", () => {
      const n = p.bodyRoom(state.lang, body.value);
      left.textContent = n < 2000 ? t("write.left", { n: Math.max(0, n) }) : "";
    });
    const roles = h("fieldset", { class: "roles" },
      h("legend", {}, t("write.roleLegend")),
      h("p", { class: "hint" }, t("write.roleHint")),
      ...(["none", ...p.ROLES] as const).map((r) =>
        h("div", { class: "radio" },
          h("input", { type: "radio", name: "role", id: "role-" + r, value: r, checked: r === state.draft.role,
            change: () => { state.draft.role = r; } }),
          h("label", { for: "role-" + r }, t(("role." + r) as Key)))));
    const form = h("form", { novalidate: true, autocomplete: "off" },
      roles,
      field("body", t("write.bodyLabel"), body, t("write.bodyHint")),
      left,
      pickerSlot("first"),
      h("p", { class: "hint", id: "attach-first-after" }, t("attach.afterFirst")),
      formErrorSlot(),
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary", id: "b-write-send" }, t("write.send")),
        button("back", () => go("start"), "secondary")),
      statusSlot());
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const role = (form.querySelector<HTMLInputElement>("input[name=role]:checked")?.value ?? "none");
      void prepareFirst(form, body.value, role === "none" ? "" : role);
    });
    return h("section", { class: "view" }, heading("write.heading"), availability(), form);
  },

  keep: () => {
    const pending = state.pending!;
    const digits = (groups: string[], cls: string): HTMLElement =>
      h("p", { class: "secret " + cls },
        h("span", { class: "sr-only" }, groups.map((g) => g.split("").join(" ")).join(", ")),
        h("span", { "aria-hidden": "true", class: "groups", dir: "ltr" }, ...groups.map((g) => h("span", { class: "group" }, g))));
    return h("section", { class: "view" },
      heading("keep.heading"),
      h("p", { class: "note-strong", id: "not-sent" }, t("keep.notSent")),
      h("p", {}, t("keep.intro")),
      h("div", { class: "secrets" },
        h("h2", { class: "secret-label" }, t("keep.code")),
        digits(p.groupPickupCode(pending.code), "code"),
        h("h2", { class: "secret-label" }, t("keep.pass")),
        digits(p.groupPassphrase(pending.pass), "pass")),
      h("h2", {}, t("keep.adviceHeading")),
      h("ul", { class: "advice", id: "advice" }, h("li", {}, t("keep.advice1")), h("li", {}, t("keep.advice2")), h("li", {}, t("keep.advice3"))),
      h("div", { class: "actions" },
        button("keep.written", () => go("check")),
        button("keep.change", () => { dropPending(); go("write"); }, "secondary")));
  },

  check: () => codeForm({
    view: "check", codeId: "check-code", passId: "check-pass", submitId: "b-check-submit",
    back: button("check.show", () => go("keep"), "secondary"),
    submit: (form, code, pass) => checkAndCreate(form, code, pass),
  }),

  login: () => codeForm({
    view: "login", codeId: "code", passId: "pass", submitId: "b-login-submit",
    back: button("back", () => go("start"), "secondary"),
    submit: (form, code, pass) => login(form, code, pass),
  }),

  thread: () => {
    const s = state.session!;
    const list = h("ol", { class: "thread", id: "thread", "aria-labelledby": "thread-h" });
    fillThread(list);
    const reply = h("textarea", { rows: "5", autocomplete: "off", spellcheck: "false" }) as HTMLTextAreaElement;
    const form = h("form", { novalidate: true, autocomplete: "off" },
      field("reply", t("thread.replyLabel"), reply),
      pickerSlot("reply"),
      formErrorSlot(),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "b-thread-send" }, t("thread.send"))),
      statusSlot());
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void sendReply(form, reply);
    });
    return h("section", { class: "view" },
      h("h1", { tabindex: "-1", id: "thread-h" }, t("thread.heading")),
      h("p", { class: "expires", id: "expires" }, t("thread.expires", { date: formatDate(s.expires) })),
      s.offline ? h("p", { class: "note", id: "offline" }, t("thread.offline")) : null,
      h("div", { id: "handover-slot" }, handoverPanel(s)),
      availability(),
      list,
      form,
      // For people who compare the team's fingerprint with one they got
      // elsewhere; folded away, since to most it is jargon.
      h("details", { class: "team-key", id: "team-key" },
        h("summary", {}, t("thread.teamKey")),
        h("p", {}, t("thread.teamKeyText")),
        h("p", { class: "fingerprint", id: "team-fp", dir: "ltr" })),
      h("div", { class: "actions end" },
        h("p", { class: "hint", id: "close-hint" }, t("thread.closeHint")),
        button("thread.close", () => { endSession(); go("start"); }, "secondary", { "aria-describedby": "close-hint" }),
        button("thread.delete", () => go("delete"), "danger")));
  },

  delete: () =>
    h("section", { class: "view" },
      heading("delete.heading"),
      h("p", {}, t("delete.text")),
      formErrorSlot(),
      h("div", { class: "actions" },
        button("delete.confirm", () => void deleteConversation(), "danger"),
        button("delete.cancel", () => go("thread"), "secondary")),
      statusSlot()),

  deleted: () =>
    h("section", { class: "view" },
      heading("deleted.heading"),
      h("p", {}, t("deleted.text")),
      h("div", { class: "actions" }, button("home", () => go("start")))),
};

const warningItem = (seq: number, key: Key): HTMLElement =>
  h("li", { class: "warning", role: "note", "data-seq": String(seq) },
    h("p", { class: "meta" }, t("thread.warningFrom", { seq })),
    h("p", {}, t(key)));

/** entryItem draws one message, a duplicate note or a warning; the
 * document of the offer the panel shows (o) stands as a pointer to it. */
function entryItem(e: p.ThreadEntry, o: Offer | null): HTMLElement {
  if (!e.doc) return warningItem(e.seq, "thread.warning");
  if (e.duplicate) return h("li", { class: "note duplicate", "data-seq": String(e.seq) }, t("thread.duplicate"));
  const mine = e.doc.from === "enquirer";
  const who = mine ? t("thread.you") : e.doc.name ? t("thread.teamNamed", { name: e.doc.name }) : t("thread.team");
  return h("li", { class: "message " + (mine ? "mine" : "theirs"), "data-seq": String(e.seq) },
    h("p", { class: "meta" }, h("span", { class: "who" }, who), " · ", h("time", { datetime: e.doc.sent }, formatDateTime(e.doc.sent))),
    noteInPanel(e, o)
      ? h("p", { class: "body note offer-above" }, t("thread.offerAbove"))
      : h("p", { class: "body", lang: e.doc.lang }, e.doc.body),
    e.doc.attachments?.length && state.session ? filesOf(e.doc.attachments, state.session) : null);
}

/** fillThread draws each message on its own: one that cannot be drawn
 * becomes a warning in its place, and the rest stays readable. */
function fillThread(list: HTMLElement): void {
  const s = state.session!;
  // The offer's note stands in the panel, beside the choice, and only
  // there (noteInPanel).
  const o = s.handover.phase === "offer" ? shownOffer(s) : null;
  const items: HTMLElement[] = [];
  for (const e of s.entries) {
    try {
      items.push(entryItem(e, o));
    } catch {
      items.push(warningItem(e.seq, "thread.unshowable"));
    }
  }
  // "No reply yet" only while the team has not answered at all; after
  // the person's own follow-up, just how new replies arrive.
  const last = s.entries[s.entries.length - 1];
  if (!s.entries.some((e) => e.from === "counsellor")) {
    items.push(h("li", { class: "note waiting" }, t("thread.waiting")));
  } else if (last?.from === "enquirer") {
    items.push(h("li", { class: "note waiting" }, t("thread.waitingMore")));
  }
  list.replaceChildren(...items);
}

// ---- flows ------------------------------------------------------------------------

async function busy<T>(form: HTMLElement | null, f: () => Promise<T>): Promise<T | undefined> {
  if (state.busy) return undefined;
  state.busy = true;
  form?.querySelectorAll("button").forEach((b) => b.setAttribute("disabled", ""));
  form?.setAttribute("aria-busy", "true");
  try {
    return await f();
  } finally {
    state.busy = false;
    form?.querySelectorAll("button").forEach((b) => b.removeAttribute("disabled"));
    form?.removeAttribute("aria-busy");
  }
}

function newDoc(keys: p.EnquirerKeys, body: string): p.Document {
  return {
    v: 1, type: "message", mailbox: keys.mailboxId, id: p.newDocumentId(), mk: p.b64(keys.mk), from: "enquirer",
    sent: new Date().toISOString().replace(/\.\d+Z$/, "Z"), lang: state.lang, body,
  };
}

/** prepareFirst checks the message and derives the keys for a new code
 * and passphrase; nothing reaches the server yet. */
async function prepareFirst(form: HTMLElement, body: string, role: string): Promise<void> {
  setError("body", "");
  formError(form, "");
  if (body.trim() === "") {
    setError("body", t("write.empty"));
    $("body").focus();
    return;
  }
  // The size check first, with fields of their final length.
  if (p.documentSize(p.firstDocumentProbe(state.lang, body, role)) === 0) {
    setError("body", t("write.tooLong"));
    $("body").focus();
    return;
  }
  if (firstFiles?.deciding) return formError(form, t("attach.decide"));
  await busy(form, async () => {
    try {
      await firstFiles?.idle();
      status("progress.keys", true);
      // A browser that cannot encrypt, or a team that takes no messages,
      // says so now, not after the person has written a code down.
      if (!canEncrypt()) throw new WorkerError("no WebAssembly or Worker");
      await getTeam(true);
      await drawPending();
    } catch (err) {
      status("");
      formError(form, errorText(err));
    }
  });
}

/** firstDoc is the first message; without keys, a probe with fields of
 * their final length, so that the size check can run before the keys. */
function firstDoc(keys: p.EnquirerKeys, body: string, role: string): p.Document {
  const doc: p.Document = { ...newDoc(keys, body), recipient: keys.recipient };
  return role ? { ...doc, role } : doc;
}

/**
 * codeForm is the form that asks for the pickup code and passphrase: to
 * check the person's note before the mailbox is created ("check"), and to
 * come back ("login"). Its texts are the view's (`<view>.code`, …).
 */
function codeForm(o: {
  view: "check" | "login"; codeId: string; passId: string; submitId: string; back: HTMLElement;
  submit: (form: HTMLElement, code: string, pass: string) => Promise<void>;
}): HTMLElement {
  const code = secretInput("00000 00000") as HTMLInputElement;
  const pass = secretInput("0000 0000 0000 0000", true) as HTMLInputElement;
  const form = h("form", { novalidate: true, autocomplete: "off" },
    field(o.codeId, t(`${o.view}.code`), code),
    field(o.passId, t(`${o.view}.pass`), pass),
    showDigits(pass),
    formErrorSlot(),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary", id: o.submitId }, t(`${o.view}.submit`)),
      o.back),
    statusSlot());
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void o.submit(form, code.value, pass.value);
  });
  return h("section", { class: "view" }, heading(`${o.view}.heading`), h("p", {}, t(`${o.view}.intro`)), form);
}

/** drawPending draws a new code and passphrase, derives their keys and
 * shows them; nothing reaches the server yet. */
async function drawPending(): Promise<void> {
  const code = p.generatePickupCode();
  const pass = p.generatePassphrase();
  const keys = await deriveKeys(code, pass);
  dropPending();
  state.pending = { keys, code, pass };
  go("keep");
}

function dropPending(): void {
  if (state.pending) forgetKeys(state.pending.keys);
  state.pending = null;
}

/** checkAndCreate compares what the person typed from their note with the
 * code and passphrase shown, and only then creates the mailbox. */
async function checkAndCreate(form: HTMLElement, typedCode: string, typedPass: string): Promise<void> {
  const pending = state.pending;
  if (!pending) return go("write");
  setError("check-code", "");
  setError("check-pass", "");
  formError(form, "");
  const errs: Array<[string, string]> = [];
  try {
    if (p.parsePickupCode(typedCode) !== pending.code) errs.push(["check-code", t("check.codeWrong")]);
  } catch (e) {
    if (!(e instanceof p.InputError)) throw e;
    errs.push(["check-code", t(`err.${e.field}.${e.reason}` as Key)]);
  }
  try {
    if (p.parsePassphrase(typedPass) !== pending.pass) errs.push(["check-pass", t("check.passWrong")]);
  } catch (e) {
    if (!(e instanceof p.InputError)) throw e;
    errs.push(["check-pass", t(`err.${e.field}.${e.reason}` as Key)]);
  }
  if (errs.length) {
    for (const [id, text] of errs) setError(id, text);
    $(errs[0]![0]).focus();
    return;
  }
  await busy(form, async () => {
    try {
      const created = await createFirst(pending);
      if (!created) return; // a new code is on screen
      state.pending = null;
      state.draft = { body: "", role: "none" };
      const session = newSession(pending.keys, created.expires);
      session.pin = created.pin;
      state.session = session;
      await fetchNew(session);
      go("thread");
      status("thread.arrived");
      startLive();
      // After this form's busy ends: the thread's form is busy instead.
      if (firstFiles?.count) setTimeout(() => void sendFirstFiles(session), 0);
    } catch (err) {
      status("");
      formError(form, errorText(err) + " " + t("check.retry"));
    }
  });
}

/** createFirst sends the first message. It returns null when the mailbox
 * id is someone else's (a code drawn twice): the person then gets a new
 * code to write down, since the one they checked cannot be used. */
async function createFirst(pending: Pending): Promise<{ seq: number; expires: string; pin: TeamKey } | null> {
  let team = await getTeam(true);
  let pin = checkPin(null, team);
  for (let attempt = 0; ; attempt++) {
    status("progress.pow", true);
    const challenge = await api.pow();
    const r = await runWorker({ op: "pow", challenge: challenge.challenge, difficulty: challenge.difficulty });
    if (r.op !== "pow") throw new Error("worker: unexpected reply");
    status("progress.send", true);
    const ct = await p.sealDocument(firstDoc(pending.keys, state.draft.body, state.draft.role === "none" ? "" : state.draft.role), team.recipient, pending.keys.recipient);
    try {
      const created = await api.createMailbox({
        id: pending.keys.mailboxId, verifier: pending.keys.verifier, epoch: team.epoch, message: ct,
        pow: challenge.difficulty > 0 ? { challenge: challenge.challenge, nonce: r.nonce } : undefined,
      });
      return { ...created, pin };
    } catch (err) {
      if (!(err instanceof api.ApiError) || attempt >= 2) throw err;
      if (err.code === "stale_epoch") {
        // The team key changed: seal again, to a key the pin accepts.
        team = await getTeam(true);
        pin = checkPin(pin, team);
      }
      else if (err.code === "mailbox_exists") {
        // Perhaps ours: an earlier try was stored but its answer lost.
        try {
          const m = await api.mailbox(p.bearer(pending.keys));
          return { seq: 1, expires: m.expires, pin };
        } catch {
          // Someone else's: a code drawn twice.
        }
        await drawPending();
        return null;
      } else if (err.code !== "pow_invalid") throw err;
    }
  }
}

function newSession(keys: p.EnquirerKeys, expires: string): Session {
  return {
    keys, token: p.bearer(keys), reader: new p.Reader(keys.mailboxId, keys.mk, keys.identity), entries: [],
    lastSeq: 0, expires, abort: new AbortController(), fetching: Promise.resolve(), offline: false, pin: null,
    org: "", offer: "", handover: { phase: "offer", error: "" },
  };
}

function forgetKeys(k: p.EnquirerKeys): void {
  k.auth.fill(0);
  k.mk.fill(0);
  k.verifier.fill(0);
}

/** endSession forgets the session and zeroes the key material it owns
 * (the identity is a string, which JavaScript cannot zero). */
function endSession(): void {
  const s = state.session;
  state.session = null;
  if (s) {
    s.abort.abort();
    forgetKeys(s.keys);
    s.entries = [];
  }
  replyFiles?.clear();
  attachChunk()?.forgetFiles();
  worker?.terminate();
  worker = null;
}

async function login(form: HTMLElement, typedCode: string, typedPass: string): Promise<void> {
  setError("code", "");
  setError("pass", "");
  formError(form, "");
  let code = "";
  let pass = "";
  const errs: Array<[string, p.InputError]> = [];
  try {
    code = p.parsePickupCode(typedCode);
  } catch (e) {
    if (e instanceof p.InputError) errs.push(["code", e]);
  }
  try {
    pass = p.parsePassphrase(typedPass);
  } catch (e) {
    if (e instanceof p.InputError) errs.push(["pass", e]);
  }
  if (errs.length) {
    for (const [id, e] of errs) setError(id, t(`err.${e.field}.${e.reason}` as Key));
    $(errs[0]![0]).focus();
    return;
  }
  await busy(form, async () => {
    let keys: p.EnquirerKeys | null = null;
    try {
      status("progress.keys", true);
      keys = await deriveKeys(code, pass);
      status("progress.open", true);
      const s = newSession(keys, "");
      let m: api.Mailbox;
      try {
        m = await api.mailbox(s.token);
      } catch (err) {
        if (err instanceof api.ApiError && err.code === "unauthorized") throw new api.ApiError(401, "wrong_code");
        throw err;
      }
      s.expires = m.expires;
      await append(s, m.messages);
      follow(s, m);
      // The pin of a conversation opened again starts with the team key
      // of now, or of the handover document if it moved (teampin.ts);
      // without one (the team not ready) it starts at the first reply.
      try {
        s.pin = checkPin(s.pin, await getTeam(true, s.org));
      } catch {
        // The pin stays as it is; sending says why if it must.
      }
      state.session = s;
      go("thread");
      startLive();
    } catch (err) {
      if (keys && state.session?.keys !== keys) forgetKeys(keys);
      status("");
      formError(form, err instanceof api.ApiError && err.code === "wrong_code" ? t("err.wrong") : errorText(err));
    }
  });
}

async function append(s: Session, msgs: api.StoredMessage[]): Promise<number> {
  let replies = 0;
  for (const m of msgs) {
    if (m.seq <= s.lastSeq) continue;
    const e = await s.reader.read(m);
    s.entries.push(e);
    s.lastSeq = m.seq;
    if (m.from === "counsellor") replies++;
  }
  return replies;
}

/** fetchNew reads the messages after the last one, one fetch at a time. */
function fetchNew(s: Session): Promise<void> {
  s.fetching = s.fetching.then(async () => {
    if (state.session !== s) return;
    const m = await api.mailbox(s.token, s.lastSeq);
    s.expires = m.expires;
    const before = s.lastSeq;
    const replies = await append(s, m.messages);
    const offerChanged = follow(s, m);
    // A desk records its offer right after the document that makes it
    // (§9.2): if a new document offers what the server does not say yet,
    // read once more a moment later.
    if (!s.offer && s.entries.some((e) => e.seq > before && offered(e))) {
      setTimeout(() => void fetchNew(s), 2000);
    }
    if (state.session !== s || state.view !== "thread") return;
    if (offerChanged || s.lastSeq !== before) drawHandover(s);
    const exp = document.getElementById("expires");
    if (exp) exp.textContent = t("thread.expires", { date: formatDate(s.expires) });
    if (replies > 0) status("thread.new");
  }).catch((err: unknown) => {
    if (err instanceof api.ApiError && err.code === "unauthorized") sessionGone();
  });
  return s.fetching;
}

function sessionGone(): void {
  endSession();
  go("start");
  status("err.session");
}

/** startLive follows the mailbox's event stream while the session lasts,
 * reconnecting with a growing pause. */
function startLive(): void {
  const s = state.session;
  if (!s) return;
  void (async () => {
    let pause = 1000;
    while (state.session === s && !s.abort.signal.aborted) {
      try {
        const opened = fetchNew(s);
        await api.events(s.token, s.abort.signal, (seq) => {
          if (seq > s.lastSeq) void fetchNew(s);
        });
        await opened;
        pause = 1000;
      } catch (err) {
        if (s.abort.signal.aborted) return;
        if (err instanceof api.ApiError && err.status === 401) {
          if (state.session === s) sessionGone();
          return;
        }
        setOffline(s, true);
      }
      if (s.abort.signal.aborted) return;
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 30000);
      if (state.session === s) {
        await fetchNew(s);
        setOffline(s, false);
      }
    }
  })();
}

function setOffline(s: Session, off: boolean): void {
  if (s.offline === off) return;
  s.offline = off;
  if (state.view !== "thread") return;
  const el = document.getElementById("offline");
  if (off && !el) document.getElementById("thread")?.before(h("p", { class: "note", id: "offline" }, t("thread.offline")));
  if (!off) el?.remove();
}

async function sendReply(form: HTMLElement, reply: HTMLTextAreaElement, afterFirst = false): Promise<void> {
  const s = state.session;
  if (!s) return;
  setError("reply", "");
  formError(form, "");
  const body = reply.value;
  if (body.trim() === "" && !replyFiles?.count) {
    setError("reply", t("write.empty"));
    reply.focus();
    return;
  }
  if (replyFiles?.deciding) return formError(form, t("attach.decide"));
  // Room in the document for the references of the files picked.
  const probe = { ...newDoc(s.keys, body), attachments: Array.from({ length: replyFiles?.count ?? 0 }, () => PROBE_ATTACHMENT) };
  if (p.documentSize(probe) === 0) {
    setError("reply", t("write.tooLong"));
    reply.focus();
    return;
  }
  await busy(form, async () => {
    try {
      await replyFiles?.idle();
      status("progress.send", true);
      let team = await getTeam();
      try {
        s.pin = checkPin(s.pin, team);
      } catch (err) {
        // The kept answer may be one refused before; the server's answer
        // of now decides (after an honest rotation it is a newer epoch).
        if (!(err instanceof TeamKeyChangedError)) throw err;
        team = await getTeam(true);
        s.pin = checkPin(s.pin, team);
      }
      const refs = await uploadFiles(s, replyFiles, team.recipient);
      const doc: p.Document = { ...newDoc(s.keys, body), ...(refs.length ? { attachments: refs } : {}) };
      for (let attempt = 0; ; attempt++) {
        const ct = await p.sealDocument(doc, team.recipient, s.keys.recipient);
        try {
          await api.postMessage(s.token, team.epoch, ct, refs.map((r) => r.id));
          break;
        } catch (err) {
          if (attempt === 0 && err instanceof api.ApiError && err.code === "stale_epoch") {
            team = await getTeam(true);
            s.pin = checkPin(s.pin, team); // refused: nothing is sent, the text stays
            showFingerprint();
            continue;
          }
          throw err;
        }
      }
      reply.value = "";
      replyFiles?.clear();
      showFingerprint();
      await fetchNew(s);
      status("thread.sent");
      reply.focus();
    } catch (err) {
      status("");
      if (err instanceof api.ApiError && err.code === "unauthorized") return sessionGone();
      if (err instanceof api.ApiError && err.code === "attachment_refused") replyFiles?.forgetUploads();
      if (afterFirst) formError(form, t("attach.firstFailed") + " " + errorText(err));
      else formError(form, replyFiles?.count ? fileErrorText(err) : errorText(err));
    }
  });
}

// ---- attachments --------------------------------------------------------------------

// A reference of the longest name a picked file gets (safeName).
const PROBE_ATTACHMENT: p.Attachment = { id: "A".repeat(22), name: "x".repeat(128), type: "application/" + "x".repeat(64), size: 8 << 20, sha256: "A".repeat(43) + "=" };

/** uploadFiles seals the picked files to team and the enquirer and uploads
 * them, with progress in the status line. */
function uploadFiles(s: Session, picker: Picker | null, team: string): Promise<p.Attachment[]> {
  if (!picker?.count) return Promise.resolve([]);
  return picker.upload(s.token, team, s.keys.recipient, (key, vars) => status(key, true, vars));
}

/** fileErrorText is errorText for a message with files: the answers an
 * upload or a message naming it can get say that the files did not go. */
function fileErrorText(err: unknown): string {
  if (err instanceof api.ApiError && ["too_large", "mailbox_full", "ciphertext_policy", "attachment_refused"].includes(err.code)) return t("attach.refused");
  return errorText(err);
}

/**
 * sendFirstFiles sends the first message's files right after it, as the
 * reply form would with no text: uploads need the mailbox, which exists
 * only now. If that fails, the files wait in the reply form to be tried
 * again; the first message has arrived either way.
 */
async function sendFirstFiles(s: Session): Promise<void> {
  if (state.session !== s || state.view !== "thread" || !firstFiles || !replyFiles) return;
  firstFiles.moveTo(replyFiles);
  const form = document.querySelector<HTMLElement>("#thread ~ form");
  const reply = document.getElementById("reply") as HTMLTextAreaElement | null;
  if (form && reply) await sendReply(form, reply, true);
}

// ---- handover (PROTOCOL.md §9.2–9.3) ------------------------------------------

/**
 * follow takes the mailbox's organisation and open offer from the
 * server's answer and tells whether the offer changed. The server only
 * says that an offer is open; what it offers comes from a document
 * (offerFor), and the team key after a move from that document too.
 */
function follow(s: Session, m: api.Mailbox): boolean {
  if (p.validSlug(m.org) && m.org !== s.org) {
    s.org = m.org;
    s.pin = handoverKey(s.entries, m.org) ?? s.pin;
  }
  const offer = p.validSlug(m.handover?.org) ? m.handover.org : "";
  if (offer === s.offer) return false;
  s.offer = offer;
  if (offer && s.handover.phase !== "running") s.handover = { phase: "offer", error: "" };
  return true;
}

/** shownOffer is the offer the panel shows: one the server says is open
 * and a valid document carries; else none, whatever the server says. */
const shownOffer = (s: Session): Offer | null => (s.offer ? offerFor(s.entries, s.offer) : null);

/** named writes a text with B's name in it: the name stands isolated as
 * the text it is (bdi), never as markup, in either direction. */
function named(key: Key, name: string): Array<Node | string> {
  const parts = t(key).split("{name}");
  return parts.flatMap((part, i) => (i === 0 ? [part] : [h("bdi", { class: "org-name" }, name), part]));
}

/** handoverPanel draws the handover's state for the thread view. */
function handoverPanel(s: Session): HTMLElement | null {
  const st = s.handover;
  if (st.phase === "said") return h("p", { class: "handover-note", id: "handover-said", tabindex: "-1" }, t(st.key));
  if (st.phase === "moved") return h("p", { class: "handover-note", id: "handover-moved", tabindex: "-1" }, ...named("handover.moved", st.name));
  if (st.phase === "running") {
    const bar = h("progress", { id: "handover-progress", max: String(Math.max(st.total, 1)) });
    if (st.total > 0) bar.setAttribute("value", String(st.done));
    return h("section", { class: "handover", id: "handover", "aria-labelledby": "handover-h", "aria-busy": "true" },
      h("h2", { id: "handover-h" }, t("handover.heading")),
      h("label", { for: "handover-progress", id: "handover-count" },
        st.total > 0 ? t("handover.progress", { done: st.done, total: st.total }) : t("handover.preparing")),
      bar,
      h("p", { class: "hint" }, t("handover.keepOpen")));
  }
  const o = shownOffer(s);
  if (!o) return null;
  return h("section", { class: "handover", id: "handover", "aria-labelledby": "handover-h" },
    h("h2", { id: "handover-h", tabindex: "-1" }, t("handover.heading")),
    h("p", { class: "lead" }, ...named("handover.offer", o.name)),
    o.note ? h("p", { class: "hint" }, t("handover.note")) : null,
    o.note ? h("blockquote", { class: "handover-text", id: "handover-text", lang: o.lang, dir: "auto" }, o.note) : null,
    h("ul", { class: "handover-facts" },
      h("li", {}, ...named("handover.whole", o.name)),
      h("li", {}, ...named("handover.same", o.name)),
      h("li", {}, t("handover.leaves"))),
    h("p", { class: "handover-choice" }, t("handover.choice")),
    st.error ? h("p", { class: "form-error", id: "handover-error", role: "alert" }, st.error) : null,
    h("div", { class: "actions" },
      button("handover.agree", () => void agree(s, o)),
      button("handover.decline", () => void decline(s), "secondary")));
}

/** drawHandover draws the panel and, unless only the progress moved, the
 * thread again in place (the thread shows the offer's note when the panel
 * does not), leaving the rest of the thread view (and what is typed in
 * it) as it is. */
function drawHandover(s: Session, thread = true): void {
  const slot = document.getElementById("handover-slot");
  if (!slot || state.session !== s) return;
  const panel = handoverPanel(s);
  slot.replaceChildren(...(panel ? [panel] : []));
  const list = thread ? document.getElementById("thread") : null;
  if (list) fillThread(list);
}

/** handoverError is what the page says when a handover did not happen:
 * why, and that the conversation stays where it was. */
function handoverError(err: unknown): string {
  if (err instanceof HandoverError) return t(`handover.${err.reason}` as Key);
  return errorText(err) + " " + t("handover.stays");
}

/**
 * agree forwards the conversation to the organisation of the offer, from
 * this device (PROTOCOL.md §9.2–9.3). Until the commit the conversation stays
 * where it is: a reload, Back or a closed tab lose nothing, and the panel
 * shows again after the next login.
 */
async function agree(s: Session, o: Offer): Promise<void> {
  await busy($("app"), async () => {
    s.handover = { phase: "running", done: 0, total: 0 };
    drawHandover(s);
    const own = { token: s.token, identity: s.keys.identity, recipient: s.keys.recipient };
    try {
      await handOver({
        messages: () => api.allMessages(s.token),
        start: (body) => api.startHandover(s.token, body),
        putMessage: (upload, seq, ct) => api.putHandoverMessage(s.token, upload, seq, ct),
        putAttachment: async (upload, id, team) => (await loadAttach()).forwardAttachment(own, upload, id, team),
        commit: (upload) => api.commitHandover(s.token, upload),
        wait: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
      }, s.keys, o, (done, total) => {
        s.handover = { phase: "running", done, total };
        drawHandover(s, false);
      });
      // The conversation is the offer's organisation's now, and seals to
      // the key its document named (teampin.ts), whatever the server says.
      s.org = o.org;
      s.pin = handoverKey(s.entries, o.org);
      s.offer = "";
      s.handover = { phase: "moved", name: o.name };
      showOnline();
      showFingerprint();
    } catch (err) {
      if (err instanceof api.ApiError && err.code === "unauthorized") return sessionGone();
      if (err instanceof HandoverError && err.reason === "gone") {
        s.offer = "";
        s.handover = { phase: "said", key: "handover.gone" };
      } else s.handover = { phase: "offer", error: handoverError(err) };
    }
    drawHandover(s);
    document.querySelector<HTMLElement>("#handover-slot [tabindex]")?.focus();
  });
}

/** decline is the enquirer's no (§9.3): the offer closes, nothing else
 * changes, and the page says so calmly. */
async function decline(s: Session): Promise<void> {
  await busy($("app"), async () => {
    try {
      await api.declineHandover(s.token);
    } catch (err) {
      if (err instanceof api.ApiError && err.code === "unauthorized") return sessionGone();
      // 404: no offer is open any more, which is what no means too.
      if (!(err instanceof api.ApiError && err.status === 404)) {
        s.handover = { phase: "offer", error: errorText(err) };
        drawHandover(s);
        return;
      }
    }
    s.offer = "";
    s.handover = { phase: "said", key: "handover.declined" };
    drawHandover(s);
    document.querySelector<HTMLElement>("#handover-slot [tabindex]")?.focus();
  });
}

async function deleteConversation(): Promise<void> {
  const s = state.session;
  if (!s) return go("start");
  const view = $("app");
  await busy(view, async () => {
    try {
      status("progress.delete", true);
      await api.deleteMailbox(s.token);
      endSession();
      go("deleted");
    } catch (err) {
      status("");
      if (err instanceof api.ApiError && err.code === "unauthorized") {
        endSession();
        go("deleted");
        return;
      }
      formError(view, errorText(err));
    }
  });
}

// ---- start ------------------------------------------------------------------------

// ---- the language picker ---------------------------------------------------------

/** setupPicker lists every language in its own name and script, so that a
 * person finds theirs without reading any other. The choice lives in the
 * page only: no cookie, no storage, no address. */
function setupPicker(): void {
  const picker = $("lang") as HTMLSelectElement;
  picker.replaceChildren(...LANGUAGES.map((l) => h("option", { value: l.code, lang: l.code, dir: l.rtl ? "rtl" : "ltr" }, l.name)));
  picker.value = state.lang;
  picker.addEventListener("change", () => void chooseLang(picker, picker.value));
}

async function chooseLang(picker: HTMLSelectElement, v: string): Promise<void> {
  if (!isLang(v) || v === state.lang) return;
  try {
    await loadLang(v);
  } catch {
    if (picker.value === v) picker.value = state.lang;
    status("err.unreachable");
    return;
  }
  if (picker.value !== v) return; // chosen again while it loaded
  state.lang = v;
  render(false);
  picker.focus();
}

/** leaveGuard asks before the page is left while a draft or an unsent
 * first message with its code is on screen; after the mailbox exists, the
 * person has checked their note, and nothing is lost by leaving. */
function leaveGuard(e: BeforeUnloadEvent): void {
  if (state.leaving) return;
  if (state.pending || (state.view === "write" && (state.draft.body.trim() !== "" || !!firstFiles?.count))) {
    e.preventDefault();
    e.returnValue = ""; // older browsers need it set
  }
}

async function main(): Promise<void> {
  api.setOrg(api.orgFromPath(location.pathname)); // PROTOCOL.md §8: /o/<slug>/
  setupExit();
  addEventListener("beforeunload", leaveGuard);
  setupPicker();
  const want = defaultLang();
  // !loaded: the operator changed texts of a language in the bundle.
  if (want !== state.lang || !loaded(want)) {
    try {
      await loadLang(want);
      state.lang = want;
    } catch {
      // The bundle's English stays; the picker can try again.
    }
  }
  // The online line follows the desks while the page is open, as a chat's
  // does; once a minute is enough for "someone is there now".
  setInterval(() => {
    if (document.visibilityState === "visible" && document.getElementById("online")) showOnline();
  }, 60000);
  render(false);
  showOnline();
}

void main();
