// Attachments in the desk (PROTOCOL.md §10). counsel fetches, decrypts
// and checks every file; the page gets a file's bytes only after that
// check and never renders them as markup or through an <img>: JPEG, PNG
// and WebP previews are decoded with createImageBitmap onto a canvas, and
// "save" writes the bytes under a neutral name, never the sender's. Files
// for a reply are staged in counsel (in memory, wiped when the desk locks)
// until the reply takes them.
import { h } from "../../src/dom";
import type { Vars } from "../../src/i18n";
import { DeskError, type Attachment, type DeskAPI, type Message, type StagedFile } from "./api";
import type de from "./lang/de.json";

type Key = keyof typeof de;

/** What the module needs of the page: main.ts passes it once. */
export interface AttachmentEnv {
  api: DeskAPI;
  t: (key: Key, vars?: Vars) => string;
  lang: () => string;
  errorText: (err: unknown) => string;
}

/** The most files a reply carries, and the largest (8 MiB). */
export const MAX_FILES = 5;
export const MAX_FILE_BYTES = 8 << 20;

/** The box a preview fits into, in CSS pixels. */
const PREVIEW_W = 480;
const PREVIEW_H = 360;

let env: AttachmentEnv | null = null;
const staged: { caseId: string; files: StagedFile[] } = { caseId: "", files: [] };

export function initAttachments(e: AttachmentEnv): void {
  env = e;
}

function need(): AttachmentEnv {
  if (!env) throw new Error("attachments: initAttachments was not called");
  return env;
}

/** formatSize says a size in the page's language: "1,2 MB". */
export function formatSize(bytes: number): string {
  const [unit, n] = bytes < 1000 ? (["byte", bytes] as const) : bytes < 1e6 ? (["kilobyte", bytes / 1e3] as const) : (["megabyte", bytes / 1e6] as const);
  try {
    return new Intl.NumberFormat(need().lang(), { style: "unit", unit, maximumFractionDigits: 1 }).format(n);
  } catch {
    return `${bytes} B`;
  }
}

/** neutralName is the name a file is saved under: its kind, never the
 * sender's name (which may name a person, hide an extension or be a path). */
export function neutralName(type: string): string {
  const ext: Record<string, string> = { "application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "text/plain": "txt" };
  return `lotse-attachment.${ext[type] ?? "bin"}`;
}

/** shownName is a sender's file name as the page shows it: a character
 * that reorders text becomes U+FFFD, so "rechnung\u202Efdp.exe" cannot
 * pass for "rechnungexe.pdf" (counsel's oneLine does the same in a
 * terminal). */
export function shownName(name: string): string {
  return name.replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "\ufffd");
}

/** imageKind reads a file's first bytes: the decoder is chosen by them,
 * never by the type the sender wrote. */
export function imageKind(b: Uint8Array): "jpeg" | "png" | "webp" | "" {
  const at = (i: number, s: string): boolean => [...s].every((c, j) => b[i + j] === c.charCodeAt(0));
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b[0] === 0x89 && at(1, "PNG\r\n\x1a\n")) return "png";
  if (at(0, "RIFF") && at(8, "WEBP")) return "webp";
  return "";
}

/** attachmentList shows a message's attachments: name, type, size and the
 * state of counsel's check, with preview and save for those that passed.
 * A file that failed is a warning in its place. */
export function attachmentList(caseId: string, m: Message): HTMLElement | null {
  const { t } = need();
  if (!m.attachments?.length) return null;
  return h("ul", { class: "attachments", "aria-label": t("att.list") }, ...m.attachments.map((a) => attachmentItem(caseId, m.seq, a)));
}

function attachmentItem(caseId: string, seq: number, a: Attachment): HTMLElement {
  const { t } = need();
  if (a.state === "warning") {
    return h("li", { class: "attachment warn", role: "alert", "data-state": "warning" }, t("att.warning", { name: shownName(a.name), reason: a.warning ?? "" }));
  }
  const err = h("span", { class: "error", role: "alert" });
  const li = h(
    "li",
    { class: "attachment", "data-state": a.state },
    h("bdi", { class: "att-name" }, shownName(a.name)),
    h("span", { class: "muted" }, `${a.type} · ${formatSize(a.size)}`),
    h("span", { class: `tag ${a.state === "checked" ? "ok" : ""}` }, t(a.state === "checked" ? "att.checked" : "att.unchecked")),
  );
  const failed = (e: unknown): void => {
    // counsel's check failed now: the file is never shown, only why.
    if (e instanceof DeskError && e.code === "attachment_warning") {
      li.replaceWith(h("li", { class: "attachment warn", role: "alert", "data-state": "warning" }, need().errorText(e)));
      return;
    }
    err.textContent = need().errorText(e);
  };
  if (a.image) {
    const button = h("button", { type: "button", class: "btn att-preview" }, t("att.preview")) as HTMLButtonElement;
    button.addEventListener("click", () => void preview(caseId, seq, a, li, button).catch(failed));
    li.append(button);
  }
  const save = h("button", { type: "button", class: "btn att-save", title: t("att.savehint") }, t("att.save"));
  save.addEventListener("click", () => void saveFile(caseId, seq, a).catch(failed));
  li.append(save, err);
  return li;
}

/** preview decodes the image in the browser's image decoder and draws it,
 * scaled down, on a canvas: nothing of the file becomes markup or a URL. */
async function preview(caseId: string, seq: number, a: Attachment, li: HTMLElement, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  try {
    const buf = await need().api.attachment(caseId, seq, a.index);
    const kind = imageKind(new Uint8Array(buf, 0, Math.min(buf.byteLength, 12)));
    if (!kind || kind !== a.image) throw new Error(need().t("att.nopreview"));
    const bmp = await createImageBitmap(new Blob([buf], { type: `image/${kind}` }));
    try {
      const scale = Math.min(1, PREVIEW_W / bmp.width, PREVIEW_H / bmp.height);
      const canvas = h("canvas", { class: "att-canvas", role: "img", "aria-label": need().t("att.previewlabel", { name: shownName(a.name) }) }) as HTMLCanvasElement;
      canvas.width = Math.max(1, Math.round(bmp.width * scale));
      canvas.height = Math.max(1, Math.round(bmp.height * scale));
      canvas.getContext("2d")?.drawImage(bmp, 0, 0, canvas.width, canvas.height);
      li.querySelector(".att-view")?.remove();
      li.append(h("div", { class: "att-view" }, canvas));
    } finally {
      bmp.close();
    }
  } finally {
    button.disabled = false;
  }
}

/** The File System Access API where the browser has it: the counsellor
 * chooses the file. */
interface SaveHandle {
  createWritable(): Promise<{ write(b: ArrayBuffer): Promise<void>; close(): Promise<void>; abort(): Promise<void> }>;
}
type SavePicker = (opts: { suggestedName: string }) => Promise<SaveHandle>;

/** saveFile writes the checked bytes to a file the counsellor chooses, or,
 * without a file picker, downloads them under the neutral name. */
async function saveFile(caseId: string, seq: number, a: Attachment): Promise<void> {
  const name = neutralName(a.type);
  const picker = (window as unknown as { showSaveFilePicker?: SavePicker }).showSaveFilePicker;
  if (picker) {
    let handle: SaveHandle;
    try {
      // Asked first, while the click still counts as the person's.
      handle = await picker({ suggestedName: name });
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") return;
      throw e;
    }
    const w = await handle.createWritable();
    try {
      await w.write(await need().api.attachment(caseId, seq, a.index));
      await w.close();
    } catch (e) {
      await w.abort().catch(() => {});
      throw e;
    }
    return;
  }
  const buf = await need().api.attachment(caseId, seq, a.index);
  const url = URL.createObjectURL(new Blob([buf], { type: "application/octet-stream" }));
  try {
    h("a", { href: url, download: name }).click();
  } finally {
    // The download has its bytes once it starts; the URL must not outlive it.
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}

// ---- files for a reply ------------------------------------------------

/** stagedIds are the files staged for the open case's reply, in order. */
export function stagedIds(caseId: string): string[] {
  return staged.caseId === caseId ? staged.files.map((f) => f.id) : [];
}

/** forgetStaged empties the list once a reply took the files (counsel has
 * dropped them). */
export function forgetStaged(): void {
  staged.files = [];
  renderStaged();
}

/** showStagedFor keeps the staged files of caseId; those of another case
 * are dropped in counsel too, so no file goes into the wrong reply. */
export function showStagedFor(caseId: string): void {
  if (staged.caseId !== caseId) {
    const { caseId: old, files } = staged;
    for (const f of files) void need().api.unstage(old, f.id).catch(() => {});
    staged.caseId = caseId;
    staged.files = [];
  }
  renderStaged();
}

/** addFiles stages the chosen files in counsel, one by one, each checked
 * against the limits first. */
export async function addFiles(caseId: string, files: File[], list: HTMLElement, error: HTMLElement): Promise<void> {
  const { t, api, errorText } = need();
  error.textContent = "";
  showStagedFor(caseId);
  for (const file of files) {
    if (staged.files.length >= MAX_FILES) {
      error.textContent = t("att.toomany", { n: MAX_FILES });
      return;
    }
    if (file.size > MAX_FILE_BYTES || file.size === 0) {
      error.textContent = t(file.size === 0 ? "att.empty" : "att.toolarge", { name: file.name, max: formatSize(MAX_FILE_BYTES) });
      continue;
    }
    list.setAttribute("aria-busy", "true");
    try {
      const f = await api.stage(caseId, file.name, await base64Of(file));
      if (staged.caseId !== caseId) {
        void api.unstage(caseId, f.id).catch(() => {});
        return;
      }
      staged.files.push(f);
      renderStaged();
    } catch (e) {
      error.textContent = errorText(e);
    } finally {
      list.removeAttribute("aria-busy");
    }
  }
}

/** base64Of reads a file as base64 through the browser's own encoder. */
function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => {
      const s = typeof r.result === "string" ? r.result : "";
      resolve(s.slice(s.indexOf(",") + 1));
    };
    r.onerror = () => reject(r.error ?? new Error("read"));
    r.readAsDataURL(file);
  });
}

function renderStaged(): void {
  const { t, api } = need();
  const list = document.getElementById("reply-staged");
  if (!list) return;
  const caseId = staged.caseId;
  list.replaceChildren(
    ...staged.files.map((f) =>
      h(
        "li",
        { class: "staged" },
        h("bdi", { class: "att-name" }, shownName(f.name)),
        h("span", { class: "muted" }, `${f.type} · ${formatSize(f.size)}`),
        h(
          "button",
          {
            type: "button",
            class: "btn ghost",
            "aria-label": t("att.removelabel", { name: shownName(f.name) }),
            click: () => {
              staged.files = staged.files.filter((x) => x.id !== f.id);
              renderStaged();
              void api.unstage(caseId, f.id).catch(() => {});
            },
          },
          t("att.remove"),
        ),
      ),
    ),
  );
}
