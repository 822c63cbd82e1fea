// Languages an operator adds (LOTSE_CONTENT_DIR/<code>/language.json),
// named by mailboxd in the page's data-languages: only what fits is kept.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseAddedLanguages } from "../src/i18n.ts";

test("parseAddedLanguages: keeps well-formed languages, drops the rest", () => {
  const ti = { code: "ti", name: "ትግርኛ", rtl: false };
  const pcm = { code: "pcm", name: "Naijá", rtl: false };
  assert.deepEqual(parseAddedLanguages(JSON.stringify([ti, pcm])), [ti, pcm]);
  assert.deepEqual(parseAddedLanguages(undefined), []);
  assert.deepEqual(parseAddedLanguages("not json"), []);
  assert.deepEqual(parseAddedLanguages(JSON.stringify(ti)), [], "not a list");
  assert.deepEqual(parseAddedLanguages("[" + JSON.stringify(ti) + "," + " ".repeat(4096) + "]"), [], "too long");
  const bad = [
    { code: "fr", name: "Français", rtl: false }, // built in
    { code: "TI", name: "x", rtl: false },
    { code: "tigr", name: "x", rtl: false },
    { code: "../x", name: "x", rtl: false },
    { code: "xx", name: " ", rtl: false },
    { code: "xy", name: "x".repeat(65), rtl: false },
    { code: "xz", name: "x", rtl: "yes" },
    { code: "ti", name: "again", rtl: true }, // listed before
    null,
    "ti",
  ];
  assert.deepEqual(parseAddedLanguages(JSON.stringify([ti, ...bad])), [ti]);
  const many = Array.from({ length: 10 }, (_, i) => ({ code: "q" + String.fromCharCode(97 + i), name: "Q" + i, rtl: i === 0 }));
  const got = parseAddedLanguages(JSON.stringify(many));
  assert.equal(got.length, 8, "at most eight");
  assert.deepEqual(got[0], { code: "qa", name: "Q0", rtl: true });
});
