// The desk inbox's order (desk/src/inbox.ts): what needs doing first.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Case } from "../desk/src/api.ts";
import { byNeed, waiting } from "../desk/src/inbox.ts";

const mk = (id: string, over: Partial<Case>): Case => ({
  id,
  status: "open",
  assignee: null,
  created: "2026-12-01",
  last_activity: "2026-12-02T10:00:00Z",
  expires: "2027-03-01",
  message_count: 1,
  awaiting_reply: false,
  ...over,
});

test("desk inbox: waiting longest first, then newest activity", () => {
  const cases = [
    mk("a1", { last_activity: "2026-12-02T12:00:00Z" }), // answered, newest
    mk("b2", { awaiting_reply: true, waiting_since: "2026-12-02T09:00:00Z", last_activity: "2026-12-02T11:00:00Z" }),
    mk("c3", { awaiting_reply: true, waiting_since: "2026-12-01T08:00:00Z" }), // waits longest
    mk("d4", { awaiting_reply: true, status: "closed", last_activity: "2026-12-02T13:00:00Z" }), // closed: not waiting
    mk("e5", { awaiting_reply: true, waiting_since: "2026-12-02T09:00:00Z" }), // same hour as b2: by id
    mk("f6", { last_activity: "2026-12-01T07:00:00Z" }),
  ];
  assert.deepEqual(
    [...cases].sort(byNeed).map((c) => c.id),
    ["c3", "b2", "e5", "d4", "a1", "f6"],
  );
  assert.ok(waiting(cases[1]!) && !waiting(cases[3]!) && !waiting(cases[0]!));
});

test("desk inbox: without waiting_since, by last activity", () => {
  const x = mk("x", { awaiting_reply: true, last_activity: "2026-12-02T08:00:00Z" });
  const y = mk("y", { awaiting_reply: true, last_activity: "2026-12-02T07:00:00Z" });
  assert.deepEqual([x, y].sort(byNeed).map((c) => c.id), ["y", "x"]);
});
