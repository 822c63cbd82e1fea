// The shared translation scheme over both pages' catalogues, and the
// desk's reading of counsel's event stream.
import { test } from "node:test";
import assert from "node:assert/strict";
import { hasKey, translator } from "../src/i18n.ts";
import { parseEvent } from "../desk/src/api.ts";
import de from "../desk/src/lang/de.json";
import en from "../desk/src/lang/en.json";

test("desk translations: same keys, no empty text", () => {
  assert.deepEqual(Object.keys(de).sort(), Object.keys(en).sort());
  for (const [lang, t] of [["de", de], ["en", en]] as const) {
    for (const [k, v] of Object.entries(t)) assert.ok(typeof v === "string" && v.trim() !== "", `${lang}.${k}`);
  }
});

test("translator: placeholders, fallback", () => {
  const texts = { de: { a: "{n} von {all}", b: "nur {x}" }, en: { a: "{n} of {all}" } } as unknown as Record<"de" | "en", Record<"a" | "b", string>>;
  const t = translator(texts);
  assert.equal(t("de", "a", { n: 3, all: 10 }), "3 von 10");
  assert.equal(t("en", "a", { n: 3, all: 10 }), "3 of 10");
  assert.equal(t("de", "b"), "nur {x}", "an unknown placeholder stays");
  assert.equal(t("en", "b"), "⟦b⟧", "a missing text shows its key");
  assert.equal(t("de", "a", { n: "{all}", all: 1 }), "{all} von 1", "a value is not filled again");
  assert.ok(hasKey(texts, "a"));
  assert.ok(!hasKey(texts, "toString"), "inherited names are not keys");
  const desk = translator({ de, en });
  assert.equal(desk("de", "unlock.button"), "Entsperren");
  assert.equal(desk("en", "unlock.button"), "Unlock");
});

test("desk events", () => {
  const cases: Array<[string, string, unknown]> = [
    ["case", 'event: case\ndata: {"id":"abc","seq":3}', { name: "case", data: { id: "abc" } }],
    ["alarm", 'event: alarm\ndata: {"reason":"r","reason_de":"g"}', { name: "alarm", data: { reason: "r", reason_de: "g" } }],
    ["alarm without German", 'event: alarm\ndata: {"reason":"r"}', { name: "alarm", data: { reason: "r", reason_de: "" } }],
    ["lock", "event: lock\ndata: {}", { name: "lock", data: {} }],
    ["online", "event: online\ndata: {}", { name: "online", data: {} }],
    ["comment", ": ping", null],
    ["no data", "event: lock", null],
    ["unknown name", "event: token\ndata: {}", null],
    ["unnamed", 'data: {"id":"abc"}', null],
    ["malformed", "event: case\ndata: {", null],
    ["case without id", 'event: case\ndata: {"id":7}', null],
    ["draft", 'event: draft\ndata: {"id":"abc"}', { name: "draft", data: { id: "abc" } }],
    ["draft without id", "event: draft\ndata: {}", null],
    ["record of a case", 'event: record\ndata: {"id":"abc","kind":"note"}', { name: "record", data: { id: "abc", kind: "note" } }],
    ["record of the team", 'event: record\ndata: {"kind":"blocks"}', { name: "record", data: { kind: "blocks" } }],
    ["record without kind", 'event: record\ndata: {"id":"abc"}', null],
    ["not an object", "event: state\ndata: 1", null],
  ];
  for (const [name, block, want] of cases) assert.deepEqual(parseEvent(block), want, name);
});
