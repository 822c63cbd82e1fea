// Cleaning a photo before it leaves the device (PROTOCOL.md §10). A photo
// says more than it shows: EXIF names the phone and the time, GPS the
// place, XMP and IPTC the editing app and sometimes a name, and an
// embedded thumbnail may still show what was cropped away. Instead of
// finding and cutting these parts (each format hides them differently),
// the browser decodes the pixels and encodes them again: the new file
// holds pixels and nothing else. No third-party code; nothing of the
// picture is kept after the call (no object URL, no storage).

/** MAX_SIDE is the longest side of a cleaned image (PROTOCOL.md §10). */
export const MAX_SIDE = 2560;

/** The media types whose pixels the client tries to decode. HEIC and
 * HEIF decode only where the browser can (Safari); elsewhere they count
 * as files that cannot be cleaned. */
const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"];
const IMAGE_EXT = /\.(jpe?g|png|webp|heic|heif)$/i;

/** isImage: the file claims to be a photo or picture of a kind we clean.
 * Phones sometimes leave the type of a HEIC file empty; its name tells. */
export function isImage(f: { type: string; name: string }): boolean {
  return IMAGE_TYPES.includes(f.type.toLowerCase()) || (f.type === "" && IMAGE_EXT.test(f.name));
}

/** CannotCleanError: the browser could not decode the picture (a HEIC
 * photo outside Safari, a broken file). It may then be sent only as it is,
 * after the same warning as a document. */
export class CannotCleanError extends Error {
  constructor() {
    super("the browser cannot decode this image");
  }
}

export interface Cleaned {
  bytes: Uint8Array<ArrayBuffer>;
  type: "image/jpeg" | "image/png";
  width: number;
  height: number;
}

/** scaled is the size of a w×h picture whose longest side is at most
 * MAX_SIDE, keeping its proportions. */
export function scaled(w: number, h: number): { width: number; height: number } {
  const f = Math.min(1, MAX_SIDE / Math.max(w, h));
  return { width: Math.max(1, Math.round(w * f)), height: Math.max(1, Math.round(h * f)) };
}

type Canvas = OffscreenCanvas | HTMLCanvasElement;

function newCanvas(width: number, height: number): Canvas {
  if (typeof OffscreenCanvas === "function") return new OffscreenCanvas(width, height);
  const c = document.createElement("canvas");
  c.width = width;
  c.height = height;
  return c;
}

function encode(c: Canvas, type: string, quality?: number): Promise<Blob> {
  if (c instanceof HTMLCanvasElement) {
    return new Promise((resolve, reject) => c.toBlob((b) => (b ? resolve(b) : reject(new Error("canvas: no image"))), type, quality));
  }
  return c.convertToBlob({ type, quality });
}

/** JPEG qualities, best first; a lower one only to fit a smaller size. */
const QUALITIES = [0.88, 0.8, 0.7, 0.5];

/**
 * cleanImage decodes file, turns it upright (the EXIF orientation is
 * applied before it is dropped), scales it to at most MAX_SIDE and encodes
 * the pixels again: PNG stays PNG (screenshots, drawings) unless that is
 * larger than the largest of sizes, everything else becomes JPEG. sizes
 * are the padded sizes the result will be sent in (ascending): a JPEG just
 * over one of them is encoded again a little lower to fit it, rather than
 * sending up to four times the bytes on a phone's connection. It throws
 * CannotCleanError when the browser cannot decode the file, and an Error
 * when no quality fits.
 */
export async function cleanImage(file: Blob, sizes: readonly number[]): Promise<Cleaned> {
  const maxBytes = sizes[sizes.length - 1] ?? 0;
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    throw new CannotCleanError();
  }
  const { width, height } = scaled(bmp.width, bmp.height);
  let c: Canvas | null = null;
  try {
    c = newCanvas(width, height);
    const ctx = c.getContext("2d") as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
    if (!ctx) throw new CannotCleanError();
    // JPEG has no transparency: a transparent pixel becomes white, not black.
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(bmp, 0, 0, width, height);
    bmp.close();
    const done = async (blob: Blob, type: Cleaned["type"]): Promise<Cleaned> =>
      ({ bytes: new Uint8Array(await blob.arrayBuffer()), type, width, height });
    if (file.type === "image/png") {
      const png = await encode(c, "image/png");
      // Some browsers answer an unknown type with PNG; only what was asked for counts.
      if (png.type === "image/png" && png.size <= maxBytes) return done(png, "image/png");
    }
    let best: Blob | null = null;
    let fit = 0; // the padded size the best one takes
    for (const q of QUALITIES) {
      const jpeg = await encode(c, "image/jpeg", q);
      if (jpeg.type !== "image/jpeg") break;
      const size = sizes.find((s) => s >= jpeg.size) ?? 0;
      if (best === null && size > 0) {
        best = jpeg;
        fit = size;
        // Worth another try only if it is at most half again the next size down.
        const below = sizes[sizes.indexOf(size) - 1];
        if (below === undefined || jpeg.size > below * 1.5) break;
        continue;
      }
      if (best !== null) {
        if (size > 0 && size < fit) best = jpeg;
        break;
      }
    }
    if (best) return done(best, "image/jpeg");
    throw new Error("clean image: too large even at low quality");
  } finally {
    bmp.close();
    // Free the pixels now rather than at the next garbage collection.
    if (c) {
      c.width = 0;
      c.height = 0;
    }
  }
}
