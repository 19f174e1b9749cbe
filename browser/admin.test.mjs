// The admin in a real browser: panels, the lookup, filters, search, sorting, editing, bulk
// delete through the confirmation page, and a CSV export.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';

import { launchBrowser, newPage, screenshot, startSite } from './harness.mjs';

let site;
let browser;

before(async () => {
  site = await startSite();
  await site.createUser('admin', 'admin-password', { admin: true });
  await site.createUser('alice', 'alice-password');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.stop();
});

/** Adds a message for alice, picking her through the lookup box. */
async function addMessage(page, content, button) {
  await page.goto(`${site.url}/admin/message/add/`);
  await page.fill('.lookup-search', 'ali');
  await page.click('.lookup ul.results li:has-text("alice")');
  assert.equal(await page.inputValue('#f-user'), '2');
  assert.equal(await page.textContent('.lookup [data-choice]'), 'alice');
  await page.fill('#f-content', content);
  await page.fill('#f-pub_date', '2026-01-02T10:30:00');
  await page.click(`button[name="${button}"]`);
}

test('an admin manages messages and notes from the dashboard and the lists', async () => {
  const page = await newPage(browser, site);
  await page.goto(`${site.url}/admin/`);
  await page.waitForURL(/\/accounts\/login\/\?next=%2Fadmin%2F/);
  await page.fill('#username', 'admin');
  await page.fill('#password', 'admin-password');
  await page.click('button:has-text("Log in")');
  await page.waitForURL(`${site.url}/admin/`);
  assert.match(await page.textContent('#panel-notes h2'), /Notes/);
  assert.match(await page.textContent('#panel-user-stats h2'), /User stats/);
  assert.equal(await page.textContent('[data-stat="signups"]'), '2');

  await page.fill('#note-message', 'Remember to <b>water</b> the plants');
  await page.click('#panel-notes button:has-text("Add note")');
  await page.waitForURL(`${site.url}/admin/`);
  assert.match(await page.textContent('.flash.success'), /Note added/);
  assert.match(await page.textContent('#panel-notes .timeline'), /Remember to <b>water<\/b> the plants/);
  await screenshot(page, 'admin-dashboard');

  await addMessage(page, 'hello from the lookup', '_addanother');
  await page.waitForURL(`${site.url}/admin/message/add/`);
  await addMessage(page, 'second message', '_addanother');
  await addMessage(page, 'third message', '_save');
  await page.waitForURL(`${site.url}/admin/message/`);
  assert.match(await page.textContent('.flash.success'), /was added/);
  assert.equal(await page.locator('tbody input[name="id"]').count(), 3);

  await page.click('details.filter-box summary');
  await page.selectOption('select[name="_ff"]', 'user__username');
  await page.selectOption('select[name="_fo"]', 'eq');
  await page.fill('input[name="_fv"]', 'alice');
  await page.click('button:has-text("Add filter")');
  await page.waitForURL(/user__username=alice/);
  assert.equal(await page.locator('tbody input[name="id"]').count(), 3);
  await page.fill('input[name="q"]', 'message');
  await page.click('button:has-text("Search")');
  await page.waitForURL(/q=message/);
  assert.ok(page.url().includes('user__username=alice'), 'the search keeps the filter');
  assert.equal(await page.locator('tbody input[name="id"]').count(), 2);

  await page.click('th a:has-text("content")');
  await page.waitForURL(/ordering=content/);
  let cells = await page.locator('tbody td.cell:nth-child(4)').allTextContents();
  assert.deepEqual(cells.map((c) => c.trim()), ['second message', 'third message']);
  await page.click('th a:has-text("content")');
  await page.waitForURL(/ordering=-content/);
  cells = await page.locator('tbody td.cell:nth-child(4)').allTextContents();
  assert.deepEqual(cells.map((c) => c.trim()), ['third message', 'second message']);
  await screenshot(page, 'admin-list');

  await page.goto(`${site.url}/admin/message/`);
  await page.click('tbody tr:first-child td.cell:nth-child(2) a');
  await page.waitForURL(/\/admin\/message\/\d+\/$/);
  await page.fill('#f-content', 'hello, edited');
  await screenshot(page, 'admin-edit');
  await page.click('button[name="_continue"]');
  await page.waitForLoadState();
  assert.match(await page.textContent('.flash.success'), /was changed/);
  assert.equal(await page.inputValue('#f-content'), 'hello, edited');

  await page.goto(`${site.url}/admin/message/`);
  const boxes = page.locator('tbody input[name="id"]');
  await boxes.nth(1).check();
  await boxes.nth(2).check();
  await page.selectOption('select[name="action"]', 'delete');
  await page.click('button:has-text("Go")');
  await page.waitForURL(/\/admin\/message\/delete\/\?id=\d+&id=\d+/);
  assert.match(await page.textContent('h1'), /Delete 2 rows\?/);
  assert.match(await page.textContent('ul.cascade'), /second message[\s\S]*third message/);
  await page.click('button:has-text("Yes, delete")');
  await page.waitForURL(`${site.url}/admin/message/`);
  assert.match(await page.textContent('.flash.success'), /Deleted 2 messages/);
  assert.equal(await page.locator('tbody input[name="id"]').count(), 1);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('a:has-text("Export CSV")'),
  ]);
  assert.equal(download.suggestedFilename(), 'message.csv');
  const csv = await readFile(await download.path(), 'utf8');
  assert.match(csv, /^id,user,content,pub_date\r\n\d+,2,"hello, edited",2026-01-02T10:30:00\r\n$/);
});
