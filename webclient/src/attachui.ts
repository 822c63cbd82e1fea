// The enquirer's attachments on the page (PROTOCOL.md §10): choosing up to
// five photos or files for a message, cleaning photos before anything else
// happens, the warning for files that cannot be cleaned, the sizes before
// sending, progress while sending and loading, and saving a file someone
// sent under a neutral name after checking it. Everything lives in memory:
// the picked files are dropped after sending or when the conversation
// closes, and an object URL lives only while the browser starts a save.
import * as api from "./api";
import * as attachapi from "./attachapi";
import * as a from "./attach";
import { h } from "./dom";
import { cleanImage, CannotCleanError, isImage } from "./imageclean";
import type { Key, Lang } from "./i18n";

type T = (key: Key, vars?: Record<string, string | number>) => string;

/** Ctx is what the page lends this module: its texts and language. */
export interface Ctx {
  t: T;
  lang: () => Lang;
}

/** Picked is a file ready to seal: cleaned pixels, or a file the person
 * chose to send as it is after the warning. */
interface Picked {
  name: string;
  type: string;
  bytes: Uint8Array<ArrayBuffer>;
  before: number; // the size on the device, to show what cleaning did
  cleaned: boolean;
  // Its upload, once it went, and the team key it was sealed to: a second
  // try of the message names it again rather than using up the mailbox's
  // hourly uploads (the server keeps an unnamed upload 30 minutes at least).
  sent?: { ref: a.Attachment; team: string };
}

const present = (...xs: Array<Node | null>): Node[] => xs.filter((x): x is Node => x !== null);

/** formatSize shows n bytes in kB or MB in the reader's language. */
export function formatSize(n: number, lang: Lang): string {
  const mb = n >= 1024 * 1024;
  const v = mb ? n / (1024 * 1024) : Math.max(1, Math.round(n / 1024));
  try {
    return new Intl.NumberFormat(lang, { style: "unit", unit: mb ? "megabyte" : "kilobyte", maximumFractionDigits: mb ? 1 : 0 }).format(v);
  } catch {
    return (mb ? v.toFixed(1) : String(v)) + (mb ? " MB" : " kB");
  }
}

// MAX_PHOTO bounds the photo file the browser is asked to decode: a phone
// tab that decodes far more pixels than any camera takes may crash.
const MAX_PHOTO = 64 << 20;

// Files a phone offers from its camera and its documents; anything else
// still reaches the warning if picked through "all files".
const ACCEPT = "image/*,.heic,.heif,application/pdf,.pdf,.doc,.docx,.odt,.xls,.xlsx,.ods,.txt";

/**
 * Picker holds the files of one message being written and draws the part
 * of the form that chooses them. The page keeps one for the first message
 * and one for the reply, and draws it again on a language switch; the
 * files stay.
 */
export class Picker {
  private items: Picked[] = [];
  private warn: { file: File; photo: boolean } | null = null;
  private queue: Promise<void> = Promise.resolve();
  private working = 0;
  private photos = 0;
  private note: { key: Key; vars?: Record<string, string | number> } | null = null;
  private root: HTMLElement | null = null;
  // clear() starts a new generation: a photo still being cleaned, or a
  // question still open, then belongs to a message that is gone.
  private gen = 0;

  constructor(
    private readonly ctx: Ctx,
    private readonly id: string,
  ) {}

  get count(): number {
    return this.items.length;
  }

  /** deciding: a warning waits for the person's answer. */
  get deciding(): boolean {
    return this.warn !== null;
  }

  /** idle resolves once every picked photo is cleaned. */
  idle(): Promise<void> {
    return this.queue;
  }

  /** clear forgets every picked file and zeroes its bytes. */
  clear(): void {
    this.gen++;
    this.decide(false);
    for (const it of this.items) it.bytes.fill(0);
    this.items = [];
    this.warn = null;
    this.note = null;
    this.photos = 0;
    this.draw();
  }

  /** forgetUploads makes the next try upload every file again: the
   * server refused the earlier uploads (expired, or named already). */
  forgetUploads(): void {
    for (const it of this.items) delete it.sent;
  }

  /** moveTo hands every picked file to other (which draws them). */
  moveTo(other: Picker): void {
    other.items.push(...this.items.splice(0, a.MAX_ATTACHMENTS - other.items.length));
    this.clear();
    other.draw();
  }

  /** element draws the picker; it replaces the one drawn before. */
  element(): HTMLElement {
    this.root = h("fieldset", { class: "attach", id: this.id });
    this.draw();
    return this.root;
  }

  private draw(): void {
    const root = this.root;
    if (!root) return;
    const { t } = this.ctx;
    const lang = this.ctx.lang();
    const camera = h("input", { type: "file", accept: "image/*", capture: "environment", hidden: true, id: this.id + "-camera", tabindex: "-1" }) as HTMLInputElement;
    const files = h("input", { type: "file", accept: ACCEPT, multiple: true, hidden: true, id: this.id + "-file", tabindex: "-1" }) as HTMLInputElement;
    for (const input of [camera, files]) {
      input.addEventListener("change", () => {
        const picked = [...(input.files ?? [])];
        input.value = ""; // the same file may be picked again; and no name stays in the form
        this.add(picked);
      });
    }
    const full = this.items.length >= a.MAX_ATTACHMENTS;
    const list = h("ul", { class: "attach-list", id: this.id + "-list" },
      ...this.items.map((it, i) =>
        h("li", { class: "attach-item" },
          h("span", { class: "attach-name", dir: "auto", id: `${this.id}-name-${i}` }, it.name),
          " ",
          h("span", { class: "attach-size" }, it.cleaned
            ? t("attach.cleaned", { size: formatSize(it.bytes.length, lang), before: formatSize(it.before, lang) })
            : t("attach.notCleaned", { size: formatSize(it.bytes.length, lang) })),
          h("button", { type: "button", class: "link", id: `${this.id}-remove-${i}`, "aria-labelledby": `${this.id}-remove-${i} ${this.id}-name-${i}`, click: () => this.remove(i) }, t("attach.remove")))));
    const warn = this.warn;
    root.replaceChildren(...present(
      h("legend", {}, t("attach.legend")),
      h("p", { class: "hint", id: this.id + "-hint" }, t("attach.hint")),
      list,
      this.working > 0 ? h("p", { class: "status busy", role: "status" }, t("attach.cleaning")) : null,
      this.note ? h("p", { class: "error", role: "alert", id: this.id + "-note" }, t(this.note.key, this.note.vars)) : null,
      warn ? h("div", { class: "warning attach-warn", id: this.id + "-warn", role: "alertdialog", "aria-labelledby": this.id + "-warn-h", "aria-describedby": this.id + "-warn-text" },
        h("p", { class: "attach-warn-h", id: this.id + "-warn-h", tabindex: "-1" }, t("attach.warnHeading")),
        h("p", { id: this.id + "-warn-text" }, t(warn.photo ? "attach.warnPhoto" : "attach.warnDoc", { name: a.safeName(warn.file.name) })),
        h("div", { class: "actions" },
          h("button", { type: "button", class: "secondary", id: this.id + "-warn-add", click: () => this.decide(true) }, t("attach.warnAdd")),
          h("button", { type: "button", class: "primary", id: this.id + "-warn-cancel", click: () => this.decide(false) }, t("attach.warnCancel")))) : null,
      warn ? null : h("div", { class: "actions attach-actions" },
        h("button", { type: "button", class: "secondary", id: this.id + "-b-camera", disabled: full, click: () => camera.click() }, t("attach.photo")),
        h("button", { type: "button", class: "secondary", id: this.id + "-b-file", disabled: full, click: () => files.click() }, t("attach.file"))),
      camera, files));
    if (warn) root.querySelector<HTMLElement>(".attach-warn-h")?.focus();
  }

  private remove(i: number): void {
    const [it] = this.items.splice(i, 1);
    it?.bytes.fill(0);
    this.note = null;
    this.draw();
  }

  /** add takes picked files one after another: photos are cleaned, other
   * files wait for the person's answer to the warning. */
  private add(files: File[]): void {
    this.note = null;
    const gen = this.gen;
    for (const f of files) {
      this.queue = this.queue.then(() => this.take(f, gen));
    }
    this.draw();
  }

  private async take(f: File, gen: number): Promise<void> {
    if (gen !== this.gen) return;
    if (this.items.length + this.working >= a.MAX_ATTACHMENTS) {
      this.note = { key: "attach.tooMany", vars: { n: a.MAX_ATTACHMENTS } };
      return this.draw();
    }
    if (isImage(f) && f.size <= MAX_PHOTO) {
      this.working++;
      this.draw();
      try {
        const c = await cleanImage(f, a.ATTACHMENT_BUCKETS);
        if (gen !== this.gen) {
          c.bytes.fill(0);
          return;
        }
        this.photos++;
        // A camera's file name holds the date and time it was taken.
        const ext = c.type === "image/png" ? "png" : "jpg";
        this.items.push({ name: `photo-${this.photos}.${ext}`, type: c.type, bytes: c.bytes, before: f.size, cleaned: true });
      } catch (err) {
        if (err instanceof CannotCleanError) await this.ask(f, true, gen);
        else this.note = { key: "attach.tooLarge", vars: { name: a.safeName(f.name) } };
      } finally {
        this.working--;
        this.draw();
      }
      return;
    }
    await this.ask(f, false, gen);
  }

  private answer: ((yes: boolean) => void) | null = null;

  /** ask shows the warning for a file that cannot be cleaned and adds it
   * only if the person says so; the default button is not to send it. */
  private async ask(f: File, photo: boolean, gen: number): Promise<void> {
    if (gen !== this.gen) return;
    if (f.size > a.MAX_ATTACHMENT_FILE) {
      this.note = { key: "attach.tooLarge", vars: { name: a.safeName(f.name) } };
      return this.draw();
    }
    this.warn = { file: f, photo };
    this.draw();
    const yes = await new Promise<boolean>((resolve) => { this.answer = resolve; });
    this.warn = null;
    if (yes && gen === this.gen && this.items.length < a.MAX_ATTACHMENTS) {
      const bytes = new Uint8Array(await f.arrayBuffer());
      this.items.push({ name: a.safeName(f.name), type: a.safeType(f.type), bytes, before: f.size, cleaned: false });
    }
    this.draw();
    this.root?.querySelector<HTMLElement>(`#${this.id}-b-file`)?.focus();
  }

  private decide(yes: boolean): void {
    const r = this.answer;
    this.answer = null;
    r?.(yes);
  }

  /**
   * upload seals every picked file to the team and the enquirer and
   * uploads it, telling progress; it returns the references for the
   * message document, in the order picked. A failure throws and keeps the
   * files, so the person can try again.
   */
  async upload(token: string, team: string, own: string, progress: (key: Key, vars: Record<string, string | number>) => void): Promise<a.Attachment[]> {
    const refs: a.Attachment[] = [];
    const n = this.items.length;
    for (const [i, it] of this.items.entries()) {
      if (it.sent?.team === team) {
        refs.push(it.sent.ref);
        continue;
      }
      progress("attach.uploading", { n: i + 1, total: n, percent: 0 });
      const s = await a.sealAttachment(it.bytes, it.name, it.type, team, own);
      const id = await attachapi.uploadAttachment(token, s.ciphertext, (done, total) => {
        progress("attach.uploading", { n: i + 1, total: n, percent: total ? Math.floor((100 * done) / total) : 0 });
      });
      it.sent = { ref: { id, ...s.ref }, team };
      refs.push(it.sent.ref);
    }
    return refs;
  }
}

// ---- files in the thread ----------------------------------------------------------

/** Where each attachment a reader has touched stands, by its id: drawn
 * again with the thread, forgotten with the conversation. */
const states = new Map<string, { key: Key; vars?: Record<string, string | number> }>();

/** forgetFiles drops what the thread knew about its files. */
export function forgetFiles(): void {
  states.clear();
}

/**
 * fileList draws a message's attachments as buttons that load, check and
 * save each one. A file that fails the check is never offered: a warning
 * takes its place.
 */
export function fileList(ctx: Ctx, refs: readonly a.Attachment[], session: { token: string; identity: string }): HTMLElement {
  return h("ul", { class: "files" }, ...refs.map((ref, i) => {
    const li = h("li", { class: "file", "data-attachment": ref.id });
    drawFile(ctx, li, ref, i, session);
    return li;
  }));
}

function drawFile(ctx: Ctx, li: HTMLElement, ref: a.Attachment, i: number, session: { token: string; identity: string }): void {
  const { t } = ctx;
  const name = a.neutralName(ref.type, i + 1);
  const st = states.get(ref.id);
  if (st?.key === "attach.bad") {
    li.className = "file warning";
    li.replaceChildren(h("p", { role: "alert" }, t("attach.bad")));
    return;
  }
  // The thread may have been drawn again since the click: draw every
  // element that shows this file.
  const set = (key: Key, vars?: Record<string, string | number>): void => {
    states.set(ref.id, { key, vars });
    for (const el of document.querySelectorAll<HTMLElement>("li[data-attachment]")) {
      if (el.dataset["attachment"] === ref.id) drawFile(ctx, el, ref, i, session);
    }
  };
  const load = async (): Promise<void> => {
    if (states.get(ref.id)?.key === "attach.loading") return;
    set("attach.loading", { percent: 0 });
    let file: Uint8Array<ArrayBuffer>;
    try {
      const ct = await attachapi.attachment(session.token, ref.id, a.MAX_ATTACHMENT_CIPHERTEXT, (done, total) => {
        if (total) set("attach.loading", { percent: Math.floor((100 * done) / total) });
      });
      file = await a.openAttachment(ct, session.identity, ref);
    } catch (err) {
      set(err instanceof a.AttachmentCheckError || (err instanceof api.ApiError && err.status === 404) ? "attach.bad" : "err.unreachable");
      return;
    }
    saveFile(file, name);
    set("attach.saved", { name });
  };
  li.replaceChildren(...present(
    h("button", { type: "button", class: "secondary file-save", click: () => void load() },
      t("attach.save", { name, size: formatSize(ref.size, ctx.lang()) })),
    st ? h("p", { class: "hint file-state", role: "status" }, t(st.key, st.vars)) : null));
}

/**
 * saveFile hands bytes to the browser's download under name and drops
 * them. The object URL is the one way to save without a server round trip;
 * it lives only until the browser has taken the file. It is a download (the
 * type says octet-stream), so the browser never renders it here.
 */
function saveFile(file: Uint8Array<ArrayBuffer>, name: string): void {
  const url = URL.createObjectURL(new Blob([file], { type: "application/octet-stream" }));
  file.fill(0);
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    // The browser reads the blob when the download starts, after this task.
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}
