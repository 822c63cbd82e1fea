// Reply drafts: counsel keeps them (counsel/desk_work.go), encrypted to the
// counsellor on disk, so that a lock, a closed tab or a crash of the page
// loses at most the last moment of typing. The page saves while the
// counsellor types, a moment after the last key, and at once when it locks
// or goes away. A save that fails (the desk locked meanwhile) stays here
// and is sent again after the next unlock.
import type { DeskAPI, Work } from "./api";

/** How long after the last key a draft is saved. */
const pause = 600;

export class Drafts {
  private saved = new Map<string, string>(); // as counsel holds them
  private unsaved = new Map<string, string>(); // typed, not yet held by counsel
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly api: DeskAPI) {}

  /** load takes what counsel kept, after an unlock or on a new page. */
  load(w: Work): void {
    this.saved = new Map(Object.entries(w.drafts ?? {}));
  }

  /** get is the draft of case id, "" for none. */
  get(id: string): string {
    return this.unsaved.get(id) ?? this.saved.get(id) ?? "";
  }

  /** typing: this page holds text of case id that counsel does not yet. */
  typing(id: string): boolean {
    return this.unsaved.has(id);
  }

  /** typed notes the reply text of case id and saves it soon. */
  typed(id: string, body: string): void {
    if (!id) return;
    this.unsaved.set(id, body);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), pause);
  }

  /** flush saves every unsaved draft now; what fails stays unsaved. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    for (const [id, body] of [...this.unsaved]) {
      try {
        await this.api.saveDraft(id, body);
      } catch {
        return; // locked or gone: kept for the next flush
      }
      if (this.unsaved.get(id) === body) this.unsaved.delete(id);
      if (body) this.saved.set(id, body);
      else this.saved.delete(id);
    }
  }

  /** leaving sends what is unsaved with requests that outlive the page. */
  leaving(): void {
    clearTimeout(this.timer);
    for (const [id, body] of this.unsaved) this.api.keepDraft(id, body);
  }

  /** sent forgets the draft of a reply that went out (counsel did too). */
  sent(id: string): void {
    this.unsaved.delete(id);
    this.saved.delete(id);
  }

  /** forget drops the page's copies (a lock); unsaved text stays. */
  forget(): void {
    this.saved.clear();
  }
}
