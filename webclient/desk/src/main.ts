// The counsellor desk. Every string shown comes from the catalogues in
// lang/ or, as plain text (never markup), from the local counsel process.
// What the page knows lives in one object, desk; the HTML in index.html
// holds the fixed structure, and h() builds the lists.
import { byId as $, h } from "../../src/dom";
import { defaultLang, hasKey, isLang, LANGUAGES, translator, type Lang, type Vars } from "../../src/i18n";
import { addFiles, attachmentList, forgetStaged, initAttachments, showStagedFor, stagedIds } from "./attachments";
import { askOnce, chime, notify } from "./alerts";
import { busy } from "./busy";
import { Drafts } from "./drafts";
import { byNeed, waiting } from "./inbox";
import { DeskAPI, DeskError, type Block, type Case, type CasePatch, type Counsellor, type InboxCase, type Message, type OpenInvite, type State, type StreamEvent } from "./api";
import de from "./lang/de.json";
import en from "./lang/en.json";
import { actionList } from "./actions";
import { MemoryPanel } from "./memory";
import { TagFilter } from "./tagfilter";
import { blockEditor, editedBlocks, TeamBlocks } from "./teamblocks";
import { TeamCards } from "./teamtab";
import { OrgsCard } from "./orgs";
import { Transfer } from "./transfer";
import type { PanelDeps } from "./deps";

type Key = keyof typeof de;
const texts = { de, en };
const translate = translator<Key>(texts);

type View = "inbox" | "team";
type Filter = "active" | "new" | "awaiting" | "unassigned" | "open" | "closed" | "mine";
const filters: readonly Filter[] = ["active", "new", "awaiting", "unassigned", "open", "closed", "mine"];

const api = new DeskAPI(onAPIError);

const desk: {
  lang: Lang;
  api: DeskAPI;
  state: State | null; // the last GET /api/state
  cases: InboxCase[]; // the pages loaded so far, waiting longest first (inbox.ts)
  next: string; // the cursor of the next page, "" when all are loaded
  invites: OpenInvite[];
  filter: Filter;
  selected: string; // the open case's id, "" for none
  roster: Counsellor[];
  blocks: Block[];
  view: View;
  active: boolean; // used since the last touch
  seenCases: Set<string>;
  centreCase: string; // the case whose default centre language is set
  centreTimer: ReturnType<typeof setTimeout> | undefined;
  centreSearchNo: number; // so that a slow answer does not replace a newer one
  threadLang: string; // the open case's language, for a handover's note
  drafts: Drafts;
  previews: Map<string, string>; // first line of the newest message, by case
  sound: boolean; // a tone for new enquiries
} = {
  lang: initialLang(),
  api,
  state: null,
  cases: [],
  next: "",
  invites: [],
  filter: "active",
  selected: "",
  roster: [],
  blocks: [],
  view: "inbox",
  active: false,
  seenCases: new Set(),
  centreCase: "",
  centreTimer: undefined,
  centreSearchNo: 0,
  threadLang: "",
  drafts: new Drafts(api),
  previews: new Map(),
  sound: false,
};

const t = (key: Key, vars?: Vars): string => translate(desk.lang, key, vars);

const teamBlocks = new TeamBlocks();
const tagFilter = new TagFilter(desk.api, t, errorText, () => renderCases());
const panelDeps: PanelDeps = {
  api: desk.api,
  t,
  formatDate: (iso, withTime) => formatDate(iso, withTime),
  errorText,
  confirm: (text, yes) => confirmDialog(text, yes),
};
const teamCards = new TeamCards(panelDeps, () =>
  void teamBlocks.load(desk.api).then(renderBlockSelect).catch(() => {}),
);
const orgsCard = new OrgsCard(panelDeps);
const transfer = new Transfer({
  ...panelDeps,
  changed: async (id) => {
    await loadCases();
    if (desk.selected === id) await openCase(id);
  },
});
const memory = new MemoryPanel({ api: desk.api, t, lang: () => desk.lang, formatDate: (iso) => formatDate(iso), errorText });

// ---- language --------------------------------------------------------

/** The browser's language, unless the counsellor chose one in this tab. */
function initialLang(): Lang {
  const chosen = sessionStorage.getItem("lotse-desk-lang");
  return chosen === "de" || chosen === "en" ? chosen : defaultLang(["de", "en"]);
}

function setLang(lang: Lang): void {
  desk.lang = lang;
  sessionStorage.setItem("lotse-desk-lang", lang);
  document.documentElement.lang = lang;
  applyTexts();
}

/** Fills the fixed page's texts: data-t names the text of an element,
 * data-t-placeholder its placeholder. */
function applyTexts(): void {
  for (const el of document.querySelectorAll<HTMLElement>("[data-t]")) {
    const key = el.dataset["t"] ?? "";
    el.textContent = hasKey(texts, key) ? t(key) : `⟦${key}⟧`;
  }
  for (const el of document.querySelectorAll<HTMLElement>("[data-t-placeholder]")) {
    const key = el.dataset["tPlaceholder"] ?? "";
    el.setAttribute("placeholder", hasKey(texts, key) ? t(key) : `⟦${key}⟧`);
  }
}

/** A date in the page's language: "28. Nov. 2026, 14:05". */
function formatDate(iso: string, withTime = true): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const opts: Intl.DateTimeFormatOptions = withTime
    ? { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" }
    : { day: "numeric", month: "short", year: "numeric" };
  try {
    return new Intl.DateTimeFormat(desk.lang === "de" ? "de-DE" : "en-GB", opts).format(d);
  } catch {
    // A date the format cannot take is shown as written.
    return iso;
  }
}

// ---- errors ----------------------------------------------------------

/** counsel's own words in the page's language: it sends German beside the
 * English where it has it. */
function messageOf(err: DeskError): string {
  return desk.lang === "de" && err.messageDE ? err.messageDE : err.message;
}

function errorText(err: unknown): string {
  if (!(err instanceof DeskError)) return String(err);
  if (err.code === "alarm") return messageOf(err);
  const key = `err.${err.code}`;
  if (!hasKey(texts, key)) return messageOf(err);
  return err.code === "failed" ? `${t(key)} ${messageOf(err)}` : t(key);
}

/** Every error answer passes here first: some change what the page shows. */
function onAPIError(err: DeskError): void {
  if (err.code === "locked" && desk.state && !desk.state.locked) {
    desk.state.locked = true;
    showUnlock(true);
  } else if (err.code === "alarm") {
    showAlarm(messageOf(err).replace(/^ALARM: /, ""));
  } else if (err.code === "token") {
    show("token");
  }
}

// ---- views -------------------------------------------------------------

function show(which: "unlock" | "token" | View): void {
  for (const v of ["unlock", "token", "inbox", "team"]) $(`view-${v}`).hidden = v !== which;
  const unlocked = which === "inbox" || which === "team";
  $("tabs").hidden = !unlocked || desk.state?.me.state === "pending";
  $("lock").hidden = !unlocked;
  $("tab-inbox").setAttribute("aria-current", which === "inbox" ? "page" : "false");
  $("tab-team").setAttribute("aria-current", which === "team" ? "page" : "false");
}

function renderWho(): void {
  const me = desk.state?.me;
  if (!me) return;
  $("whoami").textContent = `${me.name} (${me.id})`;
  $("unlock-who").textContent = t("unlock.who", { name: me.name, id: me.id });
}

function showAlarm(reason: string): void {
  $("alarm-reason").textContent = reason;
  $("alarm").hidden = false;
  show("unlock");
  $("view-unlock").hidden = true;
}

async function loadState(): Promise<void> {
  const st = await desk.api.state();
  desk.state = st;
  renderWho();
  if (st.alarm) {
    showAlarm(desk.lang === "de" && st.alarm_de ? st.alarm_de : st.alarm);
    return;
  }
  if (st.locked) {
    showUnlock(false);
    return;
  }
  await enterDesk();
}

/** The locked page: nothing decrypted stays in it. */
function showUnlock(autoLocked: boolean): void {
  show("unlock");
  $("unlock-note").hidden = !autoLocked;
  $<HTMLInputElement>("passphrase").value = "";
  $("unlock-error").textContent = "";
  closeThread();
  $("messages").replaceChildren();
  $("case-list").replaceChildren();
  caseRows.clear();
  const ta = $<HTMLTextAreaElement>("reply-text");
  ta.value = "";
  ta.dataset["case"] = "";
  desk.drafts.forget();
  desk.previews.clear();
  previewAsked.clear();
  forgetStaged(); // counsel wiped them with the lock
  $<HTMLInputElement>("centre-search").value = "";
  $("centre-list").replaceChildren();
  $("centre-status").textContent = "";
  desk.centreCase = "";
  desk.cases = [];
  desk.selected = "";
  $("passphrase").focus();
}

async function enterDesk(): Promise<void> {
  if (!desk.state) return;
  desk.roster = await desk.api.roster();
  if (desk.state.me.state === "pending") {
    desk.view = "team";
    renderTeam();
    show("team");
    return;
  }
  // The case's transfer button depends on the server's organisations,
  // which the team tab lists; read them now, not only when it is opened.
  void orgsCard.render().then(showTransferButton);
  // What was typed while the desk locked goes to counsel first.
  await desk.drafts.flush();
  const work = await desk.api.work();
  desk.drafts.load(work);
  desk.sound = work.sound;
  $<HTMLInputElement>("sound").checked = work.sound;
  desk.blocks = await desk.api.blocks();
  await teamBlocks.load(desk.api).catch(() => {});
  renderBlockSelect();
  await loadCases();
  for (const c of desk.cases) desk.seenCases.add(c.id);
  setView(desk.view);
  // Back where the counsellor was before the lock, or in the last tab.
  if (work.open && !desk.selected) await openCase(work.open);
}

function setView(v: View): void {
  desk.view = v;
  if (v === "team") {
    renderTeam();
    // Someone may have joined since: the roster as it is now. Drawn again
    // only if it changed, so that a button does not turn into another
    // under the admin's pointer.
    void desk.api
      .roster()
      .then((r) => {
        const changed = JSON.stringify(r) !== JSON.stringify(desk.roster);
        desk.roster = r;
        if (changed && desk.view === "team") renderTeam();
      })
      .catch(() => {});
  }
  show(v);
}

// ---- inbox -------------------------------------------------------------

/** A page of the inbox: a flooded inbox opens with its newest cases at
 * once, and more load on demand. */
const casePage = 200;

async function loadCases(): Promise<void> {
  const p = await desk.api.casesPage(casePage, "");
  desk.cases = p.cases.sort(byNeed);
  desk.next = p.next;
  renderCases();
}

/** Previews come for the first lines shown, a few at a time: counsel
 * decrypts each case for its own. */
const previewBatch = 25;
const previewMax = 100;
const previewAsked = new Set<string>();

function wantPreviews(shown: InboxCase[]): void {
  const ids = shown
    .slice(0, previewMax)
    .map((c) => c.id)
    .filter((id) => !previewAsked.has(id));
  for (const id of ids) previewAsked.add(id);
  if (ids.length) void loadPreviews(ids);
}

async function loadPreviews(ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += previewBatch) {
    let got: Record<string, string>;
    try {
      got = await desk.api.previews(ids.slice(i, i + previewBatch));
    } catch {
      // Locked or offline: asked again when the list is drawn next.
      for (const id of ids.slice(i)) previewAsked.delete(id);
      return;
    }
    if (!unlocked()) return;
    // In place: a list drawn anew under the pointer would lose a click.
    for (const [id, text] of Object.entries(got)) {
      desk.previews.set(id, text);
      const el = caseButton(id)?.querySelector(".preview");
      if (el) el.textContent = text;
    }
  }
}

function caseButton(id: string): HTMLElement | null {
  return $("case-list").querySelector<HTMLElement>(`button[data-case="${CSS.escape(id)}"]`);
}

async function loadMoreCases(): Promise<void> {
  if (!desk.next) return;
  const p = await desk.api.casesPage(casePage, desk.next);
  const have = new Set(desk.cases.map((c) => c.id));
  const more = p.cases.filter((c) => !have.has(c.id));
  desk.cases.push(...more);
  desk.next = p.next;
  renderCases();
}

/** updateCase brings the one case an event names up to date, instead of
 * the whole list: it moves to its place in the order, or goes if deleted. */
async function updateCase(id: string): Promise<InboxCase | null> {
  let c: InboxCase | null = null;
  try {
    c = await desk.api.caseSummary(id);
  } catch (err) {
    if (!(err instanceof DeskError && err.code === "not_found")) throw err;
  }
  const before = desk.cases.find((x) => x.id === id);
  desk.cases = desk.cases.filter((x) => x.id !== id);
  if (c) {
    // A case's own answer carries no waiting_since (only the list in
    // order=waiting does): still waiting, it has waited since then.
    if (waiting(c) && !c.waiting_since && before && waiting(before) && before.waiting_since) c.waiting_since = before.waiting_since;
    const at = desk.cases.findIndex((x) => byNeed(c, x) < 0);
    if (at >= 0) desk.cases.splice(at, 0, c);
    // After every loaded case: it belongs to a page not loaded yet.
    else if (!desk.next) desk.cases.push(c);
  }
  previewAsked.delete(id); // its newest message may be another now
  renderCases();
  return c;
}

function matches(c: InboxCase): boolean {
  switch (desk.filter) {
    case "active":
      return c.status !== "closed";
    case "new":
      return c.status === "new";
    case "awaiting":
      return waiting(c);
    case "unassigned":
      return !c.assignee && c.status !== "closed";
    case "open":
      return c.status === "open";
    case "closed":
      return c.status === "closed";
    case "mine":
      return c.assignee === desk.state?.me.id;
  }
}

function nameOf(id: string): string {
  return desk.roster.find((x) => x.id === id)?.name ?? id;
}

/** caseRows holds each shown case's list row by case id. */
const caseRows = new Map<string, HTMLElement>();

function renderCases(): void {
  for (const b of $("filters").querySelectorAll("button")) {
    b.setAttribute("aria-selected", b.dataset["filter"] === desk.filter ? "true" : "false");
  }
  const shown = desk.cases.filter((c) => matches(c) && tagFilter.has(c.id));
  const items = shown.map((c) => {
    const tags = h("span", { class: "tags" }, h("span", { class: `tag ${c.status}` }, t(`status.${c.status}`)));
    if (c.unread) tags.prepend(h("span", { class: "tag unread" }, t("case.unread")));
    if (waiting(c)) tags.append(h("span", { class: "tag awaiting" }, t("case.awaiting")));
    if (c.assignee) tags.append(h("span", { class: "tag" }, t("case.assigned", { name: nameOf(c.assignee) })));
    const offer = transfer.tag(c);
    if (offer) tags.append(offer);
    tags.append(h("span", { class: "tag" }, c.message_count === 1 ? t("case.message") : t("case.messages", { n: c.message_count })));
    // A case keeps its row and button across redraws (events redraw the
    // list often): a click that began on the old content still lands.
    let li = caseRows.get(c.id);
    if (!li) {
      li = h("li", {}, h("button", { type: "button", "data-case": c.id, click: () => void openCase(c.id) }));
      caseRows.set(c.id, li);
    }
    const b = li.firstElementChild as HTMLElement;
    b.className = c.unread ? "unread" : "";
    b.setAttribute("aria-current", c.id === desk.selected ? "true" : "false");
    b.replaceChildren(
      h("span", { class: "cid" }, c.id.slice(0, 8)),
      h("span", { class: "when" }, waiting(c) && c.waiting_since ? t("case.waitingsince", { when: formatDate(c.waiting_since) }) : formatDate(c.last_activity)),
      h("span", { class: "preview" }, desk.previews.get(c.id) ?? ""),
      tags,
    );
    return li;
  });
  const shownIds = new Set(shown.map((c) => c.id));
  for (const id of caseRows.keys()) if (!shownIds.has(id)) caseRows.delete(id);
  const list = $("case-list");
  // Moving a row out and back in would lose a click in progress: only an
  // order that changed is written.
  if (items.length !== list.children.length || items.some((li, i) => list.children[i] !== li)) list.replaceChildren(...items);
  wantPreviews(shown);
  $("case-empty").hidden = shown.length > 0 || desk.next !== "";
  $("case-more").hidden = desk.next === "";
}

function closeThread(): void {
  $("thread").hidden = true;
  $("thread-none").hidden = false;
}

async function openCase(id: string): Promise<void> {
  desk.selected = id;
  renderCases();
  let data;
  try {
    data = await desk.api.thread(id);
  } catch (err) {
    if (err instanceof DeskError && err.code === "not_found") {
      desk.selected = "";
      closeThread();
      await loadCases();
    }
    return;
  }
  if (desk.selected !== id) return;
  renderThread(data.case, data.messages, data.can_reply, data.lang);
  $("thread-actions").replaceWith(actionList(data.actions ?? [], t, (iso) => formatDate(iso)));
  void memory.show(id);
  // counsel noted it read: the line loses its marker.
  const line = desk.cases.find((x) => x.id === id);
  if (line?.unread) {
    line.unread = false;
    const b = caseButton(id);
    b?.classList.remove("unread");
    b?.querySelector(".tag.unread")?.remove();
  }
  const ta = $<HTMLTextAreaElement>("reply-text");
  if (ta.dataset["case"] !== id) {
    // Another case's draft is already with counsel, or on its way.
    ta.value = desk.drafts.get(id);
    ta.dataset["case"] = id;
  }
  if (desk.centreCase !== id) {
    // A centre goes into a reply in the enquirer's language.
    desk.centreCase = id;
    $<HTMLSelectElement>("centre-lang").value = isLang(data.centre_lang) ? data.centre_lang : "en";
    void searchCentres();
  }
}

/** languageName names a language tag from an enquirer's document in the
 * desk's language and in itself: "Arabisch (العربية, ar)". */
function languageName(tag: string): string {
  try {
    const here = new Intl.DisplayNames([desk.lang], { type: "language" }).of(tag) ?? tag;
    const self = new Intl.DisplayNames([tag], { type: "language" }).of(tag) ?? tag;
    return here === self ? `${here} (${tag})` : `${here} (${self}, ${tag})`;
  } catch {
    return tag; // not a tag Intl knows; counsel checked it is a language tag
  }
}

// showTransferButton shows "transfer" on a case the counsellor can answer
// while the server has another organisation to offer it to; on a server of
// one organisation the button would only cost the thread a row.
function showTransferButton(): void {
  const b = $("act-transfer");
  b.hidden = b.dataset.can !== "1" || !orgsCard.orgs.some((o) => o.pin !== "own");
}

function renderThread(c: Case, messages: Message[], canReply: boolean, lang = ""): void {
  $("thread-none").hidden = true;
  $("thread").hidden = false;
  $("thread-title").textContent = t("thread.title", { id: c.id.slice(0, 8) });
  const meta = [t(`status.${c.status}`), t("case.created", { date: formatDate(c.created, false) }), t("case.expires", { date: formatDate(c.expires, false) })];
  if (c.assignee) meta.push(t("case.assigned", { name: nameOf(c.assignee) }));
  if (lang) meta.push(t("case.lang", { lang: languageName(lang) }));
  $("thread-meta").textContent = meta.join(" · ");
  desk.threadLang = lang;
  $("thread-transfer").replaceChildren(...[transfer.state(c), transfer.forwarded(c)].filter((e) => e !== null));
  $("act-transfer").dataset.can = canReply ? "1" : "";
  showTransferButton();
  $("act-close").hidden = c.status === "closed";
  $("act-reopen").hidden = c.status !== "closed";
  $("act-claim").hidden = c.assignee === desk.state?.me.id;
  const sel = $<HTMLSelectElement>("act-assign");
  sel.replaceChildren(
    h("option", { value: "" }, t("case.nobody")),
    ...desk.roster.filter((x) => x.state === "active").map((r) => h("option", { value: r.id }, `${r.name} (${r.id})`)),
  );
  sel.value = c.assignee ?? "";

  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren(
    ...messages.map((m) => {
      const warn = (reason: string) => h("li", { class: "msg warn", role: "alert" }, h("p", { class: "body" }, t("msg.warning", { seq: m.seq, reason })));
      if (m.warning) return warn(m.warning);
      // Each message on its own: one that cannot be shown becomes a
      // warning in its place, and the rest of the thread stays readable.
      try {
        return renderMessage(m, c);
      } catch {
        return warn("cannot be displayed");
      }
    }),
  );
  if (atBottom || list.dataset["case"] !== c.id) list.scrollTop = list.scrollHeight;
  list.dataset["case"] = c.id;
  $("reply-blocked").hidden = canReply;
  $<HTMLButtonElement>("reply-send").disabled = !canReply;
  $<HTMLInputElement>("reply-file").disabled = !canReply;
  showStagedFor(c.id);
}

function renderMessage(m: Message, c: Case): HTMLElement {
  const who = m.from === "counsellor" ? t("msg.counsellor", { name: m.name }) : t("msg.enquirer");
  const head = h("div", { class: "head" }, h("span", { class: "who" }, who), h("time", { datetime: m.sent }, formatDate(m.sent)), h("span", {}, `#${m.seq}`));
  if (m.role) head.append(h("span", { class: "tag" }, t(`msg.role.${m.role}`)));
  if (m.older_epoch) head.append(h("span", { class: "tag warn", title: t("msg.older_epoch_hint") }, t("msg.older_epoch")));
  head.append(...transfer.messageTags(m, c));
  const body = m.duplicate ? h("p", { class: "body muted" }, t("msg.duplicate")) : h("p", { class: "body" }, m.body);
  return h("li", { class: `msg ${m.from === "counsellor" ? "counsellor" : "enquirer"}`, lang: m.lang ?? "" }, head, body, m.duplicate ? null : attachmentList(desk.selected, m));
}

async function patchCase(patch: CasePatch): Promise<void> {
  if (!desk.selected) return;
  await desk.api.patchCase(desk.selected, patch);
  await loadCases();
  await openCase(desk.selected);
}

/** Asks a yes/no question in a dialog. */
function confirmDialog(text: string, yes: string): Promise<boolean> {
  const d = $<HTMLDialogElement>("confirm-dialog");
  $("confirm-text").textContent = text;
  $("confirm-yes").textContent = yes;
  d.returnValue = "";
  d.showModal();
  return new Promise((resolve) => d.addEventListener("close", () => resolve(d.returnValue === "yes"), { once: true }));
}

async function sendReply(): Promise<void> {
  const ta = $<HTMLTextAreaElement>("reply-text");
  const send = $<HTMLButtonElement>("reply-send");
  const body = ta.value.trim();
  $("reply-error").textContent = "";
  if (!body) {
    $("reply-error").textContent = t("reply.empty");
    return;
  }
  if (!desk.selected || send.disabled) return;
  const id = desk.selected;
  send.textContent = t("reply.sending");
  await busy(send, $("reply-error"), errorText, async () => {
    await desk.api.reply(id, body, stagedIds(id));
    desk.drafts.sent(id);
    if (ta.dataset["case"] === id) ta.value = "";
    forgetStaged();
    await openCase(desk.selected);
    await loadCases();
  });
  send.textContent = t("reply.send");
}

// ---- text blocks -----------------------------------------------------------

function renderBlockSelect(): void {
  const own = desk.blocks.map((b, i) => h("option", { value: String(i) }, b.title));
  $("block-select").replaceChildren(
    h("option", { value: "" }, t("blocks.choose")),
    ...teamBlocks.options(t("blocks.team")),
    ...(teamBlocks.blocks.length ? [h("optgroup", { label: t("blocks.own") }, ...own)] : own),
  );
}

function insertBlock(): void {
  const sel = $<HTMLSelectElement>("block-select");
  const b = teamBlocks.get(sel.value) ?? desk.blocks[Number(sel.value)];
  sel.value = "";
  if (!b) return;
  const ta = $<HTMLTextAreaElement>("reply-text");
  ta.setRangeText(b.body, ta.selectionStart, ta.selectionEnd, "end");
  ta.dispatchEvent(new Event("input")); // a draft to keep, as if typed
  ta.focus();
}

/** A personal block's row in the blocks dialog (teamblocks.ts). */
const ownBlockEditor = (b: Block): HTMLElement => blockEditor(t, b, 4);

function manageBlocks(): void {
  $("blocks-list").replaceChildren(...desk.blocks.map(ownBlockEditor));
  $("blocks-error").textContent = "";
  $<HTMLDialogElement>("blocks-dialog").showModal();
}

async function saveBlocks(): Promise<void> {
  try {
    desk.blocks = await desk.api.saveBlocks(editedBlocks($("blocks-list")));
    renderBlockSelect();
    $<HTMLDialogElement>("blocks-dialog").close();
  } catch (err) {
    $("blocks-error").textContent = errorText(err);
  }
}

// ---- counselling centres -------------------------------------------------

/** Searches the server's directory (through counsel) and shows the matches. */
async function searchCentres(): Promise<void> {
  const no = ++desk.centreSearchNo;
  const q = $<HTMLInputElement>("centre-search").value;
  let res;
  try {
    res = await desk.api.centres(q, desk.lang);
  } catch (err) {
    if (no !== desk.centreSearchNo) return;
    $("centre-list").replaceChildren();
    $("centre-status").textContent = errorText(err);
    return;
  }
  if (no !== desk.centreSearchNo) return;
  const items = res.centres.map((c) => {
    const place = c.state === "DE" ? t("centres.nationwide") : c.city && c.city !== c.state_name ? `${c.city} (${c.state_name})` : c.state_name;
    const details = [place, c.language_names.join(", ")];
    if (c.anonymous) details.push(t("centres.anonymous"));
    const text = h("div", { class: "centre-text" }, h("strong", {}, c.name), h("span", { class: "muted" }, details.join(" · ")));
    if (c.changed) text.append(h("span", { class: "tag warn", role: "note" }, t(c.blocked ? "centres.unconfirmed" : "centres.changed")));
    const li = h(
      "li",
      {},
      text,
      h(
        "button",
        { type: "button", class: "btn", "data-centre": c.id, disabled: c.blocked === true, "aria-label": t("centres.insertlabel", { name: c.name }), click: () => void insertCentre(c.id, c.name) },
        t("centres.insert"),
      ),
    );
    // A centre that is an organisation on this server can take the whole
    // conversation, if the person agrees.
    const org = c.org;
    if (org && !c.blocked) {
      li.append(
        h(
          "button",
          { type: "button", class: "btn", "data-transfer-org": org, "aria-label": t("centres.transferlabel", { name: c.name }), click: () => void transfer.open(desk.selected, desk.threadLang, org) },
          t("centres.transfer"),
        ),
      );
    }
    return li;
  });
  $("centre-list").replaceChildren(...items);
  let status = t("centres.count", { n: res.total, all: res.all });
  if (res.all === 0) status = t("centres.empty");
  else if (res.total === 0) status = t("centres.none");
  else if (res.total > res.centres.length) status = t("centres.more", { n: res.centres.length, total: res.total });
  $("centre-status").textContent = status;
}

function searchCentresSoon(): void {
  clearTimeout(desk.centreTimer);
  desk.centreTimer = setTimeout(() => void searchCentres(), 200);
}

function searchCentresNow(): void {
  clearTimeout(desk.centreTimer);
  void searchCentres();
}

/** Inserts a centre's block at the cursor of the reply, on lines of its own. */
async function insertCentre(id: string, name: string): Promise<void> {
  const ta = $<HTMLTextAreaElement>("reply-text");
  const chosen = $<HTMLSelectElement>("centre-lang").value;
  const lang = isLang(chosen) ? chosen : "en";
  const start = ta.selectionStart;
  const end = ta.selectionEnd;
  let res;
  try {
    res = await desk.api.centreBlock(id, lang);
  } catch (err) {
    $("centre-status").textContent = errorText(err);
    return;
  }
  // Details the server may have changed are never inserted silently.
  if (res.changed && !(await confirmDialog(t("centres.changedconfirm", { name, block: res.block }), t("centres.insert")))) return;
  const from = Math.min(start, ta.value.length);
  const to = Math.min(Math.max(end, from), ta.value.length);
  let text = res.block;
  if (from > 0 && !ta.value.slice(0, from).endsWith("\n")) text = `\n${text}`;
  if (!ta.value.slice(to).startsWith("\n")) text = `${text}\n`;
  ta.setRangeText(text, from, to, "end");
  ta.dispatchEvent(new Event("input"));
  ta.focus();
  $("centre-status").textContent = t("centres.inserted", { name });
}

// ---- team --------------------------------------------------------------

function renderTeam(): void {
  const st = desk.state;
  if (!st) return;
  $("fp-team").textContent = st.team ? `${st.team.fingerprint} ${t("team.epoch", { epoch: st.team.epoch })}` : "–";
  $("fp-own").textContent = st.me.fingerprint;
  const admin = st.me.role === "admin" && st.me.state === "active";
  $("admin-card").hidden = !admin;
  teamCards.stats.hidden = teamCards.directory.hidden = st.me.state !== "active";
  void teamCards.render(admin);
  orgsCard.el.hidden = st.me.state !== "active";
  if (!orgsCard.el.hidden) void orgsCard.render().then(showTransferButton);
  const rows = desk.roster.map((c) => {
    const actions = h("td", {});
    if (admin && c.state === "pending") {
      actions.append(h("button", { type: "button", class: "btn", "data-approve": c.id, click: () => approve(c) }, t("admin.approve")));
      actions.append(h("button", { type: "button", class: "btn danger", "data-reject": c.id, click: () => void rejectPending(c) }, t("admin.reject")));
    }
    if (admin && c.state === "active" && c.id !== st.me.id) {
      actions.append(h("button", { type: "button", class: "btn danger", "data-remove": c.id, click: () => void removeMember(c) }, t("admin.remove")));
    }
    return h(
      "tr",
      {},
      h("td", {}, c.name),
      h("td", {}, c.id),
      h("td", {}, t(`role.${c.role}`)),
      h("td", {}, t(`state.${c.state}`)),
      h("td", { class: "fp" }, c.fingerprint),
      actions,
    );
  });
  $("roster-body").replaceChildren(...rows);
  renderInvites();
  if (admin) void loadInvites().catch(() => {});
}

async function loadInvites(): Promise<void> {
  desk.invites = await desk.api.invites();
  renderInvites();
}

function renderInvites(): void {
  const items = desk.invites.map((inv) =>
    h(
      "li",
      {},
      h("span", {}, t(inv.role === "admin" ? "role.admin" : "role.counsellor")),
      " ",
      h("span", { class: "muted" }, t("admin.expires", { when: formatDate(inv.expires) })),
      " ",
      h("button", { type: "button", class: "btn danger", "data-revoke": inv.id, click: () => void revokeInvite(inv) }, t("admin.revoke")),
    ),
  );
  $("invite-list").replaceChildren(...items);
  $("invite-none").hidden = desk.invites.length > 0;
}

async function revokeInvite(inv: OpenInvite): Promise<void> {
  try {
    await desk.api.revokeInvite(inv.id);
    $("admin-msg").textContent = t("admin.revoked");
  } catch (err) {
    $("admin-msg").textContent = errorText(err);
  }
  await loadInvites().catch(() => {});
}

async function rejectPending(c: Counsellor): Promise<void> {
  if (!(await confirmDialog(t("admin.rejectconfirm", { name: c.name }), t("admin.reject")))) return;
  try {
    await desk.api.reject(c.id);
    $("admin-msg").textContent = t("admin.rejected", { name: c.name });
  } catch (err) {
    $("admin-msg").textContent = errorText(err);
  }
  desk.roster = await desk.api.roster();
  renderTeam();
}

function approve(c: Counsellor): void {
  const d = $<HTMLDialogElement>("approve-dialog");
  $("approve-who").textContent = `${c.name} (${c.id})`;
  $("approve-expected").textContent = c.fingerprint;
  $<HTMLInputElement>("approve-fp").value = "";
  $("approve-error").textContent = "";
  d.dataset["id"] = c.id;
  d.dataset["name"] = c.name;
  d.showModal();
}

async function submitApprove(): Promise<void> {
  const d = $<HTMLDialogElement>("approve-dialog");
  const fp = $<HTMLInputElement>("approve-fp");
  try {
    await desk.api.approve(d.dataset["id"] ?? "", fp.value);
  } catch (err) {
    $("approve-error").textContent = err instanceof DeskError && err.code === "fingerprint_mismatch" ? t("approve.mismatch") : errorText(err);
    fp.select();
    return;
  }
  d.close();
  $("admin-msg").textContent = t("admin.approved", { name: d.dataset["name"] ?? "" });
  desk.roster = await desk.api.roster();
  renderTeam();
}

async function removeMember(c: Counsellor): Promise<void> {
  if (!(await confirmDialog(t("admin.removeconfirm", { name: c.name }), t("admin.remove")))) return;
  try {
    const res = await desk.api.remove(c.id);
    $("admin-msg").textContent = t("admin.removed", { name: c.name, fp: res.team?.fingerprint ?? "" });
  } catch (err) {
    $("admin-msg").textContent = errorText(err);
  }
  desk.state = await desk.api.state();
  desk.roster = await desk.api.roster();
  renderTeam();
}

/** purge deletes a flood of unanswered new cases after showing how many. */
async function purge(): Promise<void> {
  const from = $<HTMLInputElement>("purge-from").value;
  const to = $<HTMLInputElement>("purge-to").value;
  const msg = $("purge-msg");
  msg.textContent = "";
  try {
    const dry = await desk.api.purge(from, to, true);
    if (dry.matched === 0) {
      msg.textContent = t("admin.purgenone");
      return;
    }
    if (!(await confirmDialog(t("admin.purgeconfirm", { n: dry.matched, from, to }), t("admin.purgestart")))) return;
    const res = await desk.api.purge(from, to, false);
    msg.textContent = t("admin.purged", { n: res.deleted });
    await loadCases();
  } catch (err) {
    msg.textContent = errorText(err);
  }
}

async function invite(admin: boolean): Promise<void> {
  try {
    const res = await desk.api.invite(admin);
    $("invite-code").textContent = res.invite;
    $("invite-out").hidden = false;
    await loadInvites().catch(() => {});
  } catch (err) {
    $("admin-msg").textContent = errorText(err);
  }
}

// ---- live events and auto-lock -------------------------------------------

const unlocked = (): boolean => desk.state !== null && !desk.state.locked;

async function onEvent(ev: StreamEvent): Promise<void> {
  switch (ev.name) {
    case "case": {
      if (!unlocked()) return;
      const id = ev.data.id;
      const c = await updateCase(id).catch(() => null);
      if (id === desk.selected) await openCase(desk.selected).catch(() => {});
      if (!desk.seenCases.has(id)) {
        desk.seenCases.add(id);
        document.title = `(${t("case.new")}) Lotse`;
        // A new enquiry, not a message in an old case beyond the pages
        // loaded. Nothing of the case: not its reference, not a word.
        if (c?.status === "new") {
          notify(t("notify.title"), t("notify.body"));
          if (desk.sound) chime();
        }
      }
      break;
    }
    case "draft":
      if (unlocked()) await draftChanged(ev.data.id).catch(() => {});
      break;
    case "lock":
      if (desk.state) desk.state.locked = true;
      showUnlock(true);
      break;
    case "alarm":
      showAlarm((desk.lang === "de" && ev.data.reason_de) || ev.data.reason);
      break;
    case "approved":
    case "state":
      // An admin approved (or removed) this pending counsellor: show what
      // the desk holds now, without a new unlock.
      if (!unlocked()) return;
      if (ev.name === "approved") desk.view = "inbox";
      await loadState().catch(() => {});
      break;
    case "record":
      // A note or tags of the open case, or the team's blocks, changed.
      if (!unlocked()) return;
      if (ev.data.id && ev.data.id === desk.selected) await memory.show(desk.selected).catch(() => {});
      if (ev.data.kind === "blocks") await teamBlocks.load(desk.api).then(renderBlockSelect).catch(() => {});
      break;
    case "offline":
      $("conn").textContent = t("conn.offline");
      $("conn").hidden = false;
      break;
    case "online":
      $("conn").hidden = true;
      // counsel fetched the directory again: show what it holds now.
      if (unlocked() && desk.selected) await searchCentres().catch(() => {});
      break;
    case "connected":
      $("conn").hidden = true;
      // Catch up with what happened while the stream was down.
      if (unlocked() && desk.state?.me.state !== "pending") await loadCases().catch(() => {});
      break;
    case "token":
      show("token");
      break;
    case "disconnected":
      break;
  }
}

/** So that a slow answer does not replace a newer one. */
let draftReadNo = 0;

/** draftChanged follows a draft a page saved or sent, maybe in another
 * tab: the page's copies become counsel's, and the open case's editor
 * shows it unless this page holds typing of its own not yet saved (then
 * that is newer, and goes to counsel next). */
async function draftChanged(id: string): Promise<void> {
  const no = ++draftReadNo;
  const work = await desk.api.work();
  if (no !== draftReadNo || !unlocked()) return;
  desk.drafts.load(work);
  const ta = $<HTMLTextAreaElement>("reply-text");
  if (ta.dataset["case"] !== id || desk.drafts.typing(id)) return;
  const now = desk.drafts.get(id);
  if (ta.value !== now) ta.value = now;
}

/** Use of the page counts as use of the desk: counsel locks it after
 * lock_after_seconds without a touch. */
function trackActivity(): void {
  for (const ev of ["keydown", "pointerdown", "wheel", "input"]) {
    document.addEventListener(ev, () => {
      desk.active = true;
      if (document.title !== "Lotse") document.title = "Lotse";
    }, { passive: true });
  }
  const every = Math.max(1, Math.min(60, Math.floor((desk.state?.lock_after_seconds || 900) / 3)));
  setInterval(() => {
    if (desk.active && unlocked()) {
      desk.active = false;
      desk.api.touch().catch(() => {});
    }
  }, every * 1000);
}

// ---- wiring --------------------------------------------------------------

function on(id: string, type: string, f: (e: Event) => void): void {
  $(id).addEventListener(type, f);
}

function wire(): void {
  on("lang", "change", () => {
    setLang($<HTMLSelectElement>("lang").value === "en" ? "en" : "de");
    renderWho();
    if (!unlocked()) return;
    renderCases();
    renderBlockSelect();
    memory.render();
    tagFilter.render();
    if (desk.view === "team") renderTeam();
    if (desk.selected) {
      void searchCentres();
      void openCase(desk.selected);
    }
  });
  on("unlock-form", "submit", async (e) => {
    e.preventDefault();
    const input = $<HTMLInputElement>("passphrase");
    const button = $<HTMLButtonElement>("unlock-button");
    button.textContent = t("unlock.busy");
    askOnce(); // a click or Enter: the browser may ask now
    $("unlock-error").textContent = "";
    const ok = await busy(button, $("unlock-error"), errorText, async () => {
      await desk.api.unlock(input.value);
      input.value = "";
      await loadState();
    });
    button.textContent = t("unlock.button");
    if (!ok) input.select();
  });
  on("lock", "click", async () => {
    await desk.drafts.flush();
    await desk.api.lock().catch(() => {});
    if (desk.state) desk.state.locked = true;
    showUnlock(false);
  });
  on("tab-inbox", "click", () => setView("inbox"));
  on("tab-team", "click", async () => {
    desk.roster = await desk.api.roster();
    desk.state = await desk.api.state();
    setView("team");
  });
  for (const b of $("filters").querySelectorAll("button")) {
    b.addEventListener("click", () => {
      desk.filter = filters.find((f) => f === b.dataset["filter"]) ?? "active";
      renderCases();
    });
  }
  on("case-list", "keydown", (e) => {
    const k = (e as KeyboardEvent).key;
    if (k !== "ArrowDown" && k !== "ArrowUp") return;
    const buttons = [...$("case-list").querySelectorAll("button")];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = buttons[k === "ArrowDown" ? i + 1 : i - 1];
    if (next) {
      e.preventDefault();
      next.focus();
    }
  });
  on("act-claim", "click", () => void patchCase({ assignee: desk.state?.me.id ?? "" }));
  on("act-assign", "change", () => {
    const v = $<HTMLSelectElement>("act-assign").value;
    void patchCase(v ? { assignee: v } : { unassign: true });
  });
  on("act-close", "click", () => void patchCase({ status: "closed" }));
  on("act-transfer", "click", () => {
    if (desk.selected) void transfer.open(desk.selected, desk.threadLang);
  });
  on("case-more", "click", () => void loadMoreCases());
  on("act-reopen", "click", () => void patchCase({ status: "open" }));
  on("act-delete", "click", async () => {
    if (!desk.selected || !(await confirmDialog(t("case.deleteconfirm"), t("case.delete")))) return;
    await desk.api.deleteCase(desk.selected);
    desk.selected = "";
    closeThread();
    await loadCases();
  });
  on("reply-form", "submit", (e) => {
    e.preventDefault();
    // Enter in the centre search submits the form implicitly: search, do
    // not send.
    if (document.activeElement === $("centre-search")) searchCentresNow();
    else void sendReply();
  });
  on("reply-text", "keydown", (e) => {
    const k = e as KeyboardEvent;
    if (k.key === "Enter" && (k.ctrlKey || k.metaKey)) {
      e.preventDefault();
      void sendReply();
    }
  });
  on("reply-file", "change", () => {
    const input = $<HTMLInputElement>("reply-file");
    const files = [...(input.files ?? [])];
    input.value = "";
    if (desk.selected) void addFiles(desk.selected, files, $("reply-staged"), $("reply-error"));
  });
  on("reply-text", "input", () => {
    const ta = $<HTMLTextAreaElement>("reply-text");
    desk.drafts.typed(ta.dataset["case"] ?? "", ta.value);
  });
  on("sound", "change", () => {
    desk.sound = $<HTMLInputElement>("sound").checked;
    if (desk.sound) chime(); // what it will sound like
    desk.api.setSound(desk.sound).catch(() => {});
  });
  on("centres-toggle", "click", () => {
    const panel = $("centres");
    panel.hidden = !panel.hidden;
    $("centres-toggle").setAttribute("aria-expanded", panel.hidden ? "false" : "true");
    if (!panel.hidden) $("centre-search").focus();
  });
  on("block-select", "change", insertBlock);
  on("centre-search", "input", searchCentresSoon);
  on("centre-search", "keydown", (e) => {
    // Enter searches; it must not send the reply around it.
    if ((e as KeyboardEvent).key === "Enter") {
      e.preventDefault();
      searchCentresNow();
    }
  });
  on("blocks-manage", "click", manageBlocks);
  on("blocks-add", "click", () => {
    const li = ownBlockEditor({ title: "", body: "" });
    $("blocks-list").append(li);
    li.querySelector("input")?.focus();
  });
  on("blocks-cancel", "click", () => $<HTMLDialogElement>("blocks-dialog").close());
  on("blocks-form", "submit", (e) => {
    e.preventDefault();
    void saveBlocks();
  });
  on("approve-cancel", "click", () => $<HTMLDialogElement>("approve-dialog").close());
  on("approve-form", "submit", (e) => {
    e.preventDefault();
    void submitApprove();
  });
  on("invite-counsellor", "click", () => void invite(false));
  on("purge-form", "submit", (e) => {
    e.preventDefault();
    void purge();
  });
  on("invite-admin", "click", () => void invite(true));
  document.addEventListener("keydown", (e) => {
    if (!e.altKey || !unlocked() || desk.state?.me.state === "pending") return;
    if (e.key === "1") setView("inbox");
    if (e.key === "2") $("tab-team").click();
  });
}

async function boot(): Promise<void> {
  // A centre's details can go into a reply in any language of the service,
  // each named in itself; counsel falls back to English where the centre
  // has no text in it.
  $("centre-lang").replaceChildren(...LANGUAGES.map((l) => h("option", { value: l.code, lang: l.code }, l.name)));
  $<HTMLSelectElement>("lang").value = desk.lang;
  $("messages").before(memory.el);
  document.body.append(transfer.dialog);
  $("filters").after(tagFilter.el);
  $("thread-meta").after(h("details", { id: "thread-actions", hidden: true }));
  $("view-team").append(orgsCard.el, teamCards.directory, teamCards.blocks, teamCards.stats, teamCards.deleted);
  setLang(desk.lang);
  initAttachments({ api: desk.api, t, lang: () => desk.lang, errorText });
  tagFilter.render();
  wire();
  await desk.api.open();
  // The draft typed in the last moment before the tab closes.
  window.addEventListener("pagehide", () => desk.drafts.leaving());
  // A fresh address opened in this tab differs from the page's only in
  // the fragment, which the browser does not load anew: load it, so that
  // the token is traded and leaves the address bar (openPage).
  window.addEventListener("hashchange", () => {
    if (location.hash) location.reload();
  });
  if (!desk.api.hasToken) {
    show("token");
    return;
  }
  try {
    await loadState();
  } catch {
    return;
  }
  trackActivity();
  void desk.api.follow((ev) => void onEvent(ev));
}

void boot();
