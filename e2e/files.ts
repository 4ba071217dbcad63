/** Test files for the attachment specs: a real PNG, a small PDF, and a drop as a browser makes one. */
import type { Locator, Page } from '@playwright/test';
import { crc32, deflateSync } from 'node:zlib';
import { expect } from './fixtures.ts';

/** An RGB PNG of `w`×`h` whose filtered scanlines (`rows`, a 0 filter byte each) are already filled. */
function encodePng(w: number, h: number, rows: Buffer, level?: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const idat = deflateSync(rows, level === undefined ? {} : { level });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/** A real `w`×`h` PNG (a diagonal gradient), so the thumbnail and the bubble show a picture. */
export function png(w: number, h: number): Buffer {
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) rows.set([(x * 255) / w, (y * 255) / h, 200], y * (w * 3 + 1) + 1 + x * 3);
  }
  return encodePng(w, h, rows);
}

/** A `w`×`h` PNG of random noise: it does not compress, so it is about w × h × 3 bytes. */
export function noisePng(w: number, h: number): Buffer {
  const rows = Buffer.alloc((w * 3 + 1) * h);
  let x = 0x9e3779b9;
  for (let i = 0; i < rows.length; i++) {
    if (i % (w * 3 + 1) === 0) continue; // filter byte 0
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    rows[i] = x & 255;
  }
  return encodePng(w, h, rows, 1);
}

/** A small PDF with `pages` page objects. */
export function pdf(pages: number): Buffer {
  const objects = Array.from({ length: pages }, (_, i) => `${i + 3} 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj`);
  return Buffer.from(['%PDF-1.4', '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj', `2 0 obj << /Type /Pages /Count ${pages} >> endobj`, ...objects, 'trailer << /Root 1 0 R >>', '%%EOF'].join('\n'));
}

/** Drop a file on `target` as a browser drag would (dragenter, dragover, drop with a DataTransfer). */
export async function dropFile(page: Page, target: Locator, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const dataTransfer = await page.evaluateHandle(({ name, mimeType, b64 }) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, { type: mimeType }));
    return dt;
  }, { name: file.name, mimeType: file.mimeType, b64: file.buffer.toString('base64') });
  await target.dispatchEvent('dragenter', { dataTransfer });
  await expect(target).toHaveAttribute('data-dragging', 'true');
  await target.dispatchEvent('dragover', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
  await expect(target).not.toHaveAttribute('data-dragging');
}
