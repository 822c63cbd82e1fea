// The desk's attachment rules that need no browser: the decoder is chosen
// by a file's bytes, a file is saved under its kind only, and a sender's
// name cannot reorder the text around it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { imageKind, neutralName, shownName } from "../desk/src/attachments.ts";

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : p)));

test("imageKind reads the first bytes, never the type", () => {
  assert.equal(imageKind(bytes([0xff, 0xd8, 0xff, 0xe0])), "jpeg");
  assert.equal(imageKind(bytes([0x89], "PNG\r\n\x1a\n")), "png");
  assert.equal(imageKind(bytes("RIFF", [1, 2, 3, 4], "WEBPVP8 ")), "webp");
  assert.equal(imageKind(bytes("RIFF", [1, 2, 3, 4], "WAVE")), "");
  assert.equal(imageKind(bytes("<svg xmlns=")), "", "SVG is markup: never previewed");
  assert.equal(imageKind(bytes("%PDF-1.4")), "");
  assert.equal(imageKind(new Uint8Array()), "");
});

test("neutralName names the kind, never the sender's name", () => {
  assert.equal(neutralName("application/pdf"), "lotse-attachment.pdf");
  assert.equal(neutralName("image/jpeg"), "lotse-attachment.jpg");
  assert.equal(neutralName("text/html"), "lotse-attachment.bin");
  assert.equal(neutralName("application/x-msdownload"), "lotse-attachment.bin");
});

test("shownName neutralises what reorders text", () => {
  assert.equal(shownName("rechnung\u202efdp.exe"), "rechnung\ufffdfdp.exe");
  assert.equal(shownName("a\u2066b\u2069c\u200fd\u061ce"), "a\ufffdb\ufffdc\ufffdd\ufffde");
  assert.equal(shownName("Vertrag März.pdf"), "Vertrag März.pdf");
  assert.equal(shownName("عقد.pdf"), "عقد.pdf", "right-to-left letters stay");
});
