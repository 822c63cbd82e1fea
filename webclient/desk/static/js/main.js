// @ts-check
// The counsellor desk. Every string shown comes from the translation
// files or, as plain text (never markup), from the local counsel process.

import { apply, formatDate, initialLang, lang, setLang, t } from "./i18n.js";
import { call, DeskError, follow, initToken, setErrorHandler } from "./api.js";

/**
 * @typedef {{id: string, status: string, assignee: string | null, created: string, last_activity: string,
 *   expires: string, message_count: number, awaiting_reply: boolean}} Case
 * @typedef {{seq: number, from: string, name: string, sent: string, body: string, lang?: string,
 *   role?: string, duplicate?: boolean, warning?: string}} Message
 * @typedef {{id: string, name: string, role: string, state: string, recipient: string, fingerprint: string}} Counsellor
 * @typedef {{title: string, body: string}} Block
 * @typedef {{id: string, name: string, organisation: string, city: string, state: string, state_name: string,
 *   languages: string[], language_names: string[], anonymous: boolean}} CentreHit
 * @typedef {{locked: boolean, alarm: string, alarm_de?: string, lock_after_seconds: number,
 *   me: {id: string, name: string, role?: string, state?: string, fingerprint: string},
 *   team?: {epoch: number, fingerprint: string}}} State
 */

/** @type {State | null} */
let state = null;
/** @type {Case[]} */
let cases = [];
/** @type {string} */
let filter = "active";
/** @type {string} */
let selected = "";
/** @type {Counsellor[]} */
let roster = [];
/** @type {Block[]} */
let blocks = [];
/** @type {"inbox" | "team"} */
let view = "inbox";
let active = false;
/** @type {Set<string>} */
const seenCases = new Set();
/** The case whose default centre language is set. */
let centreCase = "";
/** @type {ReturnType<typeof setTimeout> | undefined} */
let centreTimer;
/** Counts searches, so that a slow answer does not replace a newer one. */
let centreSearchNo = 0;

/**
 * @template {HTMLElement} E
 * @param {string} id
 * @returns {E}
 */
function $(id) {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return /** @type {E} */ (e);
}

/**
 * Builds an element with text children only.
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {...(Node | string)} children
 * @returns {HTMLElement}
 */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(typeof c === "string" ? document.createTextNode(c) : c);
  return e;
}

/** @param {string} name */
function nameOf(name) {
  const c = roster.find((x) => x.id === name);
  return c ? `${c.name}` : name;
}

/**
 * The desk's own words in the page's language: counsel sends German beside
 * the English where it has it.
 * @param {DeskError} err
 */
function messageOf(err) {
  return lang() === "de" && err.messageDE ? err.messageDE : err.message;
}

/** @param {unknown} err */
function errorText(err) {
  if (err instanceof DeskError) {
    const key = `err.${err.code}`;
    const known = t(key) !== key;
    if (err.code === "alarm") return messageOf(err);
    return known ? (err.code === "failed" ? `${t(key)} ${messageOf(err)}` : t(key)) : messageOf(err);
  }
  return String(err);
}

// ---- views ----------------------------------------------------------

/** @param {string} which */
function show(which) {
  for (const v of ["unlock", "token", "inbox", "team"]) $(`view-${v}`).hidden = v !== which;
  const unlocked = which === "inbox" || which === "team";
  $("tabs").hidden = !unlocked || state?.me.state === "pending";
  $("lock").hidden = !unlocked;
  $("tab-inbox").setAttribute("aria-current", which === "inbox" ? "page" : "false");
  $("tab-team").setAttribute("aria-current", which === "team" ? "page" : "false");
}

function renderWho() {
  if (!state) return;
  const me = state.me;
  $("whoami").textContent = `${me.name} (${me.id})`;
  $("unlock-who").textContent = t("unlock.who", { name: me.name, id: me.id });
}

function showAlarm(/** @type {string} */ reason) {
  $("alarm-reason").textContent = reason;
  $("alarm").hidden = false;
  show("unlock");
  $("view-unlock").hidden = true;
}

async function loadState() {
  state = await call("GET", "state");
  if (!state) return;
  renderWho();
  if (state.alarm) {
    showAlarm(lang() === "de" && state.alarm_de ? state.alarm_de : state.alarm);
    return;
  }
  if (state.locked) {
    showUnlock(false);
    return;
  }
  await enterDesk();
}

/** @param {boolean} autoLocked */
function showUnlock(autoLocked) {
  show("unlock");
  $("unlock-note").hidden = !autoLocked;
  /** @type {HTMLInputElement} */ ($("passphrase")).value = "";
  $("unlock-error").textContent = "";
  $("thread").hidden = true;
  $("thread-none").hidden = false;
  $("messages").replaceChildren();
  $("case-list").replaceChildren();
  /** @type {HTMLTextAreaElement} */ ($("reply-text")).value = "";
  /** @type {HTMLInputElement} */ ($("centre-search")).value = "";
  $("centre-list").replaceChildren();
  $("centre-status").textContent = "";
  centreCase = "";
  cases = [];
  selected = "";
  $("passphrase").focus();
}

async function enterDesk() {
  if (!state) return;
  roster = (await call("GET", "roster")).counsellors || [];
  if (state.me.state === "pending") {
    view = "team";
    renderTeam();
    show("team");
    return;
  }
  blocks = (await call("GET", "blocks")).blocks || [];
  renderBlockSelect();
  await loadCases();
  for (const c of cases) seenCases.add(c.id);
  setView(view);
}

/** @param {"inbox" | "team"} v */
function setView(v) {
  view = v;
  if (v === "team") renderTeam();
  show(v);
}

// ---- inbox ----------------------------------------------------------

async function loadCases() {
  cases = (await call("GET", "cases")).cases || [];
  renderCases();
}

/** @param {Case} c */
function matches(c) {
  switch (filter) {
    case "active":
      return c.status !== "closed";
    case "new":
      return c.status === "new";
    case "awaiting":
      return c.awaiting_reply && c.status !== "closed";
    case "open":
      return c.status === "open";
    case "closed":
      return c.status === "closed";
    case "mine":
      return c.assignee === state?.me.id;
  }
  return true;
}

function renderCases() {
  for (const b of $("filters").querySelectorAll("button")) {
    b.setAttribute("aria-selected", b.getAttribute("data-filter") === filter ? "true" : "false");
  }
  const list = $("case-list");
  const shown = cases.filter(matches);
  const items = shown.map((c) => {
    const tags = el("span", { class: "tags" }, el("span", { class: `tag ${c.status}` }, t(`status.${c.status}`)));
    if (c.awaiting_reply && c.status !== "closed") tags.append(el("span", { class: "tag awaiting" }, t("case.awaiting")));
    if (c.assignee) tags.append(el("span", { class: "tag" }, t("case.assigned", { name: nameOf(c.assignee) })));
    tags.append(el("span", { class: "tag" }, c.message_count === 1 ? t("case.message") : t("case.messages", { n: c.message_count })));
    const b = el(
      "button",
      { type: "button", "data-case": c.id, "aria-current": c.id === selected ? "true" : "false" },
      el("span", { class: "cid" }, c.id.slice(0, 8)),
      el("span", { class: "when" }, formatDate(c.last_activity)),
      tags,
    );
    b.addEventListener("click", () => openCase(c.id));
    return el("li", {}, b);
  });
  list.replaceChildren(...items);
  $("case-empty").hidden = shown.length > 0;
}

/** @param {string} id */
async function openCase(id) {
  selected = id;
  renderCases();
  /** @type {{case: Case, messages: Message[], can_reply: boolean, centre_lang: string}} */
  let data;
  try {
    data = await call("GET", `cases/${id}`);
  } catch (err) {
    if (err instanceof DeskError && err.code === "not_found") {
      selected = "";
      $("thread").hidden = true;
      $("thread-none").hidden = false;
      await loadCases();
    }
    return;
  }
  if (selected !== id) return;
  renderThread(data.case, data.messages, data.can_reply);
  if (centreCase !== id) {
    // A centre goes into a reply in the enquirer's language.
    centreCase = id;
    /** @type {HTMLSelectElement} */ ($("centre-lang")).value = data.centre_lang === "en" ? "en" : "de";
    searchCentres();
  }
}

/**
 * @param {Case} c
 * @param {Message[]} messages
 * @param {boolean} canReply
 */
function renderThread(c, messages, canReply) {
  $("thread-none").hidden = true;
  $("thread").hidden = false;
  $("thread-title").textContent = t("thread.title", { id: c.id.slice(0, 8) });
  const meta = [t(`status.${c.status}`), t("case.created", { date: formatDate(c.created, false) }), t("case.expires", { date: formatDate(c.expires, false) })];
  if (c.assignee) meta.push(t("case.assigned", { name: nameOf(c.assignee) }));
  $("thread-meta").textContent = meta.join(" · ");
  /** @type {HTMLButtonElement} */ ($("act-close")).hidden = c.status === "closed";
  /** @type {HTMLButtonElement} */ ($("act-reopen")).hidden = c.status !== "closed";
  /** @type {HTMLButtonElement} */ ($("act-claim")).hidden = c.assignee === state?.me.id;
  const sel = /** @type {HTMLSelectElement} */ ($("act-assign"));
  const opts = [el("option", { value: "" }, t("case.nobody"))];
  for (const r of roster.filter((x) => x.state === "active")) opts.push(el("option", { value: r.id }, `${r.name} (${r.id})`));
  sel.replaceChildren(...opts);
  sel.value = c.assignee || "";

  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren(
    ...messages.map((m) => {
      if (m.warning) {
        return el("li", { class: "msg warn", role: "alert" }, el("p", { class: "body" }, t("msg.warning", { seq: m.seq, reason: m.warning })));
      }
      const who = m.from === "counsellor" ? t("msg.counsellor", { name: m.name }) : t("msg.enquirer");
      const head = el("div", { class: "head" }, el("span", { class: "who" }, who), el("time", { datetime: m.sent }, formatDate(m.sent)), el("span", {}, `#${m.seq}`));
      if (m.role) head.append(el("span", { class: "tag" }, t(`msg.role.${m.role}`)));
      const body = m.duplicate ? el("p", { class: "body muted" }, t("msg.duplicate")) : el("p", { class: "body" }, m.body);
      return el("li", { class: `msg ${m.from}`, lang: m.lang || "" }, head, body);
    }),
  );
  if (atBottom || list.dataset.case !== c.id) list.scrollTop = list.scrollHeight;
  list.dataset.case = c.id;
  $("reply-blocked").hidden = canReply;
  /** @type {HTMLButtonElement} */ ($("reply-send")).disabled = !canReply;
}

/**
 * @param {Record<string, unknown>} patch
 */
async function patchCase(patch) {
  if (!selected) return;
  await call("PATCH", `cases/${selected}`, patch);
  await loadCases();
  await openCase(selected);
}

/**
 * Asks a yes/no question in a dialog.
 * @param {string} text
 * @param {string} yes
 * @returns {Promise<boolean>}
 */
function confirmDialog(text, yes) {
  const d = /** @type {HTMLDialogElement} */ ($("confirm-dialog"));
  $("confirm-text").textContent = text;
  $("confirm-yes").textContent = yes;
  d.returnValue = "";
  d.showModal();
  return new Promise((resolve) => d.addEventListener("close", () => resolve(d.returnValue === "yes"), { once: true }));
}

async function sendReply() {
  const ta = /** @type {HTMLTextAreaElement} */ ($("reply-text"));
  const send = /** @type {HTMLButtonElement} */ ($("reply-send"));
  const body = ta.value.trim();
  $("reply-error").textContent = "";
  if (!body) {
    $("reply-error").textContent = t("reply.empty");
    return;
  }
  if (!selected || send.disabled) return;
  send.disabled = true;
  send.textContent = t("reply.sending");
  try {
    await call("POST", `cases/${selected}/reply`, { body });
    ta.value = "";
    await openCase(selected);
    await loadCases();
  } catch (err) {
    $("reply-error").textContent = errorText(err);
  } finally {
    send.disabled = false;
    send.textContent = t("reply.send");
  }
}

// ---- text blocks ----------------------------------------------------

function renderBlockSelect() {
  const sel = /** @type {HTMLSelectElement} */ ($("block-select"));
  sel.replaceChildren(el("option", { value: "" }, t("blocks.choose")), ...blocks.map((b, i) => el("option", { value: String(i) }, b.title)));
}

function insertBlock() {
  const sel = /** @type {HTMLSelectElement} */ ($("block-select"));
  const b = blocks[Number(sel.value)];
  sel.value = "";
  if (!b) return;
  const ta = /** @type {HTMLTextAreaElement} */ ($("reply-text"));
  const start = ta.selectionStart;
  ta.setRangeText(b.body, start, ta.selectionEnd, "end");
  ta.focus();
}

/** @param {Block} b */
function blockEditor(b) {
  const title = /** @type {HTMLInputElement} */ (el("input", { "aria-label": t("blocks.name"), placeholder: t("blocks.name"), maxlength: "200" }));
  title.value = b.title;
  const body = /** @type {HTMLTextAreaElement} */ (el("textarea", { rows: "4", "aria-label": t("blocks.text"), placeholder: t("blocks.text") }));
  body.value = b.body;
  const remove = el("button", { type: "button", class: "btn danger" }, t("blocks.delete"));
  const li = el("li", { class: "block" }, title, body, remove);
  remove.addEventListener("click", () => li.remove());
  return li;
}

function manageBlocks() {
  $("blocks-list").replaceChildren(...blocks.map(blockEditor));
  $("blocks-error").textContent = "";
  /** @type {HTMLDialogElement} */ ($("blocks-dialog")).showModal();
}

async function saveBlocks() {
  /** @type {Block[]} */
  const next = [];
  for (const li of $("blocks-list").querySelectorAll("li")) {
    const title = /** @type {HTMLInputElement} */ (li.querySelector("input")).value.trim();
    const body = /** @type {HTMLTextAreaElement} */ (li.querySelector("textarea")).value;
    if (title || body.trim()) next.push({ title: title || body.trim().slice(0, 40), body });
  }
  try {
    blocks = (await call("PUT", "blocks", { blocks: next })).blocks;
    renderBlockSelect();
    /** @type {HTMLDialogElement} */ ($("blocks-dialog")).close();
  } catch (err) {
    $("blocks-error").textContent = errorText(err);
  }
}

// ---- counselling centres -------------------------------------------------

/** Searches the server's directory (through counsel) and shows the matches. */
async function searchCentres() {
  const no = ++centreSearchNo;
  const q = /** @type {HTMLInputElement} */ ($("centre-search")).value;
  /** @type {{centres: CentreHit[], total: number, all: number}} */
  let res;
  try {
    res = await call("GET", `centres?q=${encodeURIComponent(q)}&lang=${lang()}`);
  } catch (err) {
    if (no !== centreSearchNo) return;
    $("centre-list").replaceChildren();
    $("centre-status").textContent = errorText(err);
    return;
  }
  if (no !== centreSearchNo) return;
  const items = res.centres.map((c) => {
    const place = c.state === "DE" ? t("centres.nationwide") : c.city && c.city !== c.state_name ? `${c.city} (${c.state_name})` : c.state_name;
    const details = [place, c.language_names.join(", ")];
    if (c.anonymous) details.push(t("centres.anonymous"));
    const b = el("button", { type: "button", class: "btn", "data-centre": c.id, "aria-label": t("centres.insertlabel", { name: c.name }) }, t("centres.insert"));
    b.addEventListener("click", () => insertCentre(c.id, c.name));
    return el("li", {}, el("div", { class: "centre-text" }, el("strong", {}, c.name), el("span", { class: "muted" }, details.join(" · "))), b);
  });
  $("centre-list").replaceChildren(...items);
  let status = t("centres.count", { n: res.total, all: res.all });
  if (res.all === 0) status = t("centres.empty");
  else if (res.total === 0) status = t("centres.none");
  else if (res.total > res.centres.length) status = t("centres.more", { n: res.centres.length, total: res.total });
  $("centre-status").textContent = status;
}

function searchCentresSoon() {
  clearTimeout(centreTimer);
  centreTimer = setTimeout(searchCentres, 200);
}

/**
 * Inserts a centre's block at the cursor of the reply, on lines of its own.
 * @param {string} id
 * @param {string} name
 */
async function insertCentre(id, name) {
  const ta = /** @type {HTMLTextAreaElement} */ ($("reply-text"));
  const l = /** @type {HTMLSelectElement} */ ($("centre-lang")).value === "en" ? "en" : "de";
  const start = ta.selectionStart;
  const end = ta.selectionEnd;
  /** @type {{block: string}} */
  let res;
  try {
    res = await call("GET", `centres/${encodeURIComponent(id)}?lang=${l}`);
  } catch (err) {
    $("centre-status").textContent = errorText(err);
    return;
  }
  const from = Math.min(start, ta.value.length);
  const to = Math.min(Math.max(end, from), ta.value.length);
  let text = res.block;
  if (from > 0 && !ta.value.slice(0, from).endsWith("\n")) text = `\n${text}`;
  if (!ta.value.slice(to).startsWith("\n")) text = `${text}\n`;
  ta.setRangeText(text, from, to, "end");
  ta.focus();
  $("centre-status").textContent = t("centres.inserted", { name });
}

// ---- team -----------------------------------------------------------

function renderTeam() {
  if (!state) return;
  const team = state.team;
  $("fp-team").textContent = team ? `${team.fingerprint} ${t("team.epoch", { epoch: team.epoch })}` : "–";
  $("fp-own").textContent = state.me.fingerprint;
  const admin = state.me.role === "admin" && state.me.state === "active";
  $("admin-card").hidden = !admin;
  const rows = roster.map((c) => {
    const actions = el("td", {});
    if (admin && c.state === "pending") {
      const b = el("button", { type: "button", class: "btn", "data-approve": c.id }, t("admin.approve"));
      b.addEventListener("click", () => approve(c));
      actions.append(b);
    }
    if (admin && c.state === "active" && c.id !== state?.me.id) {
      const b = el("button", { type: "button", class: "btn danger", "data-remove": c.id }, t("admin.remove"));
      b.addEventListener("click", () => removeMember(c));
      actions.append(b);
    }
    return el(
      "tr",
      {},
      el("td", {}, c.name),
      el("td", {}, c.id),
      el("td", {}, t(`role.${c.role}`)),
      el("td", {}, t(`state.${c.state}`)),
      el("td", { class: "fp" }, c.fingerprint),
      actions,
    );
  });
  $("roster-body").replaceChildren(...rows);
}

/** @param {Counsellor} c */
function approve(c) {
  const d = /** @type {HTMLDialogElement} */ ($("approve-dialog"));
  $("approve-who").textContent = `${c.name} (${c.id})`;
  $("approve-expected").textContent = c.fingerprint;
  /** @type {HTMLInputElement} */ ($("approve-fp")).value = "";
  $("approve-error").textContent = "";
  d.dataset.id = c.id;
  d.dataset.name = c.name;
  d.showModal();
}

async function submitApprove() {
  const d = /** @type {HTMLDialogElement} */ ($("approve-dialog"));
  const fp = /** @type {HTMLInputElement} */ ($("approve-fp")).value;
  try {
    await call("POST", "approve", { id: d.dataset.id, fingerprint: fp });
  } catch (err) {
    $("approve-error").textContent = err instanceof DeskError && err.code === "fingerprint_mismatch" ? t("approve.mismatch") : errorText(err);
    /** @type {HTMLInputElement} */ ($("approve-fp")).select();
    return;
  }
  d.close();
  $("admin-msg").textContent = t("admin.approved", { name: d.dataset.name || "" });
  roster = (await call("GET", "roster")).counsellors || [];
  renderTeam();
}

/** @param {Counsellor} c */
async function removeMember(c) {
  if (!(await confirmDialog(t("admin.removeconfirm", { name: c.name }), t("admin.remove")))) return;
  try {
    const res = await call("POST", "remove", { id: c.id });
    $("admin-msg").textContent = t("admin.removed", { name: c.name, fp: res.team?.fingerprint || "" });
  } catch (err) {
    $("admin-msg").textContent = errorText(err);
  }
  state = await call("GET", "state");
  roster = (await call("GET", "roster")).counsellors || [];
  renderTeam();
}

/** @param {boolean} admin */
async function invite(admin) {
  try {
    const res = await call("POST", "invites", { admin });
    $("invite-code").textContent = res.invite;
    $("invite-out").hidden = false;
  } catch (err) {
    $("admin-msg").textContent = errorText(err);
  }
}

// ---- live events and auto-lock -----------------------------------------

/**
 * @param {string} name
 * @param {any} data
 */
async function onEvent(name, data) {
  switch (name) {
    case "case":
      if (!state || state.locked) return;
      await loadCases().catch(() => {});
      if (data.id === selected) await openCase(selected).catch(() => {});
      if (!seenCases.has(data.id)) {
        seenCases.add(data.id);
        document.title = `(${t("case.new")}) Lotse`;
      }
      break;
    case "lock":
      if (state) state.locked = true;
      showUnlock(true);
      break;
    case "alarm":
      showAlarm(String((lang() === "de" && data.reason_de) || data.reason || ""));
      break;
    case "approved":
    case "state":
      // An admin approved (or removed) this pending counsellor: show
      // what the desk holds now, without a new unlock.
      if (!state || state.locked) return;
      if (name === "approved") view = "inbox";
      await loadState().catch(() => {});
      break;
    case "offline":
      $("conn").textContent = t("conn.offline");
      $("conn").hidden = false;
      break;
    case "online":
      $("conn").hidden = true;
      // counsel fetched the directory again: show what it holds now.
      if (state && !state.locked && selected) searchCentres().catch(() => {});
      break;
    case "connected":
      $("conn").hidden = true;
      // Catch up with what happened while the stream was down.
      if (state && !state.locked && state.me.state !== "pending") loadCases().catch(() => {});
      break;
    case "token":
      show("token");
      break;
  }
}

function trackActivity() {
  for (const ev of ["keydown", "pointerdown", "wheel", "input"]) {
    document.addEventListener(ev, () => {
      active = true;
      if (document.title !== "Lotse") document.title = "Lotse";
    }, { passive: true });
  }
  const every = Math.max(1, Math.min(60, Math.floor((state?.lock_after_seconds || 900) / 3)));
  setInterval(() => {
    if (active && state && !state.locked) {
      active = false;
      call("POST", "touch", {}).catch(() => {});
    }
  }, every * 1000);
}

// ---- wiring ---------------------------------------------------------

function wire() {
  $("lang").addEventListener("change", async (e) => {
    const v = /** @type {HTMLSelectElement} */ (e.target).value === "en" ? "en" : "de";
    await setLang(v);
    renderWho();
    if (state && !state.locked) {
      renderCases();
      renderBlockSelect();
      if (selected) searchCentres();
      if (view === "team") renderTeam();
      if (selected) openCase(selected);
    }
  });
  $("unlock-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($("passphrase"));
    const button = /** @type {HTMLButtonElement} */ ($("unlock-button"));
    button.disabled = true;
    button.textContent = t("unlock.busy");
    $("unlock-error").textContent = "";
    try {
      await call("POST", "unlock", { passphrase: input.value });
      input.value = "";
      await loadState();
    } catch (err) {
      $("unlock-error").textContent = errorText(err);
      input.select();
    } finally {
      button.disabled = false;
      button.textContent = t("unlock.button");
    }
  });
  $("lock").addEventListener("click", async () => {
    await call("POST", "lock", {}).catch(() => {});
    if (state) state.locked = true;
    showUnlock(false);
  });
  $("tab-inbox").addEventListener("click", () => setView("inbox"));
  $("tab-team").addEventListener("click", async () => {
    roster = (await call("GET", "roster")).counsellors || [];
    state = await call("GET", "state");
    setView("team");
  });
  for (const b of $("filters").querySelectorAll("button")) {
    b.addEventListener("click", () => {
      filter = b.getAttribute("data-filter") || "active";
      renderCases();
    });
  }
  $("case-list").addEventListener("keydown", (e) => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const buttons = [...$("case-list").querySelectorAll("button")];
    const i = buttons.indexOf(/** @type {HTMLButtonElement} */ (document.activeElement));
    const next = buttons[e.key === "ArrowDown" ? i + 1 : i - 1];
    if (next) {
      e.preventDefault();
      next.focus();
    }
  });
  $("act-claim").addEventListener("click", () => patchCase({ assignee: state?.me.id }));
  $("act-assign").addEventListener("change", (e) => {
    const v = /** @type {HTMLSelectElement} */ (e.target).value;
    patchCase(v ? { assignee: v } : { unassign: true });
  });
  $("act-close").addEventListener("click", () => patchCase({ status: "closed" }));
  $("act-reopen").addEventListener("click", () => patchCase({ status: "open" }));
  $("act-delete").addEventListener("click", async () => {
    if (!selected || !(await confirmDialog(t("case.deleteconfirm"), t("case.delete")))) return;
    await call("DELETE", `cases/${selected}`);
    selected = "";
    $("thread").hidden = true;
    $("thread-none").hidden = false;
    await loadCases();
  });
  $("reply-form").addEventListener("submit", (e) => {
    e.preventDefault();
    // Enter in the centre search submits the form implicitly: search, do
    // not send.
    if (document.activeElement === $("centre-search")) {
      clearTimeout(centreTimer);
      searchCentres();
      return;
    }
    sendReply();
  });
  $("reply-text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      sendReply();
    }
  });
  $("block-select").addEventListener("change", insertBlock);
  $("centre-search").addEventListener("input", searchCentresSoon);
  $("centre-search").addEventListener("keydown", (e) => {
    // Enter searches; it must not send the reply around it.
    if (e.key === "Enter") {
      e.preventDefault();
      clearTimeout(centreTimer);
      searchCentres();
    }
  });
  $("blocks-manage").addEventListener("click", manageBlocks);
  $("blocks-add").addEventListener("click", () => {
    const li = blockEditor({ title: "", body: "" });
    $("blocks-list").append(li);
    /** @type {HTMLInputElement} */ (li.querySelector("input")).focus();
  });
  $("blocks-cancel").addEventListener("click", () => /** @type {HTMLDialogElement} */ ($("blocks-dialog")).close());
  $("blocks-form").addEventListener("submit", (e) => {
    e.preventDefault();
    saveBlocks();
  });
  $("approve-cancel").addEventListener("click", () => /** @type {HTMLDialogElement} */ ($("approve-dialog")).close());
  $("approve-form").addEventListener("submit", (e) => {
    e.preventDefault();
    submitApprove();
  });
  $("invite-counsellor").addEventListener("click", () => invite(false));
  $("invite-admin").addEventListener("click", () => invite(true));
  document.addEventListener("keydown", (e) => {
    if (!e.altKey || !state || state.locked || state.me.state === "pending") return;
    if (e.key === "1") setView("inbox");
    if (e.key === "2") $("tab-team").click();
  });
  setErrorHandler((err) => {
    if (err.code === "locked" && state && !state.locked) {
      state.locked = true;
      showUnlock(true);
    } else if (err.code === "alarm") {
      showAlarm(messageOf(err).replace(/^ALARM: /, ""));
    } else if (err.code === "token") {
      show("token");
    }
  });
}

async function boot() {
  const l = initialLang();
  /** @type {HTMLSelectElement} */ ($("lang")).value = l;
  await setLang(l);
  apply(document);
  wire();
  if (!initToken()) {
    show("token");
    return;
  }
  try {
    await loadState();
  } catch {
    return;
  }
  trackActivity();
  follow(onEvent);
  void lang;
}

boot();
