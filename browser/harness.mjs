// What every browser test needs: the example site running on a fresh SQLite database, headless
// Chromium, and screenshots saved where a person can look at them (target/screenshots/).
//
// The site binary must be built already (`cargo build -p example_site`, or any `cargo test`).

import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BINARY = process.env.EXAMPLE_SITE_BIN ?? join(ROOT, 'target', 'debug', 'example_site');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = join(ROOT, 'target', 'screenshots');
// A fixed key (the site wants at least 64 bytes), so the tests never write a key file.
const SECRET_KEY = 'browser-tests-only-'.padEnd(96, '0123456789');
const STARTUP_MS = 30_000;

const run = promisify(execFile);

/** A TCP port nobody listens on right now. */
async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** Waits until `url` answers, failing early (with its output) if the server exits. */
async function waitUntilAnswering(url, child, output) {
  const deadline = Date.now() + STARTUP_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`example_site exited with ${child.exitCode}:\n${output()}`);
    }
    try {
      const response = await fetch(url, { redirect: 'manual' });
      if (response.status < 500) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`example_site did not answer ${url} within ${STARTUP_MS} ms:\n${output()}`);
}

/**
 * Starts `example_site serve` on a free port over a new SQLite database in a temporary folder.
 * Returns `{ url, database, createUser(name, password, { admin, email }), stop() }`.
 */
export async function startSite() {
  const dir = await mkdtemp(join(tmpdir(), 'actix-sea-browser-'));
  const database = `sqlite://${join(dir, 'site.db')}?mode=rwc`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...process.env, SECRET_KEY, RUST_LOG: process.env.RUST_LOG ?? 'warn' };
  delete env.DATABASE_URL;
  const child = spawn(BINARY, ['serve', '--bind', `127.0.0.1:${port}`, '--database', database], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = once(child, 'exit');
  try {
    await waitUntilAnswering(url, child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url,
    database,
    output: () => output,

    /** Creates a user with the site's own `create-user` command. */
    async createUser(name, password, { admin = false, email = `${name}@example.com` } = {}) {
      const args = ['create-user', name, '--password', password, '--email', email, '--database', database];
      if (admin) args.push('--admin');
      await run(BINARY, args, { env });
    },

    /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes the database. */
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium from the system (Debian's `chromium` package). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A stand-in for a gravatar image: a person on a colour taken from the e-mail digest. */
function avatarSvg(digest) {
  const hue = parseInt(digest.slice(0, 6), 16) % 360 || 210;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48">
<rect width="48" height="48" fill="hsl(${hue} 55% 55%)"/>
<circle cx="24" cy="19" r="9" fill="#fff" fill-opacity=".85"/>
<rect x="9" y="31" width="30" height="20" rx="10" fill="#fff" fill-opacity=".85"/></svg>`;
}

/**
 * A page in a browser context of its own (its own cookies, so one per person). Requests leave
 * only for the site under test: gravatar images are answered locally, anything else is aborted.
 */
export async function newPage(browser, site) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin === site.url) return route.continue();
    if (url.hostname === 'www.gravatar.com') {
      const digest = url.pathname.split('/').pop() ?? '';
      return route.fulfill({ contentType: 'image/svg+xml', body: avatarSvg(digest) });
    }
    return route.abort();
  });
  return context.newPage();
}

/** Saves a full-page screenshot as target/screenshots/<name>.png and returns its path. */
export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
