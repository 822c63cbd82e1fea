// The inbox's order: what needs doing first. The server sends its pages in
// this order (PROTOCOL.md §6.8, order=waiting); the page keeps it when an
// event moves one case, and for the pages already loaded.
import type { Case } from "./api";

/** waiting: the enquirer wrote last and the case is not closed. */
export const waiting = (c: Case): boolean => c.awaiting_reply && c.status !== "closed";

/** byNeed orders the cases waiting longest first, then the others with the
 * newest activity first; ties by id, as the server breaks them. */
export function byNeed(a: Case, b: Case): number {
  const wa = waiting(a);
  const wb = waiting(b);
  if (wa !== wb) return wa ? -1 : 1;
  let d: number;
  if (wa) d = cmp(a.waiting_since || a.last_activity, b.waiting_since || b.last_activity);
  else d = cmp(b.last_activity, a.last_activity);
  return d || cmp(a.id, b.id);
}

const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
