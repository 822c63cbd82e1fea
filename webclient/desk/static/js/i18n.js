// @ts-check
// Every text of the desk comes from i18n/de.json or i18n/en.json.

/** @typedef {"de" | "en"} Lang */

/** @type {Record<string, string>} */
let strings = {};
/** @type {Lang} */
let current = "de";

/**
 * The language to start with: German on a German system, else English,
 * unless the counsellor chose one in this tab.
 * @returns {Lang}
 */
export function initialLang() {
  const chosen = sessionStorage.getItem("lotse-desk-lang");
  if (chosen === "de" || chosen === "en") return chosen;
  const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  for (const l of langs) {
    if (l.toLowerCase().startsWith("de")) return "de";
    if (l.toLowerCase().startsWith("en")) return "en";
  }
  return "de";
}

/**
 * Loads a language and applies it to the page.
 * @param {Lang} lang
 */
export async function setLang(lang) {
  const resp = await fetch(`/i18n/${lang}.json`, { cache: "no-store" });
  if (!resp.ok) throw new Error(`translations ${lang}: ${resp.status}`);
  strings = await resp.json();
  current = lang;
  sessionStorage.setItem("lotse-desk-lang", lang);
  document.documentElement.lang = lang;
  apply(document);
}

/** @returns {Lang} */
export function lang() {
  return current;
}

/**
 * Translates a key; {name} placeholders are filled from params.
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 * @returns {string}
 */
export function t(key, params) {
  let s = strings[key];
  if (s === undefined) s = key;
  if (params) {
    for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
  }
  return s;
}

/**
 * Fills every element with a data-t attribute below root, and the
 * placeholder of those with data-t-placeholder.
 * @param {ParentNode} root
 */
export function apply(root) {
  for (const el of root.querySelectorAll("[data-t]")) {
    const key = el.getAttribute("data-t");
    if (key) el.textContent = t(key);
  }
  for (const el of root.querySelectorAll("[data-t-placeholder]")) {
    const key = el.getAttribute("data-t-placeholder");
    if (key) el.setAttribute("placeholder", t(key));
  }
}

/**
 * A date in the page's language: "28. Nov. 2026, 14:05".
 * @param {string} iso
 * @param {boolean} [withTime]
 * @returns {string}
 */
export function formatDate(iso, withTime = true) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  /** @type {Intl.DateTimeFormatOptions} */
  const opts = withTime
    ? { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" }
    : { day: "numeric", month: "short", year: "numeric" };
  return new Intl.DateTimeFormat(current === "de" ? "de-DE" : "en-GB", opts).format(d);
}
