// The team-key pin: the first key is taken, the same key always, a
// different one only with a newer epoch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkPin, TeamKeyChangedError } from "../src/teampin.ts";

const A = "age1pq1aaaa";
const B = "age1pq1bbbb";

test("pin: the first key of a conversation is taken", () => {
  assert.deepEqual(checkPin(null, { epoch: 3, recipient: A }), { epoch: 3, recipient: A });
});

test("pin: the same key is kept and its epoch never goes down", () => {
  assert.deepEqual(checkPin({ epoch: 3, recipient: A }, { epoch: 3, recipient: A }), { epoch: 3, recipient: A });
  assert.deepEqual(checkPin({ epoch: 3, recipient: A }, { epoch: 1, recipient: A }), { epoch: 3, recipient: A });
  assert.deepEqual(checkPin({ epoch: 3, recipient: A }, { epoch: 4, recipient: A }), { epoch: 4, recipient: A });
});

test("pin: a new key with a newer epoch replaces the pin", () => {
  assert.deepEqual(checkPin({ epoch: 3, recipient: A }, { epoch: 4, recipient: B }), { epoch: 4, recipient: B });
});

test("pin: a new key with the same or an older epoch is refused", () => {
  for (const epoch of [3, 2, 1, 0]) {
    assert.throws(() => checkPin({ epoch: 3, recipient: A }, { epoch, recipient: B }), (e: unknown) =>
      e instanceof TeamKeyChangedError && e.pinned.recipient === A && e.offered.recipient === B);
  }
});
