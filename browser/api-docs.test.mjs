// The API reference at /api/docs/ in a real browser: every resource listed, nothing refused by
// the page's CSP, no request to another origin, and one authenticated call through try-it-out.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, newPage, screenshot, startSite } from './harness.mjs';

let site;
let browser;

before(async () => {
  site = await startSite();
  await site.createUser('alice', 'alice-password');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.stop();
});

/** Records what a page's CSP refuses and every request it makes to another origin. */
async function watch(page) {
  const seen = { violations: [], offsite: [] };
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  page.on('console', (message) => {
    if (/Content Security Policy|unsafe-eval|unsafe-inline/i.test(message.text())) {
      seen.violations.push(message.text());
    }
  });
  page.on('request', (request) => {
    if (new URL(request.url()).origin !== site.url) seen.offsite.push(request.url());
  });
  seen.check = async () => {
    const reported = await page.evaluate(() => window.cspViolations);
    assert.deepEqual([...seen.violations, ...reported], [], 'nothing refused by the CSP');
    assert.deepEqual(seen.offsite, [], 'no request leaves the machine');
  };
  return seen;
}

test('the API reference lists every resource, offline, under a self-only CSP', async () => {
  const page = await newPage(browser, site);
  const seen = await watch(page);
  const response = await page.goto(`${site.url}/api/docs/`);
  assert.equal(
    response.headers()['content-security-policy'],
    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'",
  );
  await page.waitForSelector('.opblock-tag');
  const tags = await page.locator('.opblock-tag h3, .opblock-tag .nostyle span').allTextContents();
  for (const resource of ['user', 'message', 'relationship', 'note']) {
    assert.ok(tags.some((t) => t.trim() === resource), `${resource} in ${tags}`);
    for (const path of [`/api/${resource}/`, `/api/${resource}/{pk}/`]) {
      assert.ok(
        await page.locator(`.opblock-summary-path[data-path="${path}"]`).count() > 0,
        `${path} listed`,
      );
    }
  }
  // Open a schema: its fields render too.
  await page.click('section.models .json-schema-2020-12-accordion >> nth=0');
  await page.waitForSelector('section.models .json-schema-2020-12-property');
  await screenshot(page, 'api-docs');
  await seen.check();
});

test('try-it-out sends the Basic credentials the reader authorized', async () => {
  const page = await newPage(browser, site);
  const seen = await watch(page);
  await page.goto(`${site.url}/api/docs/`);
  await page.click('button.authorize');
  await page.fill('input[aria-label="auth-basic-username"]', 'alice');
  await page.fill('input[aria-label="auth-basic-password"]', 'alice-password');
  const basic = page.locator('.auth-container', { has: page.locator('#auth-basic-username') });
  await basic.locator('button.authorize').click();
  await page.click('.modal-ux button.close-modal');

  const list = page.locator('#operations-message-get_api_message_');
  await list.locator('.opblock-summary').click();
  await list.locator('button.try-out__btn').click();
  const [request] = await Promise.all([
    page.waitForRequest((r) => new URL(r.url()).pathname === '/api/message/'),
    list.locator('button.execute').click(),
  ]);
  const expected = `Basic ${Buffer.from('alice:alice-password').toString('base64')}`;
  assert.equal(request.headers().authorization, expected);
  const answer = await request.response();
  assert.equal(answer.status(), 200);
  const shown = list.locator('.live-responses-table tbody .response-col_status').first();
  await shown.waitFor();
  assert.equal((await shown.textContent()).trim(), '200');
  await screenshot(page, 'api-docs-try-it-out');
  await seen.check();
});
