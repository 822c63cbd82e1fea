// counsel's local desk API (lotse/counsel, desk.go), typed. The page talks
// only to the local counsel process; it trades the one-time token of the
// URL fragment for a page secret (counsel/desk_session.go), which goes in
// the X-Lotse-Desk header of every request.
//
// The answers' types are counsel's Go declarations, generated into
// ./deskwire.ts ("go generate ./counsel"); the server's types that counsel
// passes through are the web client's (../../src/wire.ts). What is
// declared here only narrows them: a field that Go declares as a string
// becomes the union of the values counsel writes, so that TypeScript can
// check every use.
import type * as wire from "../../src/wire";
import type * as desk from "./deskwire";
import type { Block, CaseMemory, DirectoryStatus } from "./deskwire";

export type { Block, CaseAction, CaseMemory, CentreHit, DirectoryStatus } from "./deskwire";

export type CaseStatus = "new" | "open" | "closed";
export type Role = "admin" | "counsellor";
export type MemberState = "pending" | "active" | "removed";

/** A case as the team's server lists it: wire.Case, narrowed (status). */
export type Case = Omit<wire.Case, "status"> & { status: CaseStatus };

/** A case of the inbox (counsel's deskCase): a Case and whether it holds
 * messages this counsellor has not opened yet; narrowed (status). */
export type InboxCase = Omit<desk.DeskCase, "status"> & { status: CaseStatus };

/** GET /api/work: what the desk process kept of the shift's work. */
export type Work = desk.WorkDrafts;

/** A file a message references (counsel.Attachment), narrowed (state,
 * image). name and type are the sender's words: shown as text only. */
export type Attachment = Omit<desk.Attachment, "state" | "image"> & {
  /** checked: decrypted, size and sha256 right; warning: never shown. */
  state: "unchecked" | "checked" | "warning";
  image?: "jpeg" | "png" | "webp";
};

/** A decrypted message, or a warning in its place (counsel.Message),
 * narrowed (from, role, its attachments). */
export type Message = Omit<desk.Message, "from" | "role" | "attachments"> & {
  from: "enquirer" | "counsellor";
  role?: "affected" | "relative" | "professional";
  attachments?: Attachment[];
};

/** A file staged in counsel for the open case's next reply. */
export type StagedFile = desk.StagedView;

/** A counsellor as the server lists them: wire.Counsellor, narrowed (role, state). */
export type Counsellor = Omit<wire.Counsellor, "role" | "state"> & { role: Role; state: MemberState };

/** An open invite as admins list it: the hash of its code, never the code. */
export type OpenInvite = wire.OpenInvite;

/** A page of the inbox (counsel's inboxPage); next is "" after the last. */
export type CasePage = Omit<desk.InboxPage, "cases"> & { cases: InboxCase[] };

/** GET /api/state (counsel's deskState), narrowed (the role and state of
 * me, which are there only while unlocked). */
export type State = Omit<desk.DeskState, "me"> & {
  me: Omit<desk.DeskMe, "role" | "state"> & { role?: Role; state?: MemberState };
};

/** GET /api/cases/{id}: the decrypted thread (counsel's caseView),
 * narrowed (its case and messages). */
export type Thread = Omit<desk.CaseView, "case" | "messages"> & { case: Case; messages: Message[] };

/** The team's text blocks (counsel/teamblocks.go). */
export type TeamBlockList = desk.TeamBlocks;

/** An organisation on the server with this desk's pin of its team key
 * (counsel/orgs.go), narrowed (pin): own, pinned (confirmed out of band),
 * unpinned, or changed (the server shows another key than the confirmed
 * one). */
export type Org = Omit<desk.OrgView, "pin"> & { pin: "own" | "pinned" | "unpinned" | "changed" };

/** GET /api/orgs (counsel's orgList), narrowed (each org's pin). */
export type OrgList = Omit<desk.OrgList, "orgs"> & { orgs: Org[] };

/** Nullable<T> is a list answer T as encoding/json writes it: a Go list
 * or map that is nil is null, which the calls below read as empty. */
type Nullable<T> = { [K in keyof T]: T[K] extends object ? T[K] | null : T[K] };

/** PATCH /api/cases/{id} (counsel's casePatch), narrowed (status). */
export type CasePatch = Omit<desk.CasePatch, "status"> & { status?: "open" | "closed" };

/** A case deleted or purged, and by whom (counsel's teamAction). */
export type TeamAction = desk.TeamAction;

/** Events of GET /api/events, by name, as parseEvent passes them on: of
 * counsel's caseEvent only the id; a record's id only when it is a string. */
export interface Events {
  case: Pick<desk.CaseEvent, "id">;
  lock: Record<string, never>;
  alarm: desk.AlarmEvent;
  approved: Record<string, unknown>;
  state: Record<string, unknown>;
  online: Record<string, unknown>;
  offline: Record<string, unknown>;
  record: Pick<desk.RecordEvent, "kind"> & Partial<Pick<desk.RecordEvent, "id">>;
  /** A page saved or sent case id's draft (counsel/desk_work.go). */
  draft: desk.DraftEvent;
}
/** What follow reports: counsel's events and the stream's own state. */
export type StreamEvent =
  | { [N in keyof Events]: { name: N; data: Events[N] } }[keyof Events]
  | { name: "connected" | "disconnected" | "token" };

/** An error answer of the desk; code "network" when counsel is not there. */
export class DeskError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint = "",
    readonly messageDE = "", // what counsel said, in German
  ) {
    super(message);
  }
}

const secretKey = "lotse-desk-page";

/** openPage trades the one-time token of the address for this page's
 * secret, after taking the token out of the address bar and the history;
 * without a token, or with one spent, it falls back to the secret this tab
 * already holds (a reload). "" if there is none. */
export async function openPage(): Promise<string> {
  const m = /(?:^#|&)o=([A-Za-z0-9_-]{43})(?:&|$)/.exec(location.hash);
  if (location.hash) history.replaceState(null, "", "/");
  if (m?.[1]) {
    try {
      const resp = await fetch("/api/open", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ open: m[1] } satisfies desk.OpenRequest),
        cache: "no-store",
        credentials: "omit",
      });
      const d = (await resp.json().catch(() => ({}))) as Record<string, unknown>;
      const secret = str(d["secret"]);
      if (resp.ok && /^[A-Za-z0-9_-]{43}$/.test(secret)) {
        sessionStorage.setItem(secretKey, secret);
        return secret;
      }
    } catch {
      // counsel is not there: as without a token
    }
  }
  return sessionStorage.getItem(secretKey) ?? "";
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** The desk API of one counsel process. onError sees every error answer
 * before the caller does. */
export class DeskAPI {
  private token = "";
  constructor(private readonly onError: (err: DeskError) => void) {}

  /** open gets this page's secret (openPage) before any other call. */
  async open(): Promise<void> {
    this.token = await openPage();
  }

  get hasToken(): boolean {
    return this.token !== "";
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { "X-Lotse-Desk": this.token };
    const init: RequestInit = { method, headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let resp: Response;
    try {
      resp = await fetch(`/api/${path}`, init);
    } catch {
      throw this.fail(new DeskError(0, "network", "network"));
    }
    const data: unknown = await resp.json().catch(() => ({}));
    if (!resp.ok) {
      const d = (data ?? {}) as Record<string, unknown>;
      throw this.fail(new DeskError(resp.status, str(d["error"]) || "failed", str(d["message"]) || resp.statusText, str(d["hint"]), str(d["message_de"])));
    }
    return data as T;
  }

  /** bytes fetches a binary answer; an error answer is JSON as ever. */
  private async bytes(path: string): Promise<ArrayBuffer> {
    let resp: Response;
    try {
      resp = await fetch(`/api/${path}`, { headers: { "X-Lotse-Desk": this.token }, cache: "no-store", credentials: "omit" });
    } catch {
      throw this.fail(new DeskError(0, "network", "network"));
    }
    if (!resp.ok) {
      const d = ((await resp.json().catch(() => ({}))) ?? {}) as Record<string, unknown>;
      throw this.fail(new DeskError(resp.status, str(d["error"]) || "failed", str(d["message"]) || resp.statusText, str(d["hint"]), str(d["message_de"])));
    }
    return resp.arrayBuffer();
  }

  private fail(err: DeskError): DeskError {
    this.onError(err);
    return err;
  }

  state = (): Promise<State> => this.call("GET", "state");
  work = (): Promise<Work> => this.call("GET", "work");
  saveDraft = (id: string, body: string): Promise<unknown> =>
    this.call("PUT", `drafts/${encodeURIComponent(id)}`, { body } satisfies desk.DraftRequest);
  /** keepDraft saves a draft while the page goes away: the request outlives it. */
  keepDraft = (id: string, body: string): void => {
    void fetch(`/api/drafts/${encodeURIComponent(id)}`, {
      method: "PUT",
      headers: { "X-Lotse-Desk": this.token, "Content-Type": "application/json" },
      body: JSON.stringify({ body } satisfies desk.DraftRequest),
      keepalive: true,
      credentials: "omit",
    }).catch(() => {});
  };
  setSound = (sound: boolean): Promise<unknown> => this.call("PUT", "prefs", { sound } satisfies desk.PrefsRequest);
  /** previews: the first line of each case's newest message, by id. */
  previews = async (ids: string[]): Promise<Record<string, string>> =>
    (await this.call<Nullable<desk.PreviewList>>("GET", `previews?ids=${ids.map(encodeURIComponent).join(",")}`)).previews ?? {};
  unlock = (passphrase: string): Promise<desk.LockAnswer> => this.call("POST", "unlock", { passphrase } satisfies desk.UnlockRequest);
  lock = (): Promise<desk.LockAnswer> => this.call("POST", "lock", {});
  touch = (): Promise<unknown> => this.call("POST", "touch", {});

  /** casesPage reads up to limit cases after cursor ("" for the first). */
  casesPage = async (limit: number, cursor: string): Promise<CasePage> => {
    // The cases waiting longest for a reply first (PROTOCOL.md §6.8).
    const q = `cases?order=waiting&limit=${limit}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : "");
    const p = await this.call<Nullable<CasePage>>("GET", q);
    return { cases: p.cases ?? [], next: p.next ?? "" };
  };
  /** caseSummary is one case's line of the inbox, without its messages. */
  caseSummary = (id: string): Promise<InboxCase> => this.call("GET", `cases/${encodeURIComponent(id)}/summary`);
  thread = (id: string): Promise<Thread> => this.call("GET", `cases/${encodeURIComponent(id)}`);
  /** reply sends body with the files staged for it (ids from stage). */
  reply = (id: string, body: string, attachments: string[] = []): Promise<desk.SentAnswer> =>
    this.call("POST", `cases/${encodeURIComponent(id)}/reply`, { body, attachments } satisfies desk.ReplyRequest);
  /** attachment is the checked bytes of a message's index-th attachment;
   * a file that fails its check is the error attachment_warning. */
  attachment = (id: string, seq: number, index: number): Promise<ArrayBuffer> =>
    this.bytes(`cases/${encodeURIComponent(id)}/messages/${seq}/attachments/${index}`);
  /** stage keeps a file (data in base64) in counsel for the next reply. */
  stage = (id: string, name: string, data: string): Promise<StagedFile> =>
    this.call("POST", `cases/${encodeURIComponent(id)}/attachments`, { name, data } satisfies desk.StageRequest);
  unstage = (id: string, staged: string): Promise<unknown> =>
    this.call("DELETE", `cases/${encodeURIComponent(id)}/attachments/${encodeURIComponent(staged)}`, {});
  patchCase = (id: string, p: CasePatch): Promise<Case> => this.call("PATCH", `cases/${encodeURIComponent(id)}`, p);
  // Every call that changes something carries a JSON body: the desk refuses
  // any other (counsel/desk_routes.go), so a page on another origin cannot
  // send one without a CORS preflight.
  deleteCase = (id: string): Promise<desk.DeletedAnswer> => this.call("DELETE", `cases/${encodeURIComponent(id)}`, {});

  /** The team's notes and tags of a case (counsel/teammemory.go). */
  memory = (id: string): Promise<CaseMemory> => this.call("GET", `cases/${encodeURIComponent(id)}/memory`);
  addNote = (id: string, text: string): Promise<CaseMemory> =>
    this.call("POST", `cases/${encodeURIComponent(id)}/notes`, { text } satisfies desk.NoteRequest);
  setTags = (id: string, tags: string[]): Promise<CaseMemory> =>
    this.call("PUT", `cases/${encodeURIComponent(id)}/tags`, { tags } satisfies desk.TagsRequest);

  teamBlocks = (): Promise<TeamBlockList> => this.call("GET", "team-blocks");
  saveTeamBlocks = (blocks: Block[]): Promise<TeamBlockList> => this.call("PUT", "team-blocks", { blocks } satisfies desk.BlockList);

  /** statsCSV fetches the anonymous counts per month as a CSV file. */
  statsCSV = async (): Promise<Blob> => {
    let resp: Response;
    try {
      resp = await fetch("/api/stats.csv", { headers: { "X-Lotse-Desk": this.token }, cache: "no-store", credentials: "omit" });
    } catch {
      throw this.fail(new DeskError(0, "network", "network"));
    }
    if (!resp.ok) {
      const d = ((await resp.json().catch(() => ({}))) ?? {}) as Record<string, unknown>;
      throw this.fail(new DeskError(resp.status, str(d["error"]) || "failed", str(d["message"]) || resp.statusText, str(d["hint"]), str(d["message_de"])));
    }
    return resp.blob();
  };

  teamActions = async (): Promise<TeamAction[]> => (await this.call<Nullable<desk.TeamActionList>>("GET", "team-actions")).actions ?? [];

  centresStatus = (): Promise<DirectoryStatus> => this.call("GET", "centres-status");
  confirmCentres = (digest: string): Promise<DirectoryStatus> =>
    this.call("POST", "centres/confirm", { digest } satisfies desk.ConfirmCentresRequest);

  casesTagged = async (tag: string): Promise<string[]> => (await this.call<Nullable<desk.TaggedList>>("GET", `cases-tagged?tag=${encodeURIComponent(tag)}`)).ids ?? [];

  /** The roster (counsel's rosterList), narrowed (each counsellor's role and state). */
  roster = async (): Promise<Counsellor[]> =>
    (await this.call<Nullable<Omit<desk.RosterList, "counsellors"> & { counsellors: Counsellor[] }>>("GET", "roster")).counsellors ?? [];
  blocks = async (): Promise<Block[]> => (await this.call<Nullable<desk.BlockList>>("GET", "blocks")).blocks ?? [];
  saveBlocks = async (blocks: Block[]): Promise<Block[]> =>
    (await this.call<desk.BlockList>("PUT", "blocks", { blocks } satisfies desk.BlockList)).blocks;

  centres = (q: string, lang: string): Promise<desk.CentresAnswer> =>
    this.call("GET", `centres?q=${encodeURIComponent(q)}&lang=${encodeURIComponent(lang)}`);
  centreBlock = (id: string, lang: string): Promise<desk.CentreBlockAnswer> =>
    this.call("GET", `centres/${encodeURIComponent(id)}?lang=${encodeURIComponent(lang)}`);

  /** Organisations (counsel/desk_orgs.go). */
  orgs = async (): Promise<OrgList> => {
    const r = await this.call<Nullable<OrgList>>("GET", "orgs");
    return { orgs: r.orgs ?? [], front_door_admin: r.front_door_admin };
  };
  pinOrg = (slug: string, fingerprint: string): Promise<Org> =>
    this.call("POST", "orgs/pin", { slug, fingerprint } satisfies desk.PinOrgRequest);
  createOrg = (slug: string, name: string): Promise<wire.CreatedOrg> => this.call("POST", "orgs", { slug, name } satisfies desk.NewOrgRequest);
  deleteOrg = (slug: string): Promise<desk.DeletedAnswer> => this.call("DELETE", `orgs/${encodeURIComponent(slug)}`, {});

  /** Handover of a case to another organisation (counsel/desk_handover.go). */
  offerTransfer = (id: string, org: string, note: string, lang = ""): Promise<desk.SentAnswer> =>
    this.call("POST", `cases/${encodeURIComponent(id)}/handover`, { org, note, lang } satisfies desk.HandoverRequest);
  withdrawTransfer = (id: string): Promise<unknown> => this.call("DELETE", `cases/${encodeURIComponent(id)}/handover`, {});
  /** The organisation's offers, open, declined and completed (30 days). */
  transfers = async (): Promise<wire.Handover[]> => (await this.call<Nullable<desk.HandoverList>>("GET", "handovers")).handovers ?? [];

  invite = (admin: boolean): Promise<wire.Invite> => this.call("POST", "invites", { admin } satisfies desk.InviteRequest);
  approve = (id: string, fingerprint: string): Promise<desk.CounsellorState> =>
    this.call("POST", "approve", { id, fingerprint } satisfies desk.ApproveRequest);
  /** remove answers with the team key the removal made. */
  remove = (id: string): Promise<desk.RemovedAnswer> => this.call("POST", "remove", { id } satisfies desk.CounsellorRequest);
  invites = async (): Promise<OpenInvite[]> => (await this.call<Nullable<desk.InviteList>>("GET", "invites")).invites ?? [];
  revokeInvite = (id: string): Promise<desk.RevokedAnswer> => this.call("DELETE", `invites/${encodeURIComponent(id)}`, {});
  reject = (id: string): Promise<desk.CounsellorState> => this.call("POST", "reject", { id } satisfies desk.CounsellorRequest);
  /** purge counts (dryRun) or deletes the unanswered new cases created on a day in [from, to). */
  purge = (from: string, to: string, dryRun: boolean): Promise<wire.CasePurge> =>
    this.call("POST", "purge", { from, to, dry_run: dryRun } satisfies wire.CasePurgeRequest);

  /** follow reads the event stream with fetch (EventSource cannot send the
   * header) and hands each event to handler; it reconnects after a pause
   * and stops only when the token is not valid any more. */
  async follow(handler: (ev: StreamEvent) => void): Promise<void> {
    for (;;) {
      try {
        const resp = await fetch("/api/events", { headers: { "X-Lotse-Desk": this.token }, cache: "no-store", credentials: "omit" });
        if (resp.status === 401) {
          handler({ name: "token" });
          return;
        }
        if (!resp.ok || !resp.body) throw new Error(String(resp.status));
        handler({ name: "connected" });
        const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let i;
          while ((i = buf.indexOf("\n\n")) >= 0) {
            const ev = parseEvent(buf.slice(0, i));
            buf = buf.slice(i + 2);
            if (ev) handler(ev);
          }
        }
      } catch {
        // reconnect below
      }
      handler({ name: "disconnected" });
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

const eventNames: ReadonlySet<string> = new Set<keyof Events>(["case", "draft", "record", "lock", "alarm", "approved", "state", "online", "offline"]);

/** parseEvent reads one server-sent event block; comments, unknown names
 * and malformed data give null. */
export function parseEvent(block: string): StreamEvent | null {
  let name = "message";
  let data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("event: ")) name = line.slice(7);
    else if (line.startsWith("data: ")) data += line.slice(6);
  }
  if (!data || !eventNames.has(name)) return null;
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null) return null;
  const d = v as Record<string, unknown>;
  switch (name) {
    case "case":
    case "draft":
      return typeof d["id"] === "string" ? { name, data: { id: d["id"] } } : null;
    case "alarm":
      return { name, data: { reason: str(d["reason"]), reason_de: str(d["reason_de"]) } };
    case "lock":
      return { name, data: {} };
    case "record": {
      const kind = str(d["kind"]);
      if (!kind) return null;
      return typeof d["id"] === "string" ? { name, data: { id: d["id"], kind } } : { name, data: { kind } };
    }
    default:
      return { name: name as "approved" | "state" | "online" | "offline", data: d };
  }
}
