// The attachment code as a script of its own (attach-HASH.js), loaded by
// attachload.ts when the person first writes or reads, so a first visit
// does not carry it (the 80 KB budget of the start page). It shares the
// app's instances of age, protocol.ts, api.ts and dom.ts, which the app
// hands over on self.lotseShared (build.mjs resolves those imports of the
// attachment files to them), and announces itself on self.lotseAttach.
import { forwardAttachment } from "./attachapi";
import { fileList, forgetFiles, Picker } from "./attachui";

/** AttachChunk is what the script offers the page. */
export interface AttachChunk {
  Picker: typeof Picker;
  fileList: typeof fileList;
  forgetFiles: typeof forgetFiles;
  forwardAttachment: typeof forwardAttachment;
}

(self as unknown as { lotseAttach?: AttachChunk }).lotseAttach = { Picker, fileList, forgetFiles, forwardAttachment };
