// A tab's snapshot in real headless Chromium: no script, no field value that may be a secret, no
// credential or cookie value in any spelling, no screenshot with a password typed in, and bounded
// in time even when the page's renderer is stuck.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { snapshotPage } from '../../src/portal/values-online/snapshot.ts';
import { launchTestBrowser } from '../support/browser.ts';

const USER = 'dealer.jane';
const PASSWORD = 'S3cret&pass"word';
const COOKIE = 'a1b2c3d4e5f6a7b8c9d0';
const secrets = { credentials: [USER, PASSWORD], cookieValues: async () => [COOKIE, '1'] };

const PAGE = `<!doctype html><html><head><title>Bookout 165001</title><meta name="csrf-token" content="tok-123456">
<script>window.secretScript = 1;</script></head><body>
<div id="header">Welcome ${USER} <a id="btnLogout" href="/Logout?u=${encodeURIComponent(USER)}">Log out</a></div>
<form><input type="hidden" name="__VIEWSTATE" value="dDwtMTIzNDU2Nzg5OzsSECRETSTATE">
<input type="hidden" name="__RequestVerificationToken" value="CfDJ8TOKENVALUE">
<input id="passwordInput" type="password"><input id="StockNumberInput" type="text" value="165001"></form>
<p title="${PASSWORD.replace('&', '&amp;').replace('"', '&quot;')}">session ${COOKIE}, in a text ${PASSWORD.replace('&', '&amp;')}</p>
<button class="reportButton" onclick="openReports('V123')">Print/Email Reports</button>
<a href="javascript:doSomething()">do</a></body></html>`;

describe('snapshots of a tab', { timeout: 60_000 }, () => {
  let browser: Browser;
  let page: Page;
  before(async () => {
    browser = await launchTestBrowser();
  });
  after(async () => {
    await browser.close();
  });

  const open = async () => {
    page = await browser.newPage();
    await page.setContent(PAGE);
  };

  it('keeps the page but not its scripts, secret fields, credentials or cookie values', async () => {
    await open();
    const shot = await snapshotPage(page, secrets, 3000);
    assert.ok(shot);
    const html = shot.html;
    assert.doesNotMatch(html, /<script/i);
    assert.equal(html.includes('secretScript'), false);
    for (const secret of [USER, encodeURIComponent(USER), 'S3cret', COOKIE])
      assert.equal(html.includes(secret), false, secret);
    for (const value of ['SECRETSTATE', 'TOKENVALUE', 'tok-123456']) assert.equal(html.includes(value), false, value);
    assert.match(html, /name="__VIEWSTATE" value="\[removed\]"/);
    assert.match(html, /id="StockNumberInput" type="text" value="165001"/, 'ordinary fields stay');
    assert.match(html, /data-bookout-onclick="openReports\('V123'\)"/, 'handlers stay, inert');
    assert.doesNotMatch(html, /\sonclick=/);
    assert.doesNotMatch(html, /javascript:/);
    assert.ok(shot.png && shot.png.subarray(1, 4).toString() === 'PNG');
    await page.close();
  });

  it('takes no screenshot while a password is typed in, and never the typed value', async () => {
    await open();
    await page.fill('#passwordInput', 'typed-in-secret');
    const shot = await snapshotPage(page, secrets, 3000);
    assert.ok(shot);
    assert.equal(shot.png, null);
    assert.equal(shot.html.includes('typed-in-secret'), false);
    await page.close();
  });

  it('gives up within its time when the page does not answer', async () => {
    await open();
    await page.evaluate(() => {
      setTimeout(() => {
        const end = Date.now() + 8000;
        while (Date.now() < end) {
          // the renderer is busy
        }
      }, 0);
    });
    const started = Date.now();
    const shot = await snapshotPage(page, secrets, 1000);
    assert.equal(shot, null);
    assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
    await page.close().catch(() => undefined);
  });
});
