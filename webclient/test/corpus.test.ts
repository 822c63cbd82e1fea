// The shared corpus of crafted documents and the digit vectors
// (crypto/testdata), run against the web client's reader: Go's tests run the
// same files and must reach the same verdicts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as p from "../src/protocol.ts";
import { expect, plaintext, verdict, type Corpus } from "./corpus.ts";

const testdata = new URL("../../crypto/testdata/", import.meta.url);
const corpus = JSON.parse(readFileSync(new URL("documents-v1.json", testdata), "utf8")) as Corpus;
const digits = JSON.parse(readFileSync(new URL("digits-v1.json", testdata), "utf8")) as {
  vectors: Array<{ typed: string; normalized: string | null; comment: string }>;
};

test("corpus: every crafted document gets its verdict", () => {
  assert.ok(corpus.cases.length >= 200);
  let accepted = 0;
  for (const k of corpus.cases) {
    const got = verdict(plaintext(corpus, k), expect(corpus, k));
    if (k.verdict === "accept") {
      assert.equal(got.verdict, "accept", k.name);
      accepted++;
      for (const [f, v] of Object.entries(k.doc ?? {})) assert.deepEqual(got.doc![f], v, `${k.name}: ${f}`);
      // Whatever a reader accepts, the browser's Date can show.
      assert.ok(!isNaN(new Date(String(got.doc!["sent"])).getTime()), `${k.name}: Date cannot parse sent`);
    } else {
      assert.equal(got.verdict, k.reason, k.name);
    }
  }
  assert.ok(accepted >= 40);
});

test("digit vectors: format characters ignored", () => {
  assert.ok(digits.vectors.length >= 10);
  for (const v of digits.vectors) assert.equal(p.normalizeDigits(v.typed), v.normalized, v.comment);
  assert.equal(p.parsePickupCode("\u200f01572 93849\u200f"), "0157293849");
});
