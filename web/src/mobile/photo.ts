/**
 * Phone photos are 3–8 MB; on a village's 3G link that is minutes per
 * report. Large photos are redrawn at most 1920 px on the long side as JPEG
 * (about 300–600 KB) before they are queued; small ones stay as they are.
 */
const MAX_SIDE = 1920;
const MAX_KEEP_BYTES = 1_200_000;
const QUALITY = 0.82;

export interface PreparedPhoto {
  blob: Blob;
  name: string;
  type: string;
}

export async function preparePhoto(file: File): Promise<PreparedPhoto> {
  const keep = { blob: file as Blob, name: file.name || 'photo', type: file.type || 'application/octet-stream' };
  if (!file.type.startsWith('image/') || file.type === 'image/gif') return keep;
  let bitmap: ImageBitmap;
  try {
    // from-image applies the EXIF orientation, so portrait shots stay upright.
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return keep; // a format this browser cannot decode (HEIC on some phones): send it as it is
  }
  try {
    const long = Math.max(bitmap.width, bitmap.height);
    if (long <= MAX_SIDE && file.size <= MAX_KEEP_BYTES) return keep;
    const scale = Math.min(1, MAX_SIDE / long);
    const w = Math.round(bitmap.width * scale);
    const h = Math.round(bitmap.height * scale);
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const g = canvas.getContext('2d');
    if (!g) return keep;
    g.drawImage(bitmap, 0, 0, w, h);
    const blob = await new Promise<Blob | null>((res) => canvas.toBlob(res, 'image/jpeg', QUALITY));
    if (!blob || blob.size >= file.size) return keep;
    const base = (file.name || 'photo').replace(/\.[^.]+$/, '');
    return { blob, name: `${base}.jpg`, type: 'image/jpeg' };
  } finally {
    bitmap.close();
  }
}

export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
