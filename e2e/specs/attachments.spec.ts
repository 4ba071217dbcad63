import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { dropFile, noisePng, pdf, png } from '../files.ts';
import { expect, openTab, test } from '../fixtures.ts';

async function axeSerious(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), `${where}: serious/critical axe violations`).toEqual([]);
}

type LoggedBlock = { type: string; source?: { type: string; media_type: string; data?: string } };

for (const [width, height, theme] of [[1280, 900, 'light'], [390, 844, 'dark']] as const) {
  test(`attachments ${width}px ${theme}: an image by the file picker and a PDF by drop, previewed, sent as image and document blocks`, async ({ page, sim, dialogs }) => {
    await page.setViewportSize({ width, height });
    const panel = await openTab(page, 'chat', theme);
    await panel.getByTestId('composer').locator('input[type=file]').setInputFiles({ name: 'gradient.png', mimeType: 'image/png', buffer: png(96, 64) });
    await dropFile(page, panel.getByTestId('drop-zone'), { name: 'report.pdf', mimeType: 'application/pdf', buffer: pdf(3) });

    const chips = panel.getByTestId('attachments').getByRole('listitem');
    await expect(chips).toHaveCount(2);
    await expect(chips.nth(0)).toHaveAttribute('data-status', 'ready');
    await expect(chips.nth(0)).toContainText('gradient.png');
    await expect(chips.nth(0)).toContainText('96×64');
    expect(await chips.nth(0).locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(96);
    await expect(chips.nth(1)).toContainText('report.pdf');
    await expect(chips.nth(1)).toContainText('3 pages');
    await expect(panel.getByRole('button', { name: 'Remove report.pdf' })).toBeVisible();
    await expect(panel.getByTestId('attachments').getByRole('status')).toHaveText('report.pdf attached');
    if (width < 500) {
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
      const send = await panel.getByTestId('composer').locator('[data-part=send]').boundingBox();
      expect(send!.x + send!.width).toBeLessThanOrEqual(width);
      expect(send!.y + send!.height).toBeLessThanOrEqual(height);
    }
    await axeSerious(page, 'composer with attachments');

    await panel.getByTestId('composer-input').fill('What is in these? [[sim:tokens=40]]');
    await panel.getByTestId('composer-input').press('Enter');
    await expect(chips).toHaveCount(0);
    const bubble = panel.getByTestId('message-user').last();
    await expect(bubble.locator('img[data-part=image]')).toHaveAttribute('alt', 'gradient.png');
    await expect(bubble.locator('[data-part=document]')).toContainText('report.pdf');
    const reply = panel.getByTestId('message-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    await expect(reply.getByTestId('message-text')).not.toBeEmpty();

    const upstream = (await sim.requests()).filter((r) => r.path.endsWith('/v1/messages'));
    const blocks = ((upstream.at(-1)?.body.messages?.[0] as { content: LoggedBlock[] }).content ?? []).map((b) => [b.type, b.source?.type, b.source?.media_type]);
    expect(blocks).toEqual([
      ['image', 'base64', 'image/png'],
      ['document', 'base64', 'application/pdf'],
      ['text', undefined, undefined],
    ]);
    await axeSerious(page, 'conversation with attachments');
    expect(dialogs).toEqual([]);
  });
}

test('an oversized or unsupported file is refused in the browser, naming the limit; nothing is sent', async ({ page, sim }) => {
  const panel = await openTab(page, 'chat');
  const input = panel.getByTestId('composer').locator('input[type=file]');
  const alert = panel.getByTestId('attachments').getByRole('alert');
  await input.setInputFiles({ name: 'book.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([pdf(1), Buffer.alloc(11 * 1024 * 1024)]) });
  await expect(alert).toContainText('book.pdf is 11 MB; a PDF may be at most 10 MB.');
  // GIFs are never scaled down (they may be animated): over 3.75 MB is refused.
  await input.setInputFiles({ name: 'huge.gif', mimeType: 'image/gif', buffer: Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(4 * 1024 * 1024)]) });
  await expect(alert).toContainText('huge.gif is 4 MB; an image may be at most 3.75 MB (5 MB once encoded for sending).');
  await expect(panel.getByTestId('attachments').getByRole('listitem')).toHaveCount(0);
  await input.setInputFiles({ name: 'notes.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', buffer: Buffer.from('PK') });
  await expect(alert).toContainText('notes.docx');
  await expect(alert).toContainText('Claude takes JPEG, PNG, GIF and WebP images and PDF documents.');
  await expect(panel.getByTestId('composer').locator('[data-part=send]')).toBeDisabled();
  expect((await sim.requests()).filter((r) => r.path.endsWith('/v1/messages'))).toEqual([]);
});

test('a photo over 3.75 MB is scaled down in the browser to fit, and sent as a JPEG', async ({ page, sim }) => {
  const panel = await openTab(page, 'chat');
  const photo = noisePng(1400, 1000);
  expect(photo.length).toBeGreaterThan(3.75 * 1024 * 1024);
  await panel.getByTestId('composer').locator('input[type=file]').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: photo });
  const chip = panel.getByTestId('attachments').getByRole('listitem');
  await expect(chip).toHaveAttribute('data-status', 'ready');
  await expect(chip).toContainText('scaled down from 4');
  await expect(panel.getByTestId('attachments').getByRole('status')).toHaveText('photo.png (scaled down to fit) attached');
  await panel.getByTestId('composer-input').fill('What is this? [[sim:tokens=10]]');
  await panel.getByTestId('composer-input').press('Enter');
  await expect(panel.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  // The sim accepted it (a reply came back); what was sent is the JPEG the bubble shows (the request
  // itself is over the sim's log cap, so its body is summarized there).
  expect(await panel.getByTestId('message-user').last().locator('img[data-part=image]').getAttribute('src')).toMatch(/^data:image\/jpeg;base64,\/9j\//);
  expect((await sim.requests()).filter((r) => r.path.endsWith('/v1/messages'))).toHaveLength(1);
});

test('an over-limit request sent straight to the edge gets a 400 naming the field and the limit (the body cap is not what refuses it)', async ({ request, sim }) => {
  const head = png(8, 8);
  // 4 MB of image: over Anthropic's 5 MB of base64, well under the edge's 30 MB body cap.
  const data = Buffer.concat([head, Buffer.alloc(4 * 1024 * 1024)]).toString('base64');
  const res = await request.post('/api/chat', {
    data: { messages: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data }, { type: 'text', text: 'what is this?' }] }] },
  });
  expect(res.status()).toBe(400);
  const { error } = (await res.json()) as { error: { kind: string; field: string; message: string } };
  expect(error.kind).toBe('invalid_request');
  expect(error.field).toBe('messages[0].content[0].data');
  expect(error.message).toContain('at most 5242880 (5 MB');
  expect((await sim.requests()).filter((r) => r.path.endsWith('/v1/messages'))).toEqual([]);
});
