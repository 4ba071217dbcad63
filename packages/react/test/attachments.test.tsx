import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DocumentPart, ImagePart, UserPart } from '@slipstream/core';
import { useRef } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AttachButton, AttachmentDropZone, AttachmentList, conversationAttachments, pasteAttachments, useAttachments, type ConversationAttachments } from '../src/attachments/index.ts';
import { Composer } from '../src/components/composer.tsx';

afterEach(cleanup);

const be32 = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const pngBytes = (w: number, h: number, size = 33) => {
  const out = new Uint8Array(size);
  out.set([0x89, ...ascii('PNG\r\n\x1a\n'), 0, 0, 0, 13, ...ascii('IHDR'), ...be32(w), ...be32(h), 8, 6, 0, 0, 0]);
  return out;
};
const pngFile = (name: string, w: number, h: number, size?: number) => new File([pngBytes(w, h, size)], name, { type: 'image/png' });
const pdfFile = (name: string, pages: number) =>
  new File([`%PDF-1.4\n1 0 obj << /Type /Pages /Count ${pages} >> endobj\n${Array.from({ length: pages }, (_, i) => `${i + 2} 0 obj << /Type /Page >> endobj\n`).join('')}%%EOF`], name, { type: 'application/pdf' });

function Harness(props: { onSend: (parts: UserPart[]) => void; conversation?: ConversationAttachments; maxRequestBytes?: number; downscale?: boolean }) {
  const attach = useAttachments({
    ...(props.downscale ? { downscale: true } : {}),
    ...(props.conversation ? { conversation: props.conversation } : {}),
    ...(props.maxRequestBytes ? { maxRequestBytes: props.maxRequestBytes } : {}),
  });
  const box = useRef<HTMLTextAreaElement | null>(null);
  return (
    <AttachmentDropZone attachments={attach} data-testid="zone">
      <Composer
        onSend={(text) => {
          props.onSend([...attach.parts, ...(text ? [{ type: 'text' as const, text }] : [])]);
          attach.clear();
        }}
        canSend={!attach.reading && attach.parts.length > 0 ? true : undefined}
        attachments={<AttachmentList attachments={attach} returnFocusRef={box} />}
        actions={<AttachButton attachments={attach} />}
        textareaProps={{ onPaste: pasteAttachments(attach), ref: box } as never}
      />
    </AttachmentDropZone>
  );
}

const fileInput = (container: HTMLElement) => container.querySelector('input[type=file]') as HTMLInputElement;

describe('attachments in the composer', () => {
  it('the attach button opens a picker for images and PDFs; a picked image shows a preview chip and is sent as an image part before the text', async () => {
    const sent: UserPart[][] = [];
    const user = userEvent.setup();
    const { container } = render(<Harness onSend={(p) => sent.push(p)} />);
    const button = screen.getByRole('button', { name: 'Attach images or PDFs' });
    expect(fileInput(container).accept).toContain('application/pdf');
    await user.upload(fileInput(container), pngFile('cat.png', 640, 480));
    const chip = await screen.findByRole('listitem');
    await waitFor(() => expect(chip.getAttribute('data-status')).toBe('ready'));
    expect(chip.textContent).toContain('cat.png');
    expect(chip.textContent).toContain('640×480 · 33 B');
    expect(chip.querySelector('img')?.getAttribute('src')).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect(screen.getByRole('status').textContent).toBe('cat.png attached');
    // Attachments alone can be sent; with text, the image comes first.
    expect(screen.getByRole('button', { name: 'Send' })).toHaveProperty('disabled', false);
    await user.type(screen.getByRole('textbox'), 'what is this?{Enter}');
    expect(sent).toHaveLength(1);
    const [image, text] = sent[0] as [ImagePart, UserPart];
    expect(image).toMatchObject({ type: 'image', mediaType: 'image/png', name: 'cat.png' });
    expect(text).toEqual({ type: 'text', text: 'what is this?' });
    expect(screen.queryByRole('listitem')).toBeNull();
    expect(button).toBeTruthy();
  });

  it('refuses an oversized image before reading it, naming the limit, in an alert; nothing is attached', async () => {
    const { container } = render(<Harness onSend={() => {}} />);
    const big = new File([new Uint8Array(4 * 1024 * 1024)], 'huge.png', { type: 'image/png' });
    await act(async () => {
      fireEvent.change(fileInput(container), { target: { files: [big] } });
    });
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('huge.png is 4 MB; an image may be at most 3.75 MB (5 MB once encoded for sending).'));
    expect(screen.queryByRole('listitem')).toBeNull();
    expect(screen.getByRole('button', { name: 'Send' })).toHaveProperty('disabled', true);
  });

  it('a pasted PDF shows its pages and size; a pasted HEIC is refused by type; pasted text is left alone', async () => {
    render(<Harness onSend={() => {}} />);
    const box = screen.getByRole('textbox');
    await act(async () => {
      fireEvent.paste(box, { clipboardData: { files: [pdfFile('report.pdf', 3)], types: ['Files'] } });
    });
    await waitFor(() => expect(screen.getByRole('listitem').textContent).toMatch(/report\.pdf3 pages · \d+ B/));
    await act(async () => {
      fireEvent.paste(box, { clipboardData: { files: [new File(['x'], 'photo.heic', { type: 'image/heic' })], types: ['Files'] } });
    });
    expect(screen.getByRole('alert').textContent).toContain('photo.heic (image/heic) cannot be attached: Claude takes JPEG, PNG, GIF and WebP images and PDF documents.');
    expect(screen.getAllByRole('listitem')).toHaveLength(1);
  });

  it('takes dropped files, marking the zone while files are dragged over it', async () => {
    render(<Harness onSend={() => {}} />);
    const zone = screen.getByTestId('zone');
    const dataTransfer = { files: [pdfFile('a.pdf', 1), pngFile('b.png', 10, 10)], types: ['Files'], dropEffect: 'none' };
    fireEvent.dragEnter(zone, { dataTransfer });
    expect(zone.hasAttribute('data-dragging')).toBe(true);
    await act(async () => {
      fireEvent.drop(zone, { dataTransfer });
    });
    expect(zone.hasAttribute('data-dragging')).toBe(false);
    await waitFor(() => expect(screen.getAllByRole('listitem').map((li) => li.getAttribute('data-status'))).toEqual(['ready', 'ready']));
    expect(screen.getByRole('status').textContent).toBe('a.pdf, b.png attached');
    // The same sentence again is still a change the live region reads.
    await act(async () => {
      fireEvent.drop(zone, { dataTransfer });
    });
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('a.pdf, b.png attached\u00a0'));
    expect(screen.getAllByRole('listitem')).toHaveLength(4);
  });

  it('remove buttons are named after their file; removing moves focus to the next chip, then back to the text box, and is announced', async () => {
    const user = userEvent.setup();
    const { container } = render(<Harness onSend={() => {}} />);
    await user.upload(fileInput(container), [pngFile('one.png', 10, 10), pngFile('two.png', 10, 10)]);
    await waitFor(() => expect(screen.getAllByRole('listitem').every((li) => li.getAttribute('data-status') === 'ready')).toBe(true));
    await user.click(screen.getByRole('button', { name: 'Remove one.png' }));
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Remove two.png' }));
    expect(screen.getByRole('status').textContent).toBe('one.png removed');
    await user.keyboard('{Enter}');
    expect(screen.queryByRole('listitem')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('textbox'));
  });

  it('counts what the conversation already carries: attachments, PDF pages and the request size', async () => {
    const history = [{ parts: [{ type: 'document', mediaType: 'application/pdf', data: btoa('%PDF-1.4 << /Type /Pages /Count 99 >>') } as DocumentPart] }];
    const conversation = conversationAttachments(history);
    expect(conversation).toMatchObject({ count: 1, pages: 99 });
    render(<Harness onSend={() => {}} conversation={conversation} />);
    await act(async () => {
      fireEvent.paste(screen.getByRole('textbox'), { clipboardData: { files: [pdfFile('more.pdf', 2)], types: ['Files'] } });
    });
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('more.pdf has 2 pages; with the 99 already attached, that is more than the 100 PDF pages a request may hold.'));
    cleanup();
    render(<Harness onSend={() => {}} conversation={{ count: 1, pages: 0, base64Chars: 1024 * 1024 }} maxRequestBytes={1024 * 1024 + 300 * 1024} />);
    await act(async () => {
      fireEvent.paste(screen.getByRole('textbox'), { clipboardData: { files: [pngFile('c.png', 10, 10, 60 * 1024)], types: ['Files'] } });
    });
    expect(screen.getByRole('alert').textContent).toMatch(/^c\.png would bring this conversation's attachments to 1\.33 MB once encoded; a request may be at most 1\.29 MB/);
  });
});

/** A JPEG whose frame header says `w`×`h`, padded to `size` bytes (what the stub encoder returns). */
const jpegBytes = (w: number, h: number, size: number) => {
  const out = new Uint8Array(size);
  out.set([0xff, 0xd8, 0xff, 0xc0, 0, 17, 8, (h >> 8) & 255, h & 255, (w >> 8) & 255, w & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return out;
};

describe('downscale', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('without an image decoder (here, happy-dom) an oversized photo is still refused with the limit named', async () => {
    render(<Harness onSend={() => {}} downscale />);
    await act(async () => {
      fireEvent.paste(screen.getByRole('textbox'), { clipboardData: { files: [pngFile('big.png', 4000, 3000, 4 * 1024 * 1024)], types: ['Files'] } });
    });
    expect(screen.getByRole('alert').textContent).toContain('big.png is 4 MB; an image may be at most 3.75 MB');
  });

  it('scales an oversized photo to 2576 px on its long side, re-encoded, smaller again until it fits', async () => {
    const sizes: [number, number][] = [];
    vi.stubGlobal('createImageBitmap', async () => ({ width: 6000, height: 4000, close() {} }));
    vi.stubGlobal(
      'OffscreenCanvas',
      class {
        constructor(
          readonly width: number,
          readonly height: number,
        ) {}
        getContext() {
          return { fillStyle: '', fillRect() {}, drawImage() {} };
        }
        async convertToBlob({ type }: { type: string }) {
          sizes.push([this.width, this.height]);
          // The first encoding is still too large; the second (3/4 the size) fits.
          const bytes = sizes.length === 1 ? 4 * 1024 * 1024 : 900 * 1024;
          return new Blob([jpegBytes(this.width, this.height, bytes)], { type });
        }
      },
    );
    render(<Harness onSend={() => {}} downscale />);
    await act(async () => {
      fireEvent.paste(screen.getByRole('textbox'), { clipboardData: { files: [pngFile('photo.png', 6000, 4000, 5 * 1024 * 1024)], types: ['Files'] } });
    });
    await waitFor(() => expect(screen.getByRole('listitem').getAttribute('data-status')).toBe('ready'));
    expect(sizes).toEqual([
      [2576, 1717],
      [1932, 1288],
    ]);
    expect(screen.getByRole('listitem').textContent).toContain('1932×1288 · 900 kB · scaled down from 5 MB');
    expect(screen.getByRole('status').textContent).toBe('photo.png (scaled down to fit) attached');
    expect(screen.queryByRole('alert')?.textContent ?? '').toBe('');
  });
});
