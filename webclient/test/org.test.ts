// The organisation a page writes to comes from its path, /o/<slug>/
// (PROTOCOL.md §8); anything else is the front door.
import { test } from "node:test";
import assert from "node:assert/strict";
import { orgFromPath } from "../src/api.ts";

test("orgFromPath", () => {
  for (const [path, want] of [
    ["/", ""],
    ["/o/b/", "b"],
    ["/o/fach-b/index.html", "fach-b"],
    ["/o/" + "a".repeat(32) + "/", "a".repeat(32)],
    ["/o/" + "a".repeat(33) + "/", ""],
    ["/o/B/", ""],
    ["/o/b", ""],
    ["/o/b/c/", ""],
    ["/o//", ""],
    ["/x/o/b/", ""],
  ] as const) {
    assert.equal(orgFromPath(path), want, path);
  }
});
