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
    assert.match(page.url(), /\/login\?next=/, `${p} should redirect to /login`);
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

test('an order page shows what will be sent, closed until opened, without a script', async () => {
  const page = await newPage();
  await login(page);
  const [n] = await exportableNumbers(page);
  await page.click(`a[href="/orders/${n}"]`);
  // The order's own lines and total, as the page lists them.
  const lines = await page.$$eval('section', (ss) => [...ss.find((s) =>
    s.querySelector('h2')?.textContent === 'Lines').querySelector('table').tBodies[0].rows].map((r) => ({
    sku: r.cells[0].textContent, notSent: r.cells[1].textContent.includes('not sent'),
    qty: r.cells[2].textContent, amount: r.cells[5].textContent })));
  const total = await page.$eval('table.totals', (t) => [...t.rows].find((r) =>
    r.cells[0].textContent === 'Total').cells[1].textContent);
  const sent = lines.filter((l) => !l.notSent);
  assert.ok(sent.length >= 1, `order ${n} has a line to send`);

  const table = page.locator('#what-will-be-sent table.preview-lines');
  assert.equal(await table.isVisible(), false, 'closed at first');
  await page.click('#what-will-be-sent summary');
  assert.equal(await table.isVisible(), true, 'opened by a click, no script needed');
  const shown = await page.$$eval('#what-will-be-sent table.preview-lines tbody tr:not(.charge)',
    (rs) => rs.map((r) => ({ sku: r.cells[1].textContent, qty: r.cells[2].textContent })));
  assert.deepEqual(shown, sent.map((l) => ({ sku: l.sku, qty: l.qty })), 'the lines sent, in order');
  const saleTotal = await page.textContent('#what-will-be-sent .preview-total');
  if (sent.length === lines.length) {
    assert.ok(saleTotal.includes(`Sale total in Lightspeed: ${total}`), `${saleTotal} vs ${total}`);
  } else {
    assert.match(await page.textContent('#what-will-be-sent .preview-not-sent'), /gift card|non-inventory/);
  }
  assert.match(await page.textContent('#what-will-be-sent'), /Nothing has been sent/);
  await shot(page, 'what-will-be-sent');
  // Opening it sent nothing: the order is still exportable.
  assert.ok(await page.$('#export-box'), 'still waiting for a clerk to export it');
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

// Issue 14: the page that was asked for (a bookmark, a link in an e-mail) opens after logging in.
test('login returns to the page that was asked for', async () => {
  const page = await newPage();
  await page.goto(site.url + 'exports');
  assert.match(page.url(), /\/login\?next=/);
  await page.fill('#email', site.email);
  await page.fill('#password', site.password);
  await Promise.all([page.waitForURL(/\/exports$/), page.click('button[type=submit]')]);
  assert.equal((await page.textContent('h1')).trim(), 'Exports');
  await shot(page, 'login-returns');
  await page.context().close();
});

// Issue 14: at 390 px Open Orders are cards with the balance and the Export box in view, and
// neither the list nor an order's Lines table scrolls sideways.
test('phone (390 px wide): order cards, balance and Export box in view, nothing scrolls sideways', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  await login(page);
  const width = () => page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(await width() <= 390, `Open Orders is ${await width()} px wide`);
  const inView = async (locator, what) => {
    const b = await locator.boundingBox();
    assert.ok(b, `${what} is shown`);
    assert.ok(b.x >= 0 && b.x + b.width <= 390, `${what} at x=${b.x}, ${b.width} px wide`);
  };
  await inView(page.locator('tr[data-order] td.balance').first(), 'the balance');
  await inView(page.locator('tr[data-order] input[name=orders]').first(), 'an Export box');
  const cards = await page.$$eval('tr[data-order]', (rows) =>
    rows.slice(0, 2).map((r) => getComputedStyle(r).display));
  assert.deepEqual(cards, ['block', 'block'], 'rows are stacked as cards');
  await shot(page, 'phone-orders');
  const number = (await exportableNumbers(page))[0];
  await page.goto(site.url + 'orders/' + number);
  assert.ok(await width() <= 390, `the order page is ${await width()} px wide`);
  await inView(page.locator('table.lines td[data-label=Amount]').first(), 'a line amount');
  await shot(page, 'phone-order');
  await context.close();
});

// Issue 14: Lightspeed forgets the store's authorization (the merchant revoked the app); the
// order says what it waits for, and after Connect it goes out by itself, once.
test('reconnect then resume: an order stopped by a lost connection is sent after Connect', async () => {
  const page = await newPage();
  await login(page);
  const n = (await exportableNumbers(page))[0];
  assert.ok(n, 'an exportable order on page 1');
  const { base, account } = site.sim;
  const revoke = await fetch(`${base}/_sim/accounts/${account}/tokens`, {
    method: 'PUT', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ expire_access_tokens: true, revoke_refresh_tokens: true }),
  });
  assert.equal(revoke.status, 200);
  await page.check(`input[name=orders][value="${n}"]`);
  await Promise.all([page.waitForURL(/\/orders/), page.click('#export-selected')]);
  await page.goto(site.url + 'orders/' + n);
  await waitFor(page, 'text=Waiting for the Lightspeed connection');
  assert.equal(await page.$('text=refused the sale'), null, 'the sale is not blamed');
  await shot(page, 'waiting-for-connection');
  await page.goto(site.url + 'settings/lightspeed');
  await page.click('form[action="/settings/lightspeed/connect"] button');
  await page.waitForSelector('.flash.ok');
  assert.match(await page.textContent('.flash.ok'), /waiting for the connection (is|are) being sent/);
  await page.goto(site.url + 'orders/' + n);
  await waitFor(page, '.sale-id');
  assert.equal((await lightspeedSales(n)).length, 1, 'exactly one sale');
  await shot(page, 'resumed-after-reconnect');
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

test('issue 15: refunds are sent on request, and alerts turn on from Settings → Alerts', async () => {
  const page = await newPage();
  await login(page);
  await page.goto(site.url + 'settings/lightspeed');
  assert.ok(await page.isChecked('input[name=refunds][value=manual]'), 'manual by default (R24)');
  await page.check('input[name=refunds][value=send]');
  await Promise.all([page.waitForURL(/\/settings\/lightspeed/),
                     page.click('button:has-text("Save settings")')]);
  await page.goto(site.url + 'settings/lightspeed');
  assert.ok(await page.isChecked('input[name=refunds][value=send]'), 'the choice is kept');

  await page.goto(site.url + 'settings/alerts');
  assert.match(await page.textContent('#alerts-status'), /off/);
  await page.check('input[name=webhook_enabled]');
  await page.fill('#webhook_url', 'http://127.0.0.1:9/spoke-alerts');
  await Promise.all([page.waitForURL(/\/settings\/alerts/),
                     page.click('button:has-text("Save alert settings")')]);
  assert.match(await page.textContent('#alerts-status'), /on.*webhook/s);
  assert.match(await page.textContent('#webhook-secret'), /\S{16,}/, 'a signing secret to check with');
  await Promise.all([page.waitForURL(/\/settings\/alerts/),
                     page.click('button:has-text("Send test alert")')]);
  // Nothing listens on port 9: the page says so in plain words rather than pretending it went out.
  assert.match(await page.textContent('.flash'), /Webhook test alert: not delivered — connection refused/);
  await shot(page, 'alerts-settings');
  await page.context().close();
});
