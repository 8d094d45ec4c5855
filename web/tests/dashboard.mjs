// The dashboard in a real browser (headless Chromium through playwright-core).
//
//   node web/tests/dashboard.mjs --report target/report.html [--screenshots DIR]
//   node web/tests/dashboard.mjs --url 'http://127.0.0.1:PORT/#token=…' [--screenshots DIR]
//
// --report opens the self-contained report of `gongfu report` from file://
// and fails on any request that leaves the file (the report must work
// offline). --url opens the dashboard served by `gongfu serve`, checks that
// the token is taken out of the visible URL, and that the page without a
// token says why it cannot show anything. Both then check, page by page,
// that every chart container holds a canvas or SVG of non-zero size with
// something drawn on it, switch the language and check the labels change,
// open a county page by clicking its tile in the map and check its name is
// shown. Screenshots of every page go to --screenshots (or
// $GONGFU_SCREENSHOTS; default target/screenshots).
//
// Chromium: $CHROMIUM, else /usr/bin/chromium (ci/install-browser.sh
// installs it). Exit 0 when every check passes, 1 with the failures listed
// otherwise, 2 on bad arguments.

import { chromium } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const PAGES = ['overview', 'distribution', 'counties', 'convergence', 'schools'];
const CJK = /[\u4e00-\u9fff]/;

function parseArgs(argv) {
  const a = { report: null, url: null, screenshots: process.env.GONGFU_SCREENSHOTS || 'target/screenshots' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (k === '--report' && v) { a.report = v; i++; } else if (k === '--url' && v) { a.url = v; i++; } else if (k === '--screenshots' && v) { a.screenshots = v; i++; } else {
      console.error(`unknown or incomplete argument: ${k}`);
      process.exit(2);
    }
  }
  if (!a.report === !a.url) {
    console.error('usage: dashboard.mjs (--report FILE | --url URL) [--screenshots DIR]');
    process.exit(2);
  }
  return a;
}

const failures = [];
let passed = 0;
function check(ok, what) {
  if (ok) {
    passed++;
    console.log(`  ok   ${what}`);
  } else {
    failures.push(what);
    console.log(`  FAIL ${what}`);
  }
}

// Every .chart container of the visible page: its canvas or SVG, its size
// and how much is drawn (non-transparent pixels of a canvas, shapes of an SVG).
async function chartsOf(page) {
  return page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('section.page:not([hidden]) .chart')) {
      const r = el.getBoundingClientRect();
      const canvas = el.querySelector('canvas');
      const svg = el.querySelector('svg');
      let drawn = 0;
      let w = 0;
      let h = 0;
      if (canvas) {
        w = canvas.width;
        h = canvas.height;
        const ctx = canvas.getContext('2d');
        if (w > 0 && h > 0 && ctx) {
          const data = ctx.getImageData(0, 0, w, h).data;
          let n = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
          drawn = n / (w * h);
        }
      } else if (svg) {
        const b = svg.getBoundingClientRect();
        w = b.width;
        h = b.height;
        drawn = svg.querySelectorAll('rect, path, circle, line, polygon, polyline, text').length;
      }
      out.push({ name: el.dataset.chart || el.id, kind: canvas ? 'canvas' : svg ? 'svg' : 'none', box: [r.width, r.height], size: [w, h], drawn });
    }
    return out;
  });
}

async function waitReady(page, pageName) {
  await page.waitForFunction(
    (p) => document.body.dataset.state === 'ready' && (!p || document.body.dataset.page === p),
    pageName || null,
    { timeout: 60000 },
  );
  // Let a resize or a late paint settle.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

async function checkCharts(page, label) {
  // Canvas painting may follow the layout by a frame: poll briefly.
  let charts = [];
  for (let i = 0; i < 20; i++) {
    charts = await chartsOf(page);
    if (charts.length && charts.every((c) => c.kind !== 'none' && c.size[0] > 0 && c.size[1] > 0 && c.drawn > 0.002)) break;
    await page.waitForTimeout(150);
  }
  check(charts.length > 0, `${label}: has chart containers (${charts.length})`);
  for (const c of charts) {
    const ok = c.kind !== 'none' && c.box[0] > 50 && c.box[1] > 50 && c.size[0] > 0 && c.size[1] > 0 &&
      (c.kind === 'svg' ? c.drawn >= 10 : c.drawn > 0.002);
    check(ok, `${label}: chart ${c.name} rendered (${c.kind} ${Math.round(c.box[0])}×${Math.round(c.box[1])}, drawn ${c.kind === 'svg' ? c.drawn : (100 * c.drawn).toFixed(1) + '%'})`);
  }
  return charts;
}

async function shoot(page, dir, name) {
  const file = resolve(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

async function run(browser, start, opts) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1, locale: 'en-GB' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console error: ${m.text()}`); });
  const outside = [];
  if (opts.offline) {
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith('file:') && !u.startsWith('data:') && !u.startsWith('blob:')) outside.push(u);
    });
  }

  console.log(`${opts.label}: ${opts.offline ? start : start.replace(/token=[^&]*/, 'token=…')}`);
  await page.goto(start);
  await waitReady(page);
  if (opts.api) {
    const url = page.url();
    check(!url.includes('token='), 'the token is removed from the visible URL');
    const stored = await page.evaluate(() => sessionStorage.getItem('gongfu.token'));
    check(!!stored, 'the token is kept in sessionStorage');
    const picker = await page.$('#release-picker-label:not([hidden]) select option');
    check(!!picker, 'the release picker lists the releases');
  }

  // The release the page shows, to know the expected names.
  const release = await page.evaluate(() => window.gongfu && window.gongfu.release);
  check(release && release.meta && typeof release.meta.release_id === 'string', 'the page holds a release');
  if (!release) throw new Error('no release on the page');
  const title = await page.textContent('#subtitle');
  check(title.includes(release.meta.release_id), `the header names release ${release.meta.release_id}`);

  // Every page: charts rendered, a screenshot.
  for (const p of PAGES) {
    await page.click(`#tabs a[data-page="${p}"]`);
    await waitReady(page, p);
    await checkCharts(page, `${opts.label} ${p}`);
    await shoot(page, opts.screenshots, `${opts.prefix}-${p}`);
  }

  // The overview's headline cards carry the catalogue's names.
  await page.click('#tabs a[data-page="overview"]');
  await waitReady(page, 'overview');
  const lang0 = await page.evaluate(() => document.documentElement.lang);
  const tab0 = (await page.textContent('#tabs a[data-page="overview"]')).trim();
  const card0 = (await page.textContent('.card .name')).trim();
  const ind = release.indicators.find((i) => i.name_en === card0 || i.name_zh === card0);
  check(!!ind, `a headline card names an indicator of the release ("${card0}")`);

  // The language switch: labels, indicator names and the document language change.
  await page.click('#lang-toggle');
  await waitReady(page, 'overview');
  const lang1 = await page.evaluate(() => document.documentElement.lang);
  const tab1 = (await page.textContent('#tabs a[data-page="overview"]')).trim();
  const card1 = (await page.textContent('.card .name')).trim();
  check(lang1 !== lang0, `the document language switches (${lang0} → ${lang1})`);
  const toZh = lang1.startsWith('zh');
  check(toZh ? CJK.test(tab1) : !CJK.test(tab1) && /[A-Za-z]/.test(tab1), `the tab label switches language ("${tab0}" → "${tab1}")`);
  if (ind) check(card1 === (toZh ? ind.name_zh : ind.name_en), `the indicator name switches ("${card0}" → "${card1}")`);
  await checkCharts(page, `${opts.label} overview (${lang1})`);
  await shoot(page, opts.screenshots, `${opts.prefix}-overview-${toZh ? 'zh' : 'en'}`);

  // A county page from a click on its tile in the map: the first mountainous county.
  await page.click('#tabs a[data-page="counties"]');
  await waitReady(page, 'counties');
  const tile = (await page.$('#tilemap .tile.m26')) || (await page.$('#tilemap .tile'));
  check(!!tile, 'the tile map has county tiles');
  const tiles = await page.$$eval('#tilemap .tile', (ts) => ts.length);
  const counties = release.regions.regions.filter((r) => r.level === 'county').length;
  check(tiles === counties, `the tile map shows every county (${tiles} of ${counties})`);
  const m26 = await page.$$eval('#tilemap .tile.m26', (ts) => ts.length);
  check(m26 > 0, `the mountainous counties are marked (${m26})`);
  const code = await tile.getAttribute('data-county');
  await tile.hover();
  const linked = await page.$$eval('#tilemap .pair-line', (ls) => ls.length);
  const pairs = release.regions.pairings.filter((p) => p.assisted === code || p.strong === code).length;
  if (pairs) check(linked > 0, `hovering a paired county draws its pairings (${linked} lines)`);
  await tile.click();
  await waitReady(page, 'county');
  const region = release.regions.regions.find((r) => r.code === code);
  const heading = (await page.textContent('#county-name')).trim();
  const want = toZh ? region.name_zh : region.name_en;
  check(heading.includes(want), `clicking tile ${code} opens its page ("${heading}" shows "${want}")`);
  check(page.url().includes(`#/county/${code}`), 'the county page has its own address');
  const facts = await page.textContent('#county-facts');
  const city = release.regions.regions.find((r) => r.code === region.parent);
  check(facts.includes(toZh ? city.name_zh : city.name_en), 'the county page names its city');
  await checkCharts(page, `${opts.label} county ${code}`);
  await shoot(page, opts.screenshots, `${opts.prefix}-county-${code}`);

  // Back to the first language, still on the county page.
  await page.click('#lang-toggle');
  await waitReady(page, 'county');
  const heading2 = (await page.textContent('#county-name')).trim();
  check(heading2.includes(toZh ? region.name_en : region.name_zh), `the county page switches language ("${heading2}")`);

  for (const e of errors) check(false, `${opts.label}: ${e}`);
  if (opts.offline) check(outside.length === 0, `the report makes no request outside the file${outside.length ? ': ' + outside.slice(0, 3).join(', ') : ''}`);
  await context.close();
}

// Without the token the served page must say why it shows nothing.
async function withoutToken(browser, url) {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  const bare = url.replace(/#.*$/, '');
  await page.goto(bare);
  await page.waitForFunction(() => ['ready', 'auth', 'error'].includes(document.body.dataset.state), null, { timeout: 30000 });
  const state = await page.evaluate(() => document.body.dataset.state);
  if (state === 'ready') {
    check(true, 'without a token: the server lets anyone read (no message needed)');
  } else {
    const msg = (await page.textContent('#message')) || '';
    const visible = await page.isVisible('#message');
    check(state === 'auth' && visible && /401|403/.test(msg), `without a token: a clear message ("${msg.trim().slice(0, 80)}…")`);
  }
  await context.close();
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const exe = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(exe)) {
    console.error(`no Chromium at ${exe} (set CHROMIUM, or run ci/install-browser.sh)`);
    process.exit(2);
  }
  mkdirSync(a.screenshots, { recursive: true });
  const browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    if (a.report) {
      const file = resolve(a.report);
      if (!existsSync(file)) {
        console.error(`no report at ${file}`);
        process.exit(2);
      }
      await run(browser, pathToFileURL(file).href, { label: 'report', prefix: 'report', offline: true, screenshots: a.screenshots });
    } else {
      await run(browser, a.url, { label: 'served', prefix: 'served', api: true, screenshots: a.screenshots });
      await withoutToken(browser, a.url);
    }
  } catch (e) {
    failures.push(`stopped: ${e.message}`);
    console.log(`  FAIL stopped: ${e.stack || e.message}`);
  } finally {
    await browser.close();
  }
  console.log(`screenshots: ${resolve(a.screenshots)}`);
  console.log(`${passed} passed, ${failures.length} failed`);
  process.exit(failures.length ? 1 : 0);
}

main();
