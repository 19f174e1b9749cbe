// The example site in a real browser: people join, post, follow and unfollow.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, newPage, screenshot, startSite } from './harness.mjs';

let site;
let browser;

before(async () => {
  site = await startSite();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.stop();
});

/** Fills in the join form and lands, logged in, on the home page. */
async function join(page, username) {
  await page.goto(`${site.url}/join/`);
  await page.fill('#username', username);
  await page.fill('#email', `${username}@example.com`);
  await page.fill('#password', `${username}-password`);
  await page.click('button:has-text("Join")');
  await page.waitForURL(`${site.url}/`);
  assert.match(await page.textContent('.flash.success'), new RegExp(`Welcome, ${username}!`));
  assert.equal(await page.textContent('header.top a.me'), username);
}

test('following someone puts their messages on your private timeline until you unfollow', async () => {
  const alice = await newPage(browser, site);
  const bob = await newPage(browser, site);
  await join(alice, 'alice');
  await join(bob, 'bob');

  await bob.click('header.top a:has-text("Create")');
  await bob.fill('#content', 'Can we fix it? <b>Yes we can!</b>');
  await bob.click('button:has-text("Post")');
  await bob.waitForURL(`${site.url}/users/bob/`);
  assert.equal(await bob.textContent('.timeline .content'), 'Can we fix it? <b>Yes we can!</b>');

  await alice.goto(`${site.url}/private/`);
  assert.equal(await alice.locator('.timeline .content').count(), 0);

  await alice.goto(`${site.url}/users/bob/`);
  await alice.click('button:has-text("Follow")');
  await alice.waitForURL(`${site.url}/users/bob/`);
  assert.equal(await alice.textContent('.flash.success'), 'You are following bob.');
  assert.equal(await alice.locator('button:has-text("Unfollow")').count(), 1);
  await screenshot(alice, 'user-page');

  await alice.click('header.top a:has-text("Private timeline")');
  assert.equal(await alice.textContent('.timeline .content'), 'Can we fix it? <b>Yes we can!</b>');
  assert.equal(await alice.textContent('.timeline .author'), 'bob');
  await screenshot(alice, 'private-timeline');

  await alice.click('header.top a:has-text("Public timeline")');
  assert.equal(await alice.locator('.timeline .content').count(), 1);
  await screenshot(alice, 'public-timeline');

  await alice.goto(`${site.url}/users/bob/`);
  await alice.click('button:has-text("Unfollow")');
  await alice.waitForURL(`${site.url}/users/bob/`);
  assert.equal(await alice.textContent('.flash.success'), 'You are no longer following bob.');
  await alice.goto(`${site.url}/private/`);
  assert.equal(await alice.locator('.timeline .content').count(), 0);
  assert.match(await alice.textContent('.card'), /Nothing here yet/);

  await alice.context().close();
  await bob.context().close();
});

test('a user made on the command line logs in, and the top bar logs them out', async () => {
  await site.createUser('carol', 'christmas-carol');
  const page = await newPage(browser, site);
  await page.goto(`${site.url}/following/`);
  assert.match(page.url(), /\/accounts\/login\/\?next=%2Ffollowing%2F$/);
  await page.fill('#username', 'carol');
  await page.fill('#password', 'christmas-carol');
  await page.click('button:has-text("Log in")');
  await page.waitForURL(`${site.url}/following/`);
  assert.match(await page.textContent('.card'), /not following anyone/);

  await page.click('header.top button:has-text("Log out")');
  await page.waitForURL(`${site.url}/`);
  assert.equal(await page.locator('header.top a:has-text("Log in")').count(), 1);
  assert.equal(await page.locator('header.top a.me').count(), 0);
  await page.context().close();
});
