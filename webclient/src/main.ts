// The enquirer's page: write a first message, keep the pickup code and
// passphrase, come back, read replies, answer, delete, leave at once.
// One URL and no history entries; nothing is stored on the device; every
// string from the translation files; no markup from data (textContent only).
import * as api from "./api";
import { h, type Attrs } from "./dom";
import { defaultLang, isLang, isRTL, LANGUAGES, loaded, loadLang, translate, type Key, type Lang } from "./i18n";
import * as p from "./protocol";
import type { Reply, Request } from "./worker";

type View = "start" | "write" | "keep" | "login" | "thread" | "delete" | "deleted";

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
}

const state: {
  lang: Lang;
  view: View;
  busy: boolean;
  session: Session | null;
  shown: { code: string; pass: string } | null; // only on the keep view
  team: api.Team | null;
  teamFP: string;
} = { lang: firstLang(), view: "start", busy: false, session: null, shown: null, team: null, teamFP: "" };

const $ = (id: string): HTMLElement => document.getElementById(id)!;

/** firstLang is the browser's language if its texts are in the bundle;
 * main loads any other before the first view. */
function firstLang(): Lang {
  const l = defaultLang();
  return loaded(l) ? l : "en";
}
const t = (key: Key, vars?: Record<string, string | number>): string => translate(state.lang, key, vars);

function status(text: string, busy = false): void {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("busy", busy);
  s.hidden = text === "";
}

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
  endSession();
  state.shown = null;
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
  worker ??= new Worker(workerURL());
  const w = worker;
  return new Promise((resolve, reject) => {
    w.onmessage = (e: MessageEvent) => {
      const r = e.data as Reply;
      if (r.op === "progress") onProgress?.(r.tries);
      else if (r.op === "error") reject(new Error(r.message));
      else resolve(r);
    };
    w.onerror = () => reject(new Error("worker failed"));
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
  if (err instanceof p.TooLongError) return t("write.tooLong");
  if (err instanceof api.ApiError) {
    switch (err.code) {
      case "unreachable": return t("err.unreachable");
      case "rate_limited": return t("err.rateLimited");
      case "mailbox_full": return t("err.full");
      case "too_large": return t("write.tooLong");
      case "team_not_ready": return t("err.teamNotReady");
      case "storage_full": return t("err.storageFull");
      case "unauthorized": return t("err.session");
    }
    if (err.status >= 502 && err.status <= 504) return t("err.unreachable");
  }
  return t("err.generic");
}

async function getTeam(fresh = false): Promise<api.Team> {
  if (!state.team || fresh) {
    const team = await api.team();
    if (!p.validRecipient(team.recipient) || !Number.isInteger(team.epoch) || team.epoch < 1) {
      throw new api.ApiError(500, "malformed_team");
    }
    state.team = team;
    state.teamFP = await p.fingerprint(team.recipient);
  }
  return state.team;
}

// ---- rendering --------------------------------------------------------------------

function go(view: View): void {
  state.view = view;
  status("");
  render(true);
}

/** render draws the current view; on a language switch it keeps what the
 * person typed and chose. */
function render(focusHeading: boolean): void {
  document.documentElement.lang = state.lang;
  document.documentElement.dir = isRTL(state.lang) ? "rtl" : "ltr";
  document.title = t("title");
  const picker = $("lang") as HTMLSelectElement;
  picker.value = state.lang;
  picker.setAttribute("aria-label", t("lang.label"));
  const exit = $("exit");
  exit.textContent = t("exit");
  exit.setAttribute("aria-label", t("exit.label"));
  $("brand").textContent = t("brand");

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

function secretInput(placeholder: string): HTMLElement {
  return h("input", {
    type: "text", inputmode: "numeric", autocomplete: "off", autocorrect: "off", autocapitalize: "off",
    spellcheck: "false", "data-lpignore": "true", placeholder, class: "digits", dir: "ltr",
  });
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
      h("div", { class: "actions" },
        button("start.write", () => go("write")),
        button("start.return", () => go("login"), "secondary")),
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
    const left = h("p", { class: "hint", id: "body-left", "aria-live": "polite" });
    body.addEventListener("input", () => {
      const n = p.MAX_DOCUMENT - 3000 - p.utf8(body.value).length;
      left.textContent = n < 2000 ? t("write.left", { n: Math.max(0, n) }) : "";
    });
    const roles = h("fieldset", { class: "roles" },
      h("legend", {}, t("write.roleLegend")),
      h("p", { class: "hint" }, t("write.roleHint")),
      ...(["none", ...p.ROLES] as const).map((r) =>
        h("div", { class: "radio" },
          h("input", { type: "radio", name: "role", id: "role-" + r, value: r, checked: r === "none" }),
          h("label", { for: "role-" + r }, t(("role." + r) as Key)))));
    const form = h("form", { novalidate: true, autocomplete: "off" },
      roles,
      field("body", t("write.bodyLabel"), body, t("write.bodyHint")),
      left,
      formErrorSlot(),
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary", id: "b-write-send" }, t("write.send")),
        button("back", () => go("start"), "secondary")),
      state.teamFP ? h("p", { class: "fingerprint" }, t("write.team", { fp: state.teamFP })) : null);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const role = (form.querySelector<HTMLInputElement>("input[name=role]:checked")?.value ?? "none");
      void sendFirst(form, body.value, role === "none" ? "" : role);
    });
    void getTeam().then(() => {
      if (state.view === "write" && !form.querySelector(".fingerprint")) {
        form.append(h("p", { class: "fingerprint" }, t("write.team", { fp: state.teamFP })));
      }
    }).catch(() => {});
    return h("section", { class: "view" }, heading("write.heading"), form);
  },

  keep: () => {
    const shown = state.shown!;
    const digits = (groups: string[], cls: string): HTMLElement =>
      h("p", { class: "secret " + cls },
        h("span", { class: "sr-only" }, groups.map((g) => g.split("").join(" ")).join(", ")),
        h("span", { "aria-hidden": "true", class: "groups", dir: "ltr" }, ...groups.map((g) => h("span", { class: "group" }, g))));
    const check = secretInput("");
    check.setAttribute("maxlength", "12");
    const form = h("form", { novalidate: true, autocomplete: "off" },
      field("confirm", t("keep.confirmLabel"), check),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "b-keep-confirm" }, t("keep.confirm"))));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const typed = p.normalizeDigits((check as HTMLInputElement).value);
      if (typed !== shown.pass.slice(-4)) {
        setError("confirm", t("keep.confirmWrong"));
        check.focus();
        return;
      }
      state.shown = null;
      go("thread");
      startLive();
    });
    return h("section", { class: "view" },
      h("p", { class: "success" }, t("keep.sent")),
      heading("keep.heading"),
      h("p", {}, t("keep.intro")),
      h("div", { class: "secrets" },
        h("h2", { class: "secret-label" }, t("keep.code")),
        digits(p.groupPickupCode(shown.code), "code"),
        h("h2", { class: "secret-label" }, t("keep.pass")),
        digits(p.groupPassphrase(shown.pass), "pass")),
      h("h2", {}, t("keep.adviceHeading")),
      h("ul", { class: "advice" }, h("li", {}, t("keep.advice1")), h("li", {}, t("keep.advice2")), h("li", {}, t("keep.advice3"))),
      form);
  },

  login: () => {
    const code = secretInput("00000 00000");
    const pass = secretInput("0000 0000 0000 0000");
    const form = h("form", { novalidate: true, autocomplete: "off" },
      field("code", t("login.code"), code),
      field("pass", t("login.pass"), pass),
      formErrorSlot(),
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary", id: "b-login-submit" }, t("login.submit")),
        button("back", () => go("start"), "secondary")));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void login(form, (code as HTMLInputElement).value, (pass as HTMLInputElement).value);
    });
    return h("section", { class: "view" }, heading("login.heading"), h("p", {}, t("login.intro")), form);
  },

  thread: () => {
    const s = state.session!;
    const list = h("ol", { class: "thread", id: "thread", "aria-labelledby": "thread-h" });
    fillThread(list);
    const reply = h("textarea", { rows: "5", autocomplete: "off", spellcheck: "false" }) as HTMLTextAreaElement;
    const form = h("form", { novalidate: true, autocomplete: "off" },
      field("reply", t("thread.replyLabel"), reply),
      formErrorSlot(),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "b-thread-send" }, t("thread.send"))));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void sendReply(form, reply);
    });
    return h("section", { class: "view" },
      h("h1", { tabindex: "-1", id: "thread-h" }, t("thread.heading")),
      h("p", { class: "expires", id: "expires" }, t("thread.expires", { date: formatDate(s.expires) })),
      s.offline ? h("p", { class: "note", id: "offline" }, t("thread.offline")) : null,
      list,
      form,
      h("div", { class: "actions end" },
        button("thread.close", () => { endSession(); go("start"); }, "secondary"),
        button("thread.delete", () => go("delete"), "danger")));
  },

  delete: () =>
    h("section", { class: "view" },
      heading("delete.heading"),
      h("p", {}, t("delete.text")),
      formErrorSlot(),
      h("div", { class: "actions" },
        button("delete.confirm", () => void deleteConversation(), "danger"),
        button("delete.cancel", () => go("thread"), "secondary"))),

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

/** entryItem draws one message, a duplicate note or a warning. */
function entryItem(e: p.ThreadEntry): HTMLElement {
  if (!e.doc) return warningItem(e.seq, "thread.warning");
  if (e.duplicate) return h("li", { class: "note duplicate", "data-seq": String(e.seq) }, t("thread.duplicate"));
  const mine = e.doc.from === "enquirer";
  const who = mine ? t("thread.you") : e.doc.name ? t("thread.teamNamed", { name: e.doc.name }) : t("thread.team");
  return h("li", { class: "message " + (mine ? "mine" : "theirs"), "data-seq": String(e.seq) },
    h("p", { class: "meta" }, h("span", { class: "who" }, who), " · ", h("time", { datetime: e.doc.sent }, formatDateTime(e.doc.sent))),
    h("p", { class: "body", lang: e.doc.lang }, e.doc.body));
}

/** fillThread draws each message on its own: one that cannot be drawn
 * becomes a warning in its place, and the rest stays readable. */
function fillThread(list: HTMLElement): void {
  const s = state.session!;
  const items: HTMLElement[] = [];
  for (const e of s.entries) {
    try {
      items.push(entryItem(e));
    } catch {
      items.push(warningItem(e.seq, "thread.unshowable"));
    }
  }
  const last = s.entries[s.entries.length - 1];
  if (!s.entries.some((e) => e.from === "counsellor") || last?.from === "enquirer") {
    items.push(h("li", { class: "note waiting" }, t("thread.waiting")));
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

async function sendFirst(form: HTMLElement, body: string, role: string): Promise<void> {
  setError("body", "");
  formError(form, "");
  if (body.trim() === "") {
    setError("body", t("write.empty"));
    $("body").focus();
    return;
  }
  // The size check first, with fields of their final length.
  const probe: p.Document = {
    v: 1, type: "message", mailbox: "0".repeat(32), id: "A".repeat(22), mk: "A".repeat(43) + "=", from: "enquirer",
    sent: "2026-01-01T00:00:00Z", lang: state.lang, body, recipient: "a".repeat(1959),
    ...(role ? { role } : {}),
  };
  if (p.documentSize(probe) === 0) {
    setError("body", t("write.tooLong"));
    $("body").focus();
    return;
  }
  await busy(form, async () => {
    try {
      status(t("progress.keys"), true);
      const team = await getTeam(true);
      let code = p.generatePickupCode();
      let pass = p.generatePassphrase();
      let keys = await deriveKeys(code, pass);
      let created: { seq: number; expires: string } | null = null;
      for (let attempt = 0; !created; attempt++) {
        status(t("progress.pow"), true);
        const challenge = await api.pow();
        const r = await runWorker({ op: "pow", challenge: challenge.challenge, difficulty: challenge.difficulty });
        if (r.op !== "pow") throw new Error("worker: unexpected reply");
        status(t("progress.send"), true);
        const doc = { ...newDoc(keys, body), ...(role ? { role } : {}), recipient: keys.recipient };
        const ct = await p.sealDocument(doc, state.team!.recipient, keys.recipient);
        try {
          created = await api.createMailbox({
            id: keys.mailboxId, verifier: keys.verifier, epoch: state.team!.epoch, message: ct,
            pow: challenge.difficulty > 0 ? { challenge: challenge.challenge, nonce: r.nonce } : undefined,
          });
        } catch (err) {
          if (attempt >= 2 || !(err instanceof api.ApiError)) throw err;
          if (err.code === "stale_epoch") await getTeam(true); // the team key changed: fetch it, seal again
          else if (err.code === "mailbox_exists") {
            forgetKeys(keys);
            code = p.generatePickupCode();
            pass = p.generatePassphrase();
            status(t("progress.keys"), true);
            keys = await deriveKeys(code, pass);
          } else if (err.code !== "pow_invalid") throw err;
        }
      }
      void team;
      state.session = newSession(keys, created.expires);
      state.shown = { code, pass };
      await fetchNew(state.session);
      go("keep");
      status(t("keep.sent"));
    } catch (err) {
      status("");
      formError(form, errorText(err));
    }
  });
}

function newSession(keys: p.EnquirerKeys, expires: string): Session {
  return {
    keys, token: p.bearer(keys), reader: new p.Reader(keys.mailboxId, keys.mk, keys.identity), entries: [],
    lastSeq: 0, expires, abort: new AbortController(), fetching: Promise.resolve(), offline: false,
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
      status(t("progress.keys"), true);
      keys = await deriveKeys(code, pass);
      status(t("progress.open"), true);
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
    const replies = await append(s, m.messages);
    if (state.session !== s || state.view !== "thread") return;
    const list = document.getElementById("thread");
    if (list) fillThread(list);
    const exp = document.getElementById("expires");
    if (exp) exp.textContent = t("thread.expires", { date: formatDate(s.expires) });
    if (replies > 0) status(t("thread.new"));
  }).catch((err: unknown) => {
    if (err instanceof api.ApiError && err.code === "unauthorized") sessionGone();
  });
  return s.fetching;
}

function sessionGone(): void {
  endSession();
  go("start");
  status(t("err.session"));
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

async function sendReply(form: HTMLElement, reply: HTMLTextAreaElement): Promise<void> {
  const s = state.session;
  if (!s) return;
  setError("reply", "");
  formError(form, "");
  const body = reply.value;
  if (body.trim() === "") {
    setError("reply", t("write.empty"));
    reply.focus();
    return;
  }
  const doc = newDoc(s.keys, body);
  if (p.documentSize(doc) === 0) {
    setError("reply", t("write.tooLong"));
    reply.focus();
    return;
  }
  await busy(form, async () => {
    try {
      status(t("progress.send"), true);
      let team = await getTeam();
      for (let attempt = 0; ; attempt++) {
        const ct = await p.sealDocument(doc, team.recipient, s.keys.recipient);
        try {
          await api.postMessage(s.token, team.epoch, ct);
          break;
        } catch (err) {
          if (attempt === 0 && err instanceof api.ApiError && err.code === "stale_epoch") {
            team = await getTeam(true);
            continue;
          }
          throw err;
        }
      }
      reply.value = "";
      await fetchNew(s);
      status(t("thread.sent"));
      reply.focus();
    } catch (err) {
      status("");
      if (err instanceof api.ApiError && err.code === "unauthorized") return sessionGone();
      formError(form, errorText(err));
    }
  });
}

async function deleteConversation(): Promise<void> {
  const s = state.session;
  if (!s) return go("start");
  const view = $("app");
  await busy(view, async () => {
    try {
      status(t("progress.delete"), true);
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
    status(t("err.unreachable"));
    return;
  }
  if (picker.value !== v) return; // chosen again while it loaded
  state.lang = v;
  render(false);
  picker.focus();
}

async function main(): Promise<void> {
  setupExit();
  setupPicker();
  const want = defaultLang();
  if (want !== state.lang) {
    try {
      await loadLang(want);
      state.lang = want;
    } catch {
      // The bundle's English stays; the picker can try again.
    }
  }
  render(false);
}

void main();
