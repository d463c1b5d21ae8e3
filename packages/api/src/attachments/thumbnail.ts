import { Readable } from 'node:stream';
import type { FileStore, StoredFile } from './file-store.js';

/** Images that get a thumbnail, can be a cover and are shown inline (by what the bytes are). */
const RASTER: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  heif: 'image/avif',
};

export interface ImageFacts {
  /** The type the bytes really are (the client's word is not taken for it). */
  contentType: string;
  width: number;
  height: number;
  thumbnail: Buffer;
}

/** Longest side of a thumbnail: a card face is at most ~300 CSS px wide, 2× for sharp screens. */
const THUMB_SIDE = 640;

/**
 * Reads a stored file as an image: its real format and size, and a small
 * WebP thumbnail (oriented by EXIF, never enlarged). Anything sharp cannot
 * read as a raster image (including SVG, which is script-capable) is not an
 * image here. sharp is loaded on first use: instances that never see an
 * image never load libvips.
 */
export async function imageFacts(
  store: FileStore,
  file: StoredFile,
  size: number,
): Promise<ImageFacts | null> {
  if (size === 0) return null;
  const { default: sharp } = await import('sharp');
  const source = Readable.from(store.read(file, 0, size - 1));
  const pipeline = sharp({ failOn: 'error', limitInputPixels: 100_000_000, sequentialRead: true });
  source.pipe(pipeline);
  try {
    const meta = pipeline.clone();
    const [info, thumb] = await Promise.all([
      meta.metadata(),
      pipeline
        .rotate()
        .resize({ width: THUMB_SIDE, height: THUMB_SIDE, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 76 })
        .toBuffer(),
    ]);
    const contentType = info.format ? RASTER[info.format] : undefined;
    if (!contentType || !info.width || !info.height) return null;
    // EXIF orientations 5–8 swap the sides.
    const swapped = (info.orientation ?? 1) >= 5;
    return {
      contentType,
      width: swapped ? info.height : info.width,
      height: swapped ? info.width : info.height,
      thumbnail: thumb,
    };
  } catch {
    source.destroy();
    return null;
  }
}

/** The first bytes of a raster format sharp reads (JPEG, PNG, GIF, WebP, AVIF/HEIF). */
function rasterSignature(head: Buffer): boolean {
  if (head.length < 12) return false;
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return true;
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return true;
  const ascii = head.toString('latin1', 0, 12);
  if (ascii.startsWith('GIF87a') || ascii.startsWith('GIF89a')) return true;
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return true;
  return (
    ascii.slice(4, 8) === 'ftyp' &&
    /^(avif|avis|heic|heix|mif1)/.test(head.toString('latin1', 8, 12))
  );
}

/**
 * Whether a stored file starts like a raster image: only those are handed to
 * sharp (a 50 MB archive is not decoded to find out it is not a picture).
 */
export async function looksLikeImage(store: FileStore, file: StoredFile): Promise<boolean> {
  return rasterSignature(await store.head(file));
}
