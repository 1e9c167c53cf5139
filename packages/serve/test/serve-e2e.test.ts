import { existsSync, readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { SAMPLE_IMAGE as DET_SAMPLE_IMAGE } from '@modelkit/det';
import { SAMPLE_IMAGE as SEG_SAMPLE_IMAGE } from '@modelkit/seg';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { runServe } from '../src/cli';
import { SAMPLE_IMAGE, SAMPLE_TEXT } from './helpers/fixtures';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

describe('modelkit serve end to end', () => {
  const signals = new EventEmitter();
  let stderr = '';
  let exit: Promise<number>;
  let url = '';

  beforeAll(async () => {
    const io = {
      stdout: new Writable({ write: (_c, _e, cb) => cb() }),
      stderr: new Writable({
        write(chunk, _e, cb) {
          stderr += String(chunk);
          cb();
        },
      }),
      interactive: false,
    };
    exit = runServe({ kits: 'ocr,det,seg', port: 0, workers: 0 }, io, signals);
    const deadline = Date.now() + 55_000;
    while (!stderr.includes('ready;') && Date.now() < deadline) {
      if (stderr.includes('Error')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    url = /listening on (http:\/\/[^ ]+)/.exec(stderr)?.[1] ?? '';
    expect(stderr).toContain('ready;');
  });

  afterAll(async () => {
    signals.emit('SIGTERM');
    await exit;
  });

  const hasChromium = existsSync(CHROMIUM);
  const browserIt = hasChromium ? it : it.skip;
  if (!hasChromium) {
    process.stderr.write(`serve-e2e: SKIPPED the browser tests: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);
  }
  // One browser for the page tests: launching Chromium costs about a second each time.
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
  });

  /** A fresh page on `/` with `kit` selected (the kit list comes from GET /v1/models). */
  async function openDemo(kit: string): Promise<Page> {
    browser ??= await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    // Page-side code as strings: this package compiles without the DOM lib.
    await page.waitForFunction(`[...document.querySelectorAll('#kit option')].some((o) => o.value === '${kit}')`);
    await page.selectOption('#kit', kit);
    return page;
  }

  async function postImage(kit: string, file: string): Promise<unknown> {
    const res = await fetch(`${url}/v1/${kit}`, { method: 'POST', body: readFileSync(file), headers: { 'content-type': 'image/jpeg' } });
    expect(res.status).toBe(200);
    return res.json();
  }

  browserIt('the demo page lists every served kit', async () => {
    const page = await openDemo('ocr');
    expect(await page.$$eval('#kit option', (os) => os.map((o) => o.getAttribute('value')))).toEqual(['ocr', 'det', 'seg']);
    await page.close();
  });

  browserIt('the demo page at / uploads the sample image and shows the OCR text', async () => {
    const page = await openDemo('ocr');
    await page.setInputFiles('#file', SAMPLE_IMAGE);
    await page.waitForFunction(`document.querySelectorAll('#texts li').length >= ${SAMPLE_TEXT.length}`, undefined, { timeout: 40_000 });
    const texts = await page.$$eval('#texts li', (lis) => lis.map((li) => li.firstChild?.textContent?.trim() ?? ''));
    expect(texts).toEqual(SAMPLE_TEXT);
    // Boxes are drawn over the image: the canvas holds the sample's size (640 wide).
    expect(await page.getAttribute('#canvas', 'width')).toBe('640');
    expect(await page.textContent('#status')).toMatch(/ocr: done in \d+ ms/);
    await page.close();
  });

  browserIt('det: the astronaut photo shows a labelled "person" box with its score', async () => {
    const expected = (await postImage('det', DET_SAMPLE_IMAGE)) as { detections: { label: string; score: number; box: number[] }[] };
    const page = await openDemo('det');
    await page.setInputFiles('#file', DET_SAMPLE_IMAGE);
    await page.waitForFunction(`/det: done in/.test(document.querySelector('#status').textContent)`, undefined, { timeout: 20_000 });
    const items = await page.$$eval('#texts li', (lis) => lis.map((li) => li.textContent ?? ''));
    expect(items.length).toBe(expected.detections.length);
    expect(items[0]).toMatch(/^person \(0\.\d{3}\)$/);
    expect(items.map((t) => t.split(' (')[0])).toEqual(expected.detections.map((d) => d.label));
    // The person box's left edge is stroked in the first box colour (hsl(0,80%,45%): red).
    const [x1, y1, , y2] = expected.detections[0].box;
    const edge = (await page.evaluate(
      `Array.from(document.querySelector('#canvas').getContext('2d').getImageData(${Math.round(x1)}, ${Math.round((y1 + y2) / 2)}, 1, 1).data)`,
    )) as number[];
    expect(edge[0]).toBeGreaterThan(150);
    expect(edge[1]).toBeLessThan(80);
    await page.close();
  });

  browserIt('seg: the mask is drawn as an overlay and the background is replaced with the picked colour', async () => {
    const expected = (await postImage('seg', SEG_SAMPLE_IMAGE)) as { personFraction: number };
    const page = await openDemo('seg');
    await page.setInputFiles('#file', SEG_SAMPLE_IMAGE);
    await page.waitForFunction(`/seg: done in/.test(document.querySelector('#status').textContent)`, undefined, { timeout: 20_000 });
    expect(await page.textContent('#status')).toContain(`person covers ${(100 * expected.personFraction).toFixed(1)}% of the image`);
    expect(await page.isVisible('#bg-canvas')).toBe(true);
    /** Share of #bg-canvas pixels that are exactly the background colour, and one pixel. */
    const probe = async (): Promise<{ share: number; corner: number[]; face: number[]; overlayFace: number[] }> =>
      (await page.evaluate(`(() => {
        const c = document.querySelector('#bg-canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const hex = document.querySelector('#bg-color').value;
        const bg = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
        let same = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] === bg[0] && d[i + 1] === bg[1] && d[i + 2] === bg[2]) same++;
        const at = (data, x, y) => Array.from(data.slice((y * c.width + x) * 4, (y * c.width + x) * 4 + 3));
        // The middle person's cheek in the 640x427 photo, drawn at 520/640.
        const fx = Math.round(330 * c.width / 640), fy = Math.round(190 * c.width / 640);
        const o = document.querySelector('#canvas').getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return { share: same / (d.length / 4), corner: at(d, 3, 3), face: at(d, fx, fy), overlayFace: at(o, fx, fy) };
      })()`)) as { share: number; corner: number[]; face: number[]; overlayFace: number[] };

    let p = await probe();
    expect(p.corner).toEqual([255, 255, 255]); // default white
    // Pixels the mask calls background (mask 0) become exactly the colour; soft edges do not.
    expect(p.share).toBeGreaterThan(1 - expected.personFraction - 0.15);
    expect(p.share).toBeLessThan(1 - expected.personFraction + 0.01);
    // The face keeps its skin colour (red over green) on the replaced background...
    expect(p.face[0]).toBeGreaterThan(p.face[1]);
    // ...and is tinted green in the overlay.
    expect(p.overlayFace[1]).toBeGreaterThan(p.overlayFace[0]);

    await page.click('#seg-controls button[data-color="#438edb"]');
    p = await probe();
    expect(p.corner).toEqual([0x43, 0x8e, 0xdb]);
    expect(p.share).toBeGreaterThan(1 - expected.personFraction - 0.15);
    await page.close();
  });

  it('SIGTERM lets the in-flight request finish, then the command exits 0', async () => {
    const inFlight = fetch(`${url}/v1/ocr`, { method: 'POST', body: readFileSync(SAMPLE_IMAGE), headers: { 'content-type': 'image/png' } });
    await new Promise((r) => setTimeout(r, 30));
    signals.emit('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { lines: { text: string }[] }).lines.map((l) => l.text)).toEqual(SAMPLE_TEXT);
    expect(await exit).toBe(0);
    expect(stderr).toContain('SIGTERM, finishing in-flight requests');
    expect(stderr).toContain('stopped');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
