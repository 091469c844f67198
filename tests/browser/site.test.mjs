// Real-browser tests of the site manager: `spoke demo --port 0` (lsr-sim in-process), driven by
// playwright-core in Debian's chromium. Each test leaves a screenshot in artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const spokeBin = process.env.SPOKE_BIN || path.join(root, 'build/spoke');
const artifacts = path.join(root, 'artifacts');
mkdirSync(artifacts, { recursive: true });

let demo;        // the spoke demo process
let browser;
let cwd;         // the demo's working directory
const site = {}; // url, email, password, sim {base, account, clientId, secret}

// Starts the demo and reads what it prints; gives up after 60 s.
function startDemo() {
  return new Promise((resolve, reject) => {
    cwd = mkdtempSync(path.join(tmpdir(), 'spoke-browser-'));
    demo = spawn(spokeBin, ['demo', '--port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    // Whatever ends this process (a failure, a timeout's SIGTERM), the demo ends with it.
    const stop = () => { if (demo.exitCode === null) demo.kill('SIGKILL'); };
    process.once('exit', stop);
    for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, () => { stop(); process.exit(1); });
    let out = '';
    const timer = setTimeout(() => reject(new Error('spoke demo did not start:\n' + out)), 60000);
    demo.on('exit', (code) => reject(new Error(`spoke demo exited (${code}):\n${out}`)));
    demo.stderr.on('data', (d) => { out += d; });
    demo.stdout.on('data', (d) => {
      out += d;
      const url = /^URL: (\S+)/m.exec(out);
      const password = /^Password: (\S+)/m.exec(out);
      const email = /^Admin: (\S+)/m.exec(out);
      const sim = /^Lightspeed \(lsr-sim\): (\S+) account (\d+) \(emulator app: client_id (\w+), secret (\w+)\)/m.exec(out);
      if (url && password && email && sim) {
        clearTimeout(timer);
        site.url = url[1];
        site.email = email[1];
        site.password = password[1];
        site.sim = { base: sim[1], account: sim[2], clientId: sim[3], secret: sim[4] };
        resolve();
      }
    });
  });
}

before(async () => {
  await startDemo();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (demo && demo.exitCode === null) {
    demo.removeAllListeners('exit');
    const gone = new Promise((r) => demo.once('exit', r));
    demo.kill('SIGTERM');
    const killer = setTimeout(() => demo.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(killer);
  }
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  return page;
}

async function login(page) {
  await page.goto(site.url + 'login');
  await page.fill('#email', site.email);
  await page.fill('#password', site.password);
  await Promise.all([page.waitForURL(/\/orders$/), page.click('button[type=submit]')]);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `browser-${name}.png`), fullPage: true });
}

// Order numbers of rows in the list that offer an export box.
async function exportableNumbers(page) {
  return page.$$eval('tr[data-order]', (rows) => rows
    .filter((r) => r.querySelector('input[type=checkbox][name=orders]'))
    .map((r) => r.dataset.order));
}

// Reloads the page until `selector` appears (the pages also refresh themselves while exporting).
async function waitFor(page, selector, seconds = 20) {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    if (await page.$(selector)) return;
    if (Date.now() > until) throw new Error(`${selector} did not appear in ${seconds} s`);
    await page.waitForTimeout(500);
    await page.reload();
  }
}

// Looks the sale up in lsr-sim through the Lightspeed API, with a token pair of our own
// (authorization-code grant), so the demo's own connection is left alone.
async function lightspeedSales(number) {
  const { base, account, clientId, secret } = site.sim;
  const redirect = 'http://127.0.0.1/callback';
  const auth = await fetch(`${base}/auth/oauth/authorize?response_type=code&client_id=${clientId}` +
                           `&redirect_uri=${encodeURIComponent(redirect)}&state=t`, { redirect: 'manual' });
  const code = new URL(auth.headers.get('location')).searchParams.get('code');
  const token = await (await fetch(`${base}/auth/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: clientId,
                                client_secret: secret, redirect_uri: redirect }),
  })).json();
  const r = await fetch(`${base}/API/V3/Account/${account}/Sale.json?referenceNumber=${number}`,
                        { headers: { Authorization: `Bearer ${token.access_token}` } });
  assert.equal(r.status, 200);
  const body = await r.json();
  return body.Sale ? [].concat(body.Sale) : [];
}

test('not logged in: every page redirects to the login page', async () => {
  const page = await newPage();
  for (const p of ['orders', 'orders/10001', 'exports', 'settings/lightspeed']) {
    await page.goto(site.url + p);
    assert.match(page.url(), /\/login$/, `${p} should redirect to /login`);
  }
  assert.ok(await page.isVisible('#password'));
  await shot(page, 'redirected-to-login');
  await page.context().close();
});

test('log in shows Open Orders; a wrong password is refused in plain words', async () => {
  const page = await newPage();
  await page.goto(site.url + 'login');
  await page.fill('#email', site.email);
  await page.fill('#password', 'not-the-password');
  await page.click('button[type=submit]');
  assert.match(await page.textContent('.flash.error'), /Wrong e-mail or password/);
  await login(page);
  assert.equal((await page.textContent('h1')).trim(), 'Open Orders');
  assert.match(await page.textContent('header'), new RegExp(site.email.replace('.', '\\.')));
  await shot(page, 'logged-in');
  await page.context().close();
});

test('R2: unbalanced orders show their message and no export box', async () => {
  const page = await newPage();
  await login(page);
  const rows = await page.$$eval('tr[data-order]', (rs) => rs.map((r) => ({
    balance: r.querySelector('.balance').textContent,
    exportCell: r.querySelector('.export').textContent,
    box: !!r.querySelector('input[type=checkbox]'),
  })));
  const unbalanced = rows.filter((r) => r.balance.startsWith('Unbalanced'));
  assert.ok(unbalanced.length >= 3, 'the demo has unbalanced orders on page 1');
  for (const r of unbalanced) {
    assert.equal(r.box, false, `no box for ${r.balance}`);
    assert.match(r.exportCell, /Unbalanced: /);
  }
  const messages = unbalanced.map((r) => r.balance).join('\n');
  assert.match(messages, /Unbalanced: \$12\.50 due/);
  assert.match(messages, /Unbalanced: overpaid by \$3\.00/);
  assert.match(messages, /Unbalanced: payment authorized but not captured \(\$[\d.]+\)/);
  await shot(page, 'unbalanced');
  await page.context().close();
});

test('R26: tick two boxes, export, both show a sale id within seconds and exist in Lightspeed', async () => {
  const page = await newPage();
  await login(page);
  const [a, b] = await exportableNumbers(page);
  assert.ok(a && b, 'two exportable orders on page 1');
  await page.check(`input[name=orders][value="${a}"]`);
  await page.check(`input[name=orders][value="${b}"]`);
  await Promise.all([page.waitForURL(/\/orders/), page.click('#export-selected')]);
  assert.match(await page.textContent('.flash.ok'), new RegExp(`#${a}.*#${b}|#${b}.*#${a}`));
  const started = Date.now();
  await waitFor(page, `tr[data-order="${a}"] .sale-id`);
  await waitFor(page, `tr[data-order="${b}"] .sale-id`);
  assert.ok(Date.now() - started < 20000);
  for (const n of [a, b]) {
    const shown = (await page.textContent(`tr[data-order="${n}"] .sale-id`)).replace('#', '');
    assert.equal(await page.$(`tr[data-order="${n}"] input[type=checkbox]`), null, 'R1: no box');
    const sales = await lightspeedSales(n);
    assert.equal(sales.length, 1, `one sale for ${n} in lsr-sim`);
    assert.equal(String(sales[0].saleID), shown);
    assert.equal(String(sales[0].completed), 'true');
  }
  await shot(page, 'exported-two');
  await page.context().close();
});

test('R26: export from the order details page; the timeline shows Lightspeed\'s answer', async () => {
  const page = await newPage();
  await login(page);
  const [n] = await exportableNumbers(page);
  await page.click(`a[href="/orders/${n}"]`);
  await page.check('#export-box');
  await Promise.all([page.waitForURL(new RegExp(`/orders/${n}$`)), page.click('.status-section button[type=submit]')]);
  await waitFor(page, '.timeline .sale-id');
  const timeline = await page.textContent('.timeline');
  assert.match(timeline, /Attempt 1: Sent — Lightspeed created the sale/);
  assert.match(timeline, /HTTP 200/);
  assert.match(timeline, /units/);
  assert.equal((await lightspeedSales(n)).length, 1);
  await shot(page, 'exported-from-details');
  await page.context().close();
});

test('capturing an authorized payment makes the order exportable', async () => {
  const page = await newPage();
  await login(page);
  const n = await page.$$eval('tr[data-order]', (rs) => rs.find((r) =>
    r.querySelector('.balance').textContent.includes('authorized but not captured')).dataset.order);
  await page.click(`a[href="/orders/${n}"]`);
  assert.equal(await page.$('#export-box'), null, 'no box while unbalanced');
  await Promise.all([page.waitForURL(new RegExp(`/orders/${n}$`)), page.click('form[action*="/capture"] button')]);
  assert.match(await page.textContent('.flash.ok'), /captured/);
  assert.match(await page.textContent('.balance-message'), /Paid in Full/);
  assert.ok(await page.$('#export-box'), 'the export box appears once paid in full');
  await shot(page, 'captured');
  await page.goto(site.url + 'orders');
  assert.ok(await page.$(`input[name=orders][value="${n}"]`), 'and in the list');
  await page.context().close();
});

test('a POST without the CSRF token is refused and changes nothing', async () => {
  const page = await newPage();
  await login(page);
  const [n] = await exportableNumbers(page);
  // Same browser, same session cookie: only the token is missing (or wrong).
  const without = await page.context().request.post(site.url + 'orders/export', { form: { orders: n }, maxRedirects: 0 });
  assert.equal(without.status(), 403);
  assert.match(await without.text(), /security token/);
  const wrong = await page.context().request.post(site.url + 'orders/export', { form: { orders: n, csrf: 'f'.repeat(64) }, maxRedirects: 0 });
  assert.equal(wrong.status(), 403);
  await page.reload();
  assert.ok(await page.$(`input[name=orders][value="${n}"]`), 'the order was not exported');
  await page.setContent(await without.text());
  await shot(page, 'csrf-refused');
  await page.context().close();
});

test('issue 14: search finds orders by part of a customer name; the heading says so', async () => {
  const page = await newPage();
  await login(page);
  await page.fill('#q', 'okaf');
  await Promise.all([page.waitForURL(/q=okaf/), page.click('form.filters button[type=submit]')]);
  assert.equal((await page.textContent('h1')).trim(), 'Search: okaf');
  const customers = await page.$$eval('tr[data-order] td[data-label="Customer"]',
                                      (cells) => cells.map((c) => c.textContent));
  assert.ok(customers.length >= 1, 'the demo has orders of Ben Okafor');
  for (const c of customers) assert.match(c, /Okafor/);
  assert.match(await page.textContent('.pager .range'), new RegExp(`^1–${customers.length} of ${customers.length}$`));
  assert.equal(await page.inputValue('#q'), 'okaf');
  await shot(page, 'search-by-name');
  await page.context().close();
});

test('issue 14: select all ticks every box on the page, counts them, and exports them from the top button', async () => {
  const page = await newPage();
  await login(page);
  const numbers = await exportableNumbers(page);
  assert.ok(numbers.length >= 2, 'exportable orders on page 1');
  assert.ok(await page.isVisible('#select-all'), 'the script shows the select-all box');
  await page.check('#select-all');
  const ticked = await page.$$eval('input[type=checkbox][name=orders]', (bs) => bs.every((b) => b.checked));
  assert.ok(ticked, 'every box on the page is ticked');
  assert.equal((await page.textContent('.list-head .selected-count')).trim(), `${numbers.length} selected`);
  await page.uncheck(`input[name=orders][value="${numbers[0]}"]`);
  assert.equal((await page.textContent('.list-head .selected-count')).trim(), `${numbers.length - 1} selected`);
  assert.equal(await page.$eval('#select-all', (b) => b.indeterminate), true);
  await page.check('#select-all');
  await shot(page, 'select-all');
  await Promise.all([page.waitForURL(/\/orders/),
                     page.click('.list-head button[name=scope][value=selected]')]);
  const flash = await page.textContent('.flash.ok');
  if (numbers.length <= 10) for (const n of numbers) assert.match(flash, new RegExp(`#${n}`));
  else assert.match(flash, new RegExp(`Sending ${numbers.length} orders`));
  for (const n of numbers)
    assert.equal(await page.$(`tr[data-order="${n}"] input[type=checkbox]`), null, `${n} is on its way`);
  // They go out one by one at Lightspeed's pace; the first sale id shows they are flowing.
  await waitFor(page, numbers.map((n) => `tr[data-order="${n}"] .sale-id`).join(', '), 60);
  await shot(page, 'select-all-exported');
  await page.context().close();
});
