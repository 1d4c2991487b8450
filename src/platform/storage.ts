import { mkdir, writeFile, readFile, rm, rename } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join, dirname } from 'node:path';
import type { Readable } from 'node:stream';

/** Where attachment bytes live. Local disk by default; an object store can implement the same. */
export interface Storage {
  put(key: string, data: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
  stream(key: string): Readable;
  delete(key: string): Promise<void>;
}

export class LocalDiskStorage implements Storage {
  constructor(private readonly root: string) {}
  private path(key: string): string {
    if (!/^[a-z0-9/_-]+$/i.test(key) || key.includes('..')) throw new Error(`bad storage key ${key}`);
    return join(this.root, key);
  }
  async put(key: string, data: Buffer): Promise<void> {
    const p = this.path(key);
    await mkdir(dirname(p), { recursive: true });
    // Write then rename, so a crash never leaves a half file under the key.
    const tmp = `${p}.${process.pid}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, p);
  }
  get(key: string): Promise<Buffer> {
    return readFile(this.path(key));
  }
  stream(key: string): Readable {
    return createReadStream(this.path(key));
  }
  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}

/** Attachment types we accept, with the leading bytes that prove the declared type. */
export const ALLOWED_TYPES: Record<string, (b: Buffer) => boolean> = {
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/gif': (b) => b.subarray(0, 4).toString('latin1') === 'GIF8',
  'image/webp': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  'application/pdf': (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  'audio/mpeg': (b) => b.subarray(0, 3).toString('latin1') === 'ID3' || (b[0] === 0xff && (b[1] & 0xe0) === 0xe0),
  'audio/wav': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WAVE',
  'video/mp4': (b) => b.subarray(4, 8).toString('latin1') === 'ftyp',
  // Office files are zip containers.
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': (b) => b[0] === 0x50 && b[1] === 0x4b,
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': (b) => b[0] === 0x50 && b[1] === 0x4b,
};

/** Types the browser may show in place (served inline); everything else is a download. */
export const isInlineType = (mime: string) => /^image\/(jpeg|png|gif|webp)$/.test(mime);

/**
 * Markup that a browser could run if it ever took the file for HTML or SVG
 * (a GIF or PNG header followed by `<svg onload=...>` is a valid polyglot). The
 * start of a real photo does not hold these tags (XMP metadata in a JPEG is
 * RDF, none of these).
 */
const MARKUP = /<(!doctype|html|head|body|svg|script|iframe|object|embed)[\s>/]/i;
export function looksLikeMarkup(data: Buffer): boolean {
  return MARKUP.test(data.subarray(0, 4096).toString('latin1'));
}

/** File names that a browser or desktop would open as a page or a script once saved. */
export const RISKY_NAME = /\.(html?|xhtml|shtml|svgz?|xml|xsl|js|mjs|hta|php|asp|aspx|jsp)$/i;
