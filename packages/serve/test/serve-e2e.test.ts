import { existsSync, readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { chromium } from 'playwright-core';
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
    exit = runServe({ kits: 'ocr', port: 0, workers: 0 }, io, signals);
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

  const browserIt = existsSync(CHROMIUM) ? it : it.skip;
  if (!existsSync(CHROMIUM)) {
    process.stderr.write(`serve-e2e: SKIPPED the browser test: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);
  }

  browserIt('the demo page at / uploads the sample image and shows the OCR text', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage();
      await page.goto(`${url}/`);
      // Page-side code as strings: this package compiles without the DOM lib.
      await page.waitForFunction("document.querySelector('#kit')?.value === 'ocr'");
      await page.setInputFiles('#file', SAMPLE_IMAGE);
      await page.waitForFunction(`document.querySelectorAll('#texts li').length >= ${SAMPLE_TEXT.length}`, undefined, { timeout: 40_000 });
      const texts = await page.$$eval('#texts li', (lis) => lis.map((li) => li.firstChild?.textContent?.trim() ?? ''));
      expect(texts).toEqual(SAMPLE_TEXT);
      // Boxes are drawn over the image: the canvas holds the sample's size (640 wide).
      expect(await page.getAttribute('#canvas', 'width')).toBe('640');
      expect(await page.textContent('#status')).toMatch(/ocr: done in \d+ ms/);
    } finally {
      await browser.close();
    }
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
