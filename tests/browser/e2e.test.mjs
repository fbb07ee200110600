// End-to-end tests of the chat widget (web/widget.js) and the agent console
// (web/agent.html) against a real kefu, in headless Chromium.
//
//   node --test tests/browser/        (scripts/browser-test does the set-up)
//
// One kefu serves every test; each user is a fresh browser context (its own
// localStorage), so tests do not share conversations unless they say so.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { AGENTS, accessibilityViolations, api, eventually, launchBrowser, screenshots, startKefu } from './harness.mjs';

const SEED = 'abandon ability able about above absent absorb abstract absurd abuse access accident';
const SEED_WORDS = SEED.split(' ');
const DESKTOP = { viewport: { width: 1280, height: 800 } };
const PHONE = {
  viewport: { width: 375, height: 812 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
};
const T = { timeout: 180_000 };

let kefu;
let browser;
// What any page's content policy refused (an inline script or style, a
// load from elsewhere): checked once every test has run.
const policyViolations = [];

/** Records content-policy violations of `page`. */
// axe-core measures text by styling it inline, which the policy refuses
// (and must): on a page axe has checked, refused inline styles are axe's.
const axed = new WeakSet();
function watchPolicy(page, who) {
  page.on('console', (m) => {
    if (axed.has(page) && /Applying inline style/.test(m.text())) return;
    if (/Content Security Policy|Refused to/i.test(m.text())) policyViolations.push(`[${who}] ${m.text()}`);
  });
}

before(
  async () => {
    mkdirSync(screenshots, { recursive: true });
    kefu = await startKefu();
    browser = await launchBrowser();
  },
  // The first start embeds the corpus (minutes in a debug build).
  { timeout: (Number(process.env.TEST_READY_TIMEOUT_MS) || 10 * 60_000) + 2 * 60_000 },
);

after(async () => {
  for (const [name, violations] of axeSeen) {
    console.log(`axe ${name}: ${violations.length ? violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length}: ${v.nodes.slice(0, 3).join(' | ')})`).join(', ') : 'none'}`);
  }
  if (browser) await browser.close().catch(() => {});
  if (kefu) await kefu.stop();
});

// ------------------------------------------------------------------ helpers

// Every page the tests visit is checked with axe-core at the moments that
// matter (an answer on screen, a ticket open, the insights drawn): a serious
// or critical violation fails the test; all of them are listed per page at
// the end.
const axeSeen = new Map();
async function assertAccessible(page, name) {
  axed.add(page);
  const violations = await accessibilityViolations(page);
  axeSeen.set(name, violations);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (process.env.AXE_REPORT_ONLY) return;
  assert.deepEqual(bad, [], `${name}: accessibility violations ${JSON.stringify(bad, null, 1)}`);
}

async function userPage(options = {}) {
  const { locale = 'zh-CN', device = DESKTOP } = options;
  const context = await browser.newContext({ ...device, locale });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[user page] ${e.message}`));
  watchPolicy(page, 'user page');
  await page.goto(kefu.url + '/');
  return { context, page };
}

async function openWidget(page) {
  await page.getByTestId('launcher').click();
  const panel = page.getByTestId('panel');
  await panel.waitFor({ state: 'visible' });
  return panel;
}

async function ask(page, text) {
  const bots = page.locator('[data-testid=message][data-author=bot]');
  const failed = page.locator('[data-testid=message][data-author=user].failed');
  const before = await bots.count();
  await page.getByTestId('input').fill(text);
  await page.getByTestId('input').press('Enter');
  await eventually(async () => (await bots.count()) > before || (await failed.count()) > 0, {
    timeout: 60_000,
    message: `the bot's reply to ${JSON.stringify(text)}`,
  });
  if ((await failed.count()) > 0) throw new Error(`the widget could not send the message: ${await failed.first().innerText()}`);
  return bots.nth(before);
}

async function sessionOf(page) {
  return page.evaluate(() => window.__kefuWidget.sessionId);
}

/** Server ids of the messages shown, in order; pending copies as 'pending'. */
async function shownIds(page) {
  return page
    .locator('[data-testid=messages] [data-testid=message]')
    .evaluateAll((nodes) => nodes.map((n) => n.dataset.messageId || 'pending'));
}

async function agentPage(agent, options = {}) {
  const context = await browser.newContext({ ...DESKTOP, locale: 'zh-CN', ...options });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[agent page] ${e.message}`));
  watchPolicy(page, 'agent page');
  await page.goto(kefu.url + '/agent');
  await page.getByTestId('token-input').fill(agent.token);
  await page.getByTestId('sign-in').click();
  await page.getByTestId('me').filter({ hasText: agent.name }).waitFor();
  return { context, page };
}

function row(page, sessionId) {
  return page.locator(`[data-testid=queue-row][data-session-id="${sessionId}"]`);
}

/** The lowest text contrast ratio on screen: in the widget, or the page. */
async function worstContrast(page, inWidget) {
  return page.evaluate((inWidget) => {
    const root = inWidget ? document.querySelector('kefu-chat').shadowRoot : document;
    const parse = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) =>
      [r, g, b]
        .map((v) => v / 255)
        .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
        .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
    const background = (node) => {
      for (let n = node; n; n = n.parentElement || (n.getRootNode() && n.getRootNode().host)) {
        if (!(n instanceof Element)) break;
        const c = parse(getComputedStyle(n).backgroundColor);
        if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
      }
      return [255, 255, 255];
    };
    let min = { ratio: 99 };
    for (const n of root.querySelectorAll('*')) {
      if (n.getClientRects().length === 0 || n.closest('[disabled]')) continue;
      const own = Array.from(n.childNodes).some((c) => c.nodeType === 3 && c.textContent.trim());
      if (!own) continue;
      const style = getComputedStyle(n);
      const fg = parse(style.color);
      const bgc = background(n);
      const [a, b] = [lum(fg) + 0.05, lum(bgc) + 0.05];
      const ratio = Math.max(a, b) / Math.min(a, b);
      if (ratio < min.ratio) min = { ratio, text: n.textContent.trim().slice(0, 40), fg: style.color, bg: String(bgc) };
    }
    return min;
  }, inWidget);
}

// -------------------------------------------------------------------- tests

describe('chat widget and agent console', () => {
  // Shared by the handoff tests, which follow one conversation.
  const handoff = {};

  test('(1) a Chinese question gets the right article, with a typing indicator while the bot works', T, async () => {
    const { context, page } = await userPage();
    // The one-tag embed: a shadow root holds the widget.
    assert.equal(await page.locator('script[src="/widget.js"]').count(), 1);
    assert.equal(await page.evaluate(() => !!document.querySelector('kefu-chat')?.shadowRoot), true);

    await openWidget(page);
    // Focus goes to the input when the panel opens.
    assert.equal(await page.evaluate(() => document.querySelector('kefu-chat').shadowRoot.activeElement?.dataset.testid), 'input');
    assert.equal(await page.getByTestId('messages').getAttribute('aria-live'), 'polite');

    // Hold the bot's answer back a moment so the indicator can be seen.
    await page.route('**/v1/sessions/*/messages', async (route) => {
      if (route.request().method() === 'POST') await new Promise((r) => setTimeout(r, 800));
      await route.continue();
    });
    await page.getByTestId('input').fill('怎么开启谷歌验证');
    await page.getByTestId('send').click();
    await page.getByTestId('typing').waitFor({ state: 'visible' });
    const answer = page.locator('[data-testid=message][data-author=bot]').first();
    await answer.waitFor({ timeout: 60_000 });
    await page.unroute('**/v1/sessions/*/messages');
    await page.getByTestId('typing').waitFor({ state: 'hidden' });

    const title = answer.getByTestId('article-title');
    assert.match(await title.textContent(), /谷歌验证器/);
    assert.equal(await answer.getByTestId('article').getAttribute('data-article-id'), 'enable-google-authenticator');
    assert.match(await title.getAttribute('href'), /\/help\/articles\/enable-google-authenticator$/);
    // Our message is shown once, confirmed by the server (no pending copy).
    await eventually(async () => (await shownIds(page)).filter((x) => x === 'pending').length === 0, { message: 'the user message confirmed' });
    assert.equal(await page.locator('[data-testid=message][data-author=user]').count(), 1);

    // "Read the full article" shows the article inline.
    await answer.getByTestId('read-more').click();
    const body = answer.getByTestId('article-body');
    await body.locator('.article-html').waitFor({ timeout: 10_000 });
    assert.match(await body.innerText(), /Google Authenticator/);
    assert.equal(await answer.getByTestId('read-more').getAttribute('aria-expanded'), 'true');
    await answer.getByTestId('read-more').click();
    await body.waitFor({ state: 'hidden' });

    // An excerpt ends on content, not on the colon that leads into steps;
    // asked for a phone number, the answer says there is none.
    const steps = await ask(page, '提币一直在审核中怎么办');
    assert.doesNotMatch((await steps.locator('.excerpt').innerText()).trim(), /[:：]$/);
    const phone = await ask(page, '你们客服电话多少');
    assert.match(await phone.locator('.excerpt').innerText(), /没有客服电话/);
    await page.screenshot({ path: path.join(screenshots, 'widget-desktop.png') });
    await assertAccessible(page, 'demo page with the widget (an answer)');
    // Tab from the input goes round the chat's own controls, not off to the
    // host page.
    await page.getByTestId('input').focus();
    for (let i = 0; i < 15; i += 1) {
      await page.keyboard.press('Tab');
      assert.ok(await page.evaluate(() => !!document.querySelector('kefu-chat').shadowRoot.activeElement), `Tab ${i + 1} left the chat`);
    }
    handoff.feedbackPage = { context, page };
  });

  test('(5) feedback: 👎 brings the follow-up message, and both buttons are disabled', T, async () => {
    const { page } = handoff.feedbackPage;
    const answer = page.locator('[data-testid=message][data-author=bot]').first();
    const bots = await page.locator('[data-testid=message][data-author=bot]').count();
    await answer.getByTestId('feedback-down').click();
    await page.locator('[data-testid=message][data-author=bot]').nth(bots).waitFor();
    const followUp = page.locator('[data-testid=message][data-author=bot]').nth(bots);
    assert.match(await followUp.innerText(), /抱歉没能帮到您/);
    assert.equal(await answer.getByTestId('feedback-down').isDisabled(), true);
    assert.equal(await answer.getByTestId('feedback-up').isDisabled(), true);
    assert.equal(await answer.getByTestId('feedback-down').getAttribute('aria-pressed'), 'true');
    assert.match(await answer.locator('.fb-note').innerText(), /感谢/);
    // The follow-up arrives in the POST's answer and on the live stream: shown once.
    await page.waitForTimeout(500);
    const ids = await shownIds(page);
    assert.equal(new Set(ids).size, ids.length, `duplicate messages: ${ids}`);

    // 👍 on a second answer just says thanks.
    const second = await ask(page, '提币手续费是多少');
    if ((await second.getByTestId('feedback-up').count()) > 0) {
      await second.getByTestId('feedback-up').click();
      await second.locator('.fb-note').filter({ hasText: '感谢' }).waitFor();
      assert.equal(await second.getByTestId('feedback-up').getAttribute('aria-pressed'), 'true');
    }
  });

  test('(6) a reload keeps the conversation, without duplicates, and remembers the feedback', T, async () => {
    const { page } = handoff.feedbackPage;
    const session = await sessionOf(page);
    const idsBefore = await shownIds(page);
    await page.reload();
    // The panel was open: it opens again, with the same transcript.
    await page.getByTestId('panel').waitFor({ state: 'visible' });
    await eventually(async () => (await shownIds(page)).length === idsBefore.length, { message: 'the transcript restored' });
    assert.deepEqual(await shownIds(page), idsBefore);
    assert.equal(await sessionOf(page), session);
    const answer = page.locator('[data-testid=message][data-author=bot]').first();
    assert.equal(await answer.getByTestId('feedback-down').isDisabled(), true);
    assert.match(await answer.getByTestId('article-title').textContent(), /谷歌验证器/);
    await handoff.feedbackPage.context.close();
  });

  test('(8) quick-reply chips on first open answer with their article; 中/EN switches the language', T, async () => {
    const { context, page } = await userPage({ locale: 'en-US' });
    await openWidget(page);
    // English browser: English UI.
    assert.match(await page.getByTestId('handoff-button').innerText(), /Talk to a person/);
    const chips = page.locator('.welcome [data-testid=chip]');
    await chips.first().waitFor();
    assert.ok((await chips.count()) >= 3, 'at least three quick replies');
    // The team's words for the chips, as written (not a lower-cased question).
    for (const label of await chips.allInnerTexts()) assert.match(label, /^[A-Z]/, label);
    // The English placeholder stays on one line.
    assert.equal(await page.getByTestId('input').evaluate((n) => getComputedStyle(n, '::placeholder').whiteSpace), 'nowrap');

    // Switch to Chinese: the chips are fetched again in Chinese.
    await page.getByTestId('lang-switch').click();
    assert.match(await page.getByTestId('handoff-button').innerText(), /转人工/);
    await eventually(async () => /[\u4e00-\u9fff]/.test(await page.locator('.welcome [data-testid=chip]').first().innerText()), {
      message: 'Chinese chips',
    });
    const chip = page.locator('.welcome [data-testid=chip]').first();
    const articleId = await chip.getAttribute('data-article-id');
    const label = await chip.innerText();
    await chip.click();
    const answer = page.locator('[data-testid=message][data-author=bot]').first();
    await answer.waitFor({ timeout: 60_000 });
    assert.equal(await answer.getByTestId('article').getAttribute('data-article-id'), articleId);
    assert.equal(await page.locator('[data-testid=message][data-author=user]').first().innerText().then((t) => t.includes(label)), true);
    // The chips were for the first open only.
    assert.equal(await page.locator('.welcome [data-testid=chip]').count(), 0);

    // The answer follows the language of the message, whatever the switch
    // says: English asked with the Chinese interface, Chinese with the English.
    const en = await ask(page, 'how do I deposit crypto');
    assert.doesNotMatch(await en.getByTestId('article-title').innerText(), /[\u4e00-\u9fff]/);
    await page.getByTestId('lang-switch').click();
    const zh = await ask(page, '怎么充值');
    assert.match(await zh.getByTestId('article-title').innerText(), /[\u4e00-\u9fff]/);
    await context.close();
  });

  test('a clarification asks once which question is meant, with the choices as chips', T, async () => {
    const { context, page } = await userPage();
    await openWidget(page);
    const reply = await ask(page, '取消');
    const chips = reply.locator('.chips.suggest [data-testid=chip]');
    await chips.first().waitFor();
    assert.ok((await chips.count()) >= 2);
    // The bot's question is the one on screen; the group's label is for
    // screen readers only.
    const label = await reply.locator('.chips.suggest .chips-label').boundingBox();
    assert.ok(label.width <= 1 && label.height <= 1, `the chips' label takes no room: ${JSON.stringify(label)}`);
    assert.match(await reply.locator('.chips.suggest').getAttribute('aria-labelledby'), /^kefu-chips-/);
    await context.close();
  });

  test('the help center page has the widget, and its "Chat with us" button opens it', T, async () => {
    const { context, page } = await userPage({ locale: 'en-US' });
    await page.goto(kefu.url + '/help/articles/withdraw-crypto?lang=en');
    await assertAccessible(page, '/help/articles/withdraw-crypto');
    await page.locator('[data-kefu-open]').first().click();
    await page.getByTestId('panel').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => document.querySelector('kefu-chat').shadowRoot.activeElement?.dataset.testid), 'input');
    await context.close();
  });

  test('the help center: search as you type, readable snippets, and an honest empty state with the chat', T, async () => {
    const { context, page } = await userPage({ locale: 'zh-CN' });
    watchPolicy(page, 'help center');
    await page.goto(kefu.url + '/help');
    assert.equal(await page.locator('h1').count(), 1);
    assert.equal(await page.title(), '帮助中心');
    await assertAccessible(page, '/help');
    await page.locator('input[data-live-search]').fill('提币手续费');
    const live = page.locator('.live-results li');
    await live.first().waitFor();
    assert.doesNotMatch(await page.locator('.live-results').innerText(), /\*\*|\| ---|^- /m);
    // Nonsense that shares a word with the articles finds nothing, and says so.
    await page.locator('input[data-live-search]').fill('火星移民签证');
    await page.locator('.live-results .none').waitFor();
    await page.goto(kefu.url + '/help/search?q=' + encodeURIComponent('火星移民签证'));
    const empty = page.getByTestId('no-results');
    await empty.waitFor();
    assert.match(await empty.innerText(), /没有找到相关文章/);
    await page.screenshot({ path: path.join(screenshots, 'help-search-empty.png') });
    await assertAccessible(page, '/help/search (nothing found)');
    await empty.locator('[data-kefu-open]').click();
    await page.getByTestId('panel').waitFor({ state: 'visible' });
    await page.goto(kefu.url + '/help/search?q=' + encodeURIComponent('提币地址'));
    await page.locator('ol.results li').first().waitFor();
    await assertAccessible(page, '/help/search (results)');
    await context.close();
  });

  test('(2) an out-of-scope question, then "talk to a person": the user is handed off', T, async () => {
    const { context, page } = await userPage();
    await openWidget(page);
    const reply = await ask(page, '你们公司楼下的咖啡店几点开门');
    const handedOff = (await page.getByTestId('waiting').count()) > 0;
    if (!handedOff) {
      // The bot offered articles instead: the user asks for a person.
      assert.ok(await reply.isVisible());
      await page.getByTestId('handoff-button').click();
    }
    await page.getByTestId('waiting').waitFor({ state: 'visible' });
    assert.match(await page.getByTestId('waiting').innerText(), /人工客服/);
    assert.match(await page.getByTestId('status').innerText(), /转接/);
    // No console is open yet, so nobody is online: the widget says so and
    // offers a follow-up by e-mail; a typo is named, then the address kept.
    await page.getByTestId('queue-nobody').waitFor({ timeout: 15_000 });
    assert.match(await page.getByTestId('queue-nobody').innerText(), /没有客服在线/);
    await page.getByTestId('contact-email').fill('li.wei@example');
    await page.getByTestId('contact-send').click();
    await page.getByTestId('contact-form').locator('[role=alert]', { hasText: '邮箱' }).waitFor();
    await page.getByTestId('contact-email').fill('li.wei@example.com');
    await page.getByTestId('contact-send').click();
    await page.getByTestId('contact-kept').filter({ hasText: 'li.wei@example.com' }).waitFor();
    await page.screenshot({ path: path.join(screenshots, 'widget-nobody-online.png') });
    handoff.user = { context, page, session: await sessionOf(page), question: '你们公司楼下的咖啡店几点开门' };
  });

  test('(3) an agent signs in, sees the ticket in the queue, claims it and replies', T, async () => {
    const { page } = await agentPage(AGENTS.alice);
    handoff.agent = page;
    assert.match(await page.getByTestId('me').innerText(), /alice/);
    const r = row(page, handoff.user.session);
    await r.waitFor({ timeout: 15_000 });
    assert.equal(await r.getAttribute('data-status'), 'pending');
    assert.ok(['normal', 'urgent'].includes(await r.getAttribute('data-priority')));
    // The age ticks.
    const seconds = async () => {
      const m = /(?:(\d+)m )?(\d+)s/.exec(await r.getByTestId('age').innerText());
      return Number(m[1] || 0) * 60 + Number(m[2]);
    };
    const age1 = await seconds();
    await page.waitForTimeout(2_200);
    assert.ok((await seconds()) > age1, 'the age shown goes up');

    await r.getByTestId('claim').click();
    await page.locator('[data-fact=contact]', { hasText: 'li.wei@example.com' }).waitFor();
    const transcript = page.getByTestId('transcript');
    await transcript.filter({ hasText: handoff.user.question }).waitFor();
    await page.locator('[data-testid=ticket-status]', { hasText: 'Assigned' }).waitFor();
    // Bot messages carry the decision and confidence.
    assert.match(await transcript.locator('[data-author=bot] [data-testid=bot-meta]').first().innerText(), /confidence \d+%/);
    handoff.ticketId = Number(await row(page, handoff.user.session).getAttribute('data-ticket-id'));

    await page.getByTestId('reply-input').fill('您好，我是 alice，很高兴为您服务。');
    await page.getByTestId('reply-input').press('Control+Enter');
    await transcript.locator('[data-author=agent]', { hasText: '很高兴为您服务' }).waitFor();
    assert.equal(await page.getByTestId('reply-input').inputValue(), '');

    // Internal note and article link insertion.
    await page.getByTestId('note-input').fill('用户问的是线下咖啡店，与平台无关。');
    await page.getByTestId('note-add').click();
    await page.getByTestId('notes').filter({ hasText: '线下咖啡店' }).waitFor();
    const before = (await transcript.boundingBox()).height;
    await page.locator('#article-tool summary').click();
    assert.equal((await transcript.boundingBox()).height, before, 'the article search opens over, not into, the transcript');
    await page.getByTestId('article-search').fill('提币');
    const result = page.getByTestId('article-result').first();
    await result.waitFor({ timeout: 10_000 });
    const inserted = await result.getByTestId('article-insert').getAttribute('aria-label');
    await result.getByTestId('article-insert').click();
    // The article goes with the reply as a card, not as a bare link; the
    // search closes so the transcript keeps its room.
    const attached = await page.getByTestId('attached-title').innerText();
    assert.ok(inserted.endsWith(attached), `${inserted} / ${attached}`);
    assert.equal(await page.locator('#article-tool').getAttribute('open'), null);
    await page.getByTestId('reply-input').fill('这篇文章有提币的步骤。');
    await page.getByTestId('reply-send').click();
    await transcript.locator('[data-author=agent] [data-testid=sent-article]', { hasText: attached }).waitFor();
    assert.equal(await page.getByTestId('reply-attachment').isHidden(), true);
    handoff.sentArticle = attached;
    await page.screenshot({ path: path.join(screenshots, 'agent-console.png') });
    await assertAccessible(page, 'console: a claimed ticket');
    const worst = await worstContrast(page, false);
    assert.ok(worst.ratio >= 4.5, `low contrast in the console: ${JSON.stringify(worst)}`);
  });

  test('(4) the user sees the agent join and the reply live, without reloading', T, async () => {
    const { page } = handoff.user;
    const banner = page.getByTestId('agent-joined');
    await banner.waitFor({ timeout: 15_000 });
    assert.match(await banner.innerText(), /alice/);
    const reply = page.locator('[data-testid=message][data-author=agent]', { hasText: '很高兴为您服务' });
    await reply.waitFor({ timeout: 15_000 });
    // With a person in the chat, there is no "talk to a person" button.
    assert.equal(await page.getByTestId('handoff-button').isVisible(), false);
    assert.match(await reply.locator('.who').innerText(), /alice/);
    assert.equal(await page.locator('[data-testid=message][data-author=system]', { hasText: 'alice' }).count(), 1);
    // The article alice sent is a card the user can open.
    const card = page.locator('[data-testid=message][data-author=agent] [data-testid=article-title]', { hasText: handoff.sentArticle });
    await card.waitFor({ timeout: 15_000 });
    assert.match(await card.getAttribute('href'), /^http:\/\/127\.0\.0\.1:\d+\/help\/articles\/[\w-]+$/);

    // The user answers; the agent sees it live.
    await page.getByTestId('input').fill('好的，谢谢');
    await page.getByTestId('input').press('Enter');
    await handoff.agent.getByTestId('transcript').locator('[data-author=user]', { hasText: '好的，谢谢' }).waitFor({ timeout: 15_000 });
    const ids = await shownIds(page);
    assert.equal(new Set(ids).size, ids.length, `duplicate messages: ${ids}`);
    await page.screenshot({ path: path.join(screenshots, 'widget-agent-joined.png') });
  });

  test('a second agent gets a readable 409 when the ticket is already taken', T, async () => {
    const other = await userPage();
    await openWidget(other.page);
    await other.page.getByTestId('handoff-button').click();
    await other.page.getByTestId('waiting').waitFor();
    const session = await sessionOf(other.page);

    const { context, page } = await agentPage(AGENTS.bob);
    const stale = row(page, session);
    await stale.waitFor({ timeout: 15_000 });
    const ticketId = await stale.getAttribute('data-ticket-id');
    // Bob's console stops hearing about changes (its live feed and queue
    // reads fail), so his claim button goes stale; then alice claims.
    await page.route('**/v1/agent/events', (route) => route.abort());
    await page.route(
      (url) => url.pathname === '/v1/agent/tickets',
      (route) => (route.request().method() === 'GET' ? route.abort() : route.continue()),
    );
    const claimed = await api(kefu, 'POST', `/v1/agent/tickets/${ticketId}/claim`, { token: AGENTS.alice.token });
    assert.equal(claimed.status, 200, claimed.text);
    await stale.getByTestId('claim').click();
    const alert = page.getByTestId('error');
    await alert.waitFor();
    assert.match(await alert.innerText(), /已被其他客服接走|Someone else has it/);
    assert.equal(await alert.getAttribute('data-status'), '409');
    // Meanwhile the user of that ticket sees alice join.
    await other.page.getByTestId('agent-joined').filter({ hasText: 'alice' }).waitFor({ timeout: 15_000 });
    await other.context.close();
    await context.close();
  });

  test('a dropped connection (kefu restarts) loses and duplicates nothing', T, async () => {
    const { page } = handoff.user;
    const before = await shownIds(page);
    await kefu.restart(1_500);
    // The agent answers while the user's stream is reconnecting.
    const sent = await api(kefu, 'POST', `/v1/agent/tickets/${handoff.ticketId}/messages`, {
      token: AGENTS.alice.token,
      body: { text: '服务器重启后的回复' },
    });
    assert.equal(sent.status, 201, sent.text);
    const late = page.locator('[data-testid=message][data-author=agent]', { hasText: '服务器重启后的回复' });
    await late.waitFor({ timeout: 60_000 });
    const after = await shownIds(page);
    assert.deepEqual(after.slice(0, before.length), before);
    assert.equal(new Set(after).size, after.length, `duplicate messages: ${after}`);
    assert.equal(await late.count(), 1);
    // The console reconnects too, and shows it.
    await handoff.agent.getByTestId('live').filter({ hasText: 'Live' }).waitFor({ timeout: 60_000 });
    await handoff.agent.getByTestId('transcript').locator('[data-author=agent]', { hasText: '服务器重启后的回复' }).waitFor({ timeout: 15_000 });
    // The reconnecting notice is gone.
    await page.getByTestId('reconnecting').waitFor({ state: 'hidden', timeout: 30_000 });
  });

  test('resolving the ticket gives the conversation back to the bot (and a closed panel counts it as unread)', T, async () => {
    const agent = handoff.agent;
    await handoff.user.page.getByTestId('close').click();
    await handoff.user.page.getByTestId('panel').waitFor({ state: 'hidden' });
    await agent.getByTestId('status-waiting').click();
    await agent.locator('[data-testid=ticket-status]', { hasText: 'Waiting on user' }).waitFor();
    await agent.getByTestId('status-resolved').click();
    await agent.locator('[data-testid=ticket-status]', { hasText: 'Resolved' }).waitFor();
    const { page } = handoff.user;
    await eventually(async () => /条新消息/.test(await page.getByTestId('launcher').getAttribute('aria-label')), {
      message: 'the unread count on the launcher',
    });
    await page.getByTestId('launcher').click();
    assert.doesNotMatch(await page.getByTestId('launcher').getAttribute('aria-label'), /条新消息/);
    await page.getByTestId('agent-joined').waitFor({ state: 'detached', timeout: 15_000 });
    assert.match(await page.getByTestId('status').innerText(), /智能助手/);
    // The user is asked how it went: four stars, then a comment.
    const rating = page.getByTestId('rating');
    await rating.waitFor();
    assert.match(await rating.innerText(), /满意/);
    await rating.getByTestId('rate-4').click();
    await rating.filter({ hasText: '谢谢您的评价' }).waitFor();
    assert.equal(await rating.getByTestId('rate-4').getAttribute('aria-pressed'), 'true');
    await rating.getByTestId('rating-comment').fill('回复很快');
    await rating.getByTestId('rating-send').click();
    await rating.filter({ hasText: '已收到' }).waitFor();
    const rated = (await api(kefu, 'GET', `/v1/agent/tickets/${handoff.ticketId}`, { token: AGENTS.alice.token })).json;
    assert.deepEqual([rated.ticket.rating, rated.ticket.rating_comment], [4, '回复很快']);
    await page.screenshot({ path: path.join(screenshots, 'widget-rating.png') });
    await assertAccessible(page, 'widget: rating the agent');
    await handoff.user.context.close();
  });

  test('(7) a pasted seed phrase shows the warning, and the agent never sees the words', T, async () => {
    const { context, page } = await userPage();
    await openWidget(page);
    const reply = await ask(page, SEED);
    const warning = reply.getByTestId('warning');
    await warning.waitFor();
    assert.equal(await warning.getAttribute('role'), 'alert');
    assert.equal(await warning.getAttribute('data-warning'), 'secret_shared');
    assert.match(await warning.innerText(), /助记词/);
    // The user's own copy is replaced by the stored, redacted one.
    const mine = page.locator('[data-testid=message][data-author=user]').first();
    await eventually(async () => !(await mine.innerText()).includes('abandon'), { message: 'the redacted user message' });
    assert.match(await mine.innerText(), /助记词（已隐藏）/);
    await page.screenshot({ path: path.join(screenshots, 'widget-seed-warning.png') });

    await page.getByTestId('handoff-button').click();
    await page.getByTestId('waiting').waitFor();
    const session = await sessionOf(page);
    const { context: agentContext, page: agent } = await agentPage(AGENTS.bob);
    await row(agent, session).waitFor({ timeout: 15_000 });
    // The ticket says the user shared a secret, and is urgent for it.
    await row(agent, session).getByTestId('secret-shared').waitFor();
    assert.match(await row(agent, session).innerText(), /URGENT/);
    await row(agent, session).getByTestId('claim').click();
    await agent.getByTestId('transcript').locator('[data-author=bot] [data-testid=bot-meta]').first().waitFor();
    const text = await agent.locator('body').innerText();
    const html = await agent.content();
    for (const word of ['abandon', 'ability', 'absurd', 'accident', 'abstract']) {
      assert.ok(!text.includes(word), `the agent's screen shows "${word}"`);
      assert.ok(!html.includes(word), `the agent's page holds "${word}"`);
    }
    assert.ok(SEED_WORDS.length === 12);
    await agentContext.close();
    await context.close();
  });

  test('a seed phrase pasted with a question: the warning, then the answer; the question is kept', T, async () => {
    const { context, page } = await userPage();
    await openWidget(page);
    const phrase = '拜齐士触援轧得柴寿驾爬易';
    const reply = await ask(page, `帮我看看这个钱包 ${phrase} 为什么导入不了`);
    await reply.getByTestId('warning').waitFor();
    // The answer comes in a bubble of its own after the warning.
    await eventually(async () => (await reply.locator('.bubble').count()) === 2, { message: 'a second bubble' });
    assert.ok(!(await reply.locator('.bubble').nth(1).innerText()).includes('助记词和私钥就等于'), 'the answer, not the warning again');
    const mine = page.locator('[data-testid=message][data-author=user]').first();
    await eventually(async () => (await mine.innerText()).includes('为什么导入不了') && !(await mine.innerText()).includes('触援轧'), {
      message: 'the question kept, the phrase hidden',
    });
    await page.screenshot({ path: path.join(screenshots, 'widget-seed-with-question.png') });
    await context.close();
  });

  test('small talk is an ordinary reply, and a waiting user can withdraw the request for a person', T, async () => {
    const { context, page } = await userPage();
    await openWidget(page);
    const hello = await ask(page, '你好');
    assert.match(await hello.innerText(), /请问有什么可以帮您/);
    assert.equal(await hello.getByTestId('feedback-up').count(), 0, 'no 👍/👎 on small talk');
    await ask(page, '转人工');
    const banner = page.getByTestId('waiting');
    await banner.waitFor();
    // While waiting the bot still answers what it knows.
    const answer = await ask(page, '怎么开启谷歌验证');
    await answer.getByTestId('read-more').first().waitFor();
    await banner.getByTestId('cancel-handoff').click();
    await eventually(async () => (await page.getByTestId('waiting').count()) === 0, { message: 'the waiting banner to go' });
    const bots = page.locator('[data-testid=message][data-author=bot]');
    assert.match(await bots.last().innerText(), /已为您取消转人工/);
    await page.screenshot({ path: path.join(screenshots, 'widget-cancel-handoff.png') });
    await context.close();
  });

  test('the ticket shows the case a user pasted, the address masked for agents; a TxID finds it', T, async () => {
    const tx = '7e467331322b30e6b270860e803d18fa7184915bc0930ae7dafbcd6289eeeec5';
    const address = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';
    const { context, page } = await userPage();
    await openWidget(page);
    const reply = await ask(page, `从币安转了500U到 ${address} 走trc20 txid ${tx} 两个小时了还没到`);
    // The bot links the transaction on the network's explorer.
    // The bot checks the address and links the transaction on the network's
    // explorer, above the answer.
    await reply.locator(`a[href="https://tronscan.org/#/transaction/${tx}"]`).waitFor();
    await reply.getByTestId('note').filter({ hasText: 'TR7NHq…Lj6t 是有效的 TRON 地址' }).waitFor();
    await reply.getByTestId('read-more').first().waitFor();
    await ask(page, '转人工');
    await page.getByTestId('waiting').waitFor();
    const session = await sessionOf(page);

    const { page: agent, context: agentContext } = await agentPage(AGENTS.alice);
    const r = row(agent, session);
    await r.waitFor({ timeout: 15_000 });
    await r.getByTestId('open-ticket').click();
    const fact = (key) => agent.locator(`#facts [data-fact="${key}"]`);
    await fact('txid').filter({ hasText: tx }).waitFor();
    assert.equal(await fact('coin').innerText(), 'USDT');
    assert.equal(await fact('network').innerText(), 'TRC20');
    assert.equal(await fact('amount').innerText(), '500U');
    assert.equal(await fact('address').innerText(), 'TR7NHq…Lj6t', 'an agent sees the ends of the address');
    assert.doesNotMatch(await agent.locator('#ticket-title').innerText(), /null/);
    // "转人工" says nothing of the case: the queue names the ticket by what was asked.
    assert.match(await r.getByTestId('row-title').innerText(), /从币安转了500U/);
    // Agent assist: the article the bot would answer the user's question
    // with, beside the transcript, one click from being sent.
    const assisted = agent.getByTestId('assist-article').first();
    await assisted.waitFor({ timeout: 10_000 });
    assert.equal(await assisted.getAttribute('data-article-id'), 'deposit-not-arrived');
    assert.match(await agent.getByTestId('assist-message').first().innerText(), /从币安转了500U/);
    await agent.screenshot({ path: path.join(screenshots, 'agent-assist.png') });
    await assertAccessible(agent, 'console: agent assist and case details');
    // Another ticket's TxID shows nothing; this one's, the ticket.
    await agent.getByTestId('filter-txid').fill('f'.repeat(64));
    await agent.getByTestId('filter-txid').press('Tab');
    await eventually(async () => (await r.count()) === 0, { message: 'the queue filtered by another TxID' });
    await agent.getByTestId('filter-txid').fill(tx);
    await agent.getByTestId('filter-txid').press('Tab');
    await r.waitFor({ timeout: 10_000 });
    await agent.screenshot({ path: path.join(screenshots, 'agent-case-details.png') });
    await agentContext.close();

    const { page: admin, context: adminContext } = await agentPage(AGENTS.carol);
    await row(admin, session).waitFor({ timeout: 15_000 });
    await row(admin, session).getByTestId('open-ticket').click();
    await admin.locator('#facts [data-fact="address"]', { hasText: address }).waitFor();
    // An admin signing in is not taken for an agent taking tickets.
    assert.equal(await admin.getByTestId('presence').inputValue(), 'away');
    await adminContext.close();
    await context.close();
  });

  test('(9) phone width: the panel fills the screen and everything still works', T, async () => {
    const { context, page } = await userPage({ device: PHONE });
    const launcher = page.getByTestId('launcher');
    const box = await launcher.boundingBox();
    assert.ok(box.x + box.width <= 375 && box.y + box.height <= 812, 'launcher on screen');
    await launcher.click();
    const panel = page.getByTestId('panel');
    await panel.waitFor({ state: 'visible' });
    await panel.evaluate((node) => Promise.all(node.getAnimations().map((a) => a.finished)));
    const p = await panel.boundingBox();
    assert.deepEqual([p.x, p.y, p.width, p.height].map(Math.round), [0, 0, 375, 812]);
    // The launcher hides behind the full-screen panel; close is in the header.
    assert.equal(await launcher.isVisible(), false);
    const input = await page.getByTestId('input').boundingBox();
    assert.ok(input.y + input.height <= 812 && input.width > 200, 'input visible and wide');
    const answer = await ask(page, '提币一直没到账怎么办');
    await answer.waitFor();
    // Nothing overflows sideways.
    const overflow = await page.evaluate(() => {
      const root = document.querySelector('kefu-chat').shadowRoot;
      const scroller = root.querySelector('.scroller');
      return scroller.scrollWidth - scroller.clientWidth;
    });
    assert.ok(overflow <= 0, `horizontal overflow ${overflow}px`);
    // Readable text and controls a thumb can hit (WCAG 2.5.5: 44x44 px).
    const sizes = await page.evaluate(() => {
      const root = document.querySelector('kefu-chat').shadowRoot;
      const font = (sel) => parseFloat(getComputedStyle(root.querySelector(sel)).fontSize);
      const box = (sel) => {
        const r = root.querySelector(sel).getBoundingClientRect();
        return [Math.round(r.width), Math.round(r.height)];
      };
      return {
        body: font('.msg.bot .excerpt'),
        secondary: font('.msg.bot .who'),
        targets: Object.fromEntries(
          ['feedback-up', 'feedback-down', 'close', 'lang-switch', 'send', 'handoff-button'].map((id) => [id, box(`[data-testid=${id}]`)]),
        ),
      };
    });
    console.log(`phone sizes: ${JSON.stringify(sizes)}`);
    assert.ok(sizes.body >= 16 && sizes.secondary >= 14, JSON.stringify(sizes));
    for (const [id, [w, h]] of Object.entries(sizes.targets)) assert.ok(w >= 44 && h >= 44, `${id} is ${w}x${h}`);
    await page.screenshot({ path: path.join(screenshots, 'widget-phone.png') });
    await assertAccessible(page, 'widget on a phone');

    // Esc closes and gives focus back to the launcher.
    await page.getByTestId('input').press('Escape');
    await panel.waitFor({ state: 'hidden' });
    await launcher.waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => document.querySelector('kefu-chat').shadowRoot.activeElement?.dataset.testid), 'launcher');
    await context.close();
  });

  test('embedded on another origin with the one tag: asks, hands off and hears the agent live (CORS)', T, async () => {
    // The host page comes from a server of its own (another port: another
    // origin); the script, the styles and the API from kefu.
    const kefuOrigin = kefu.url;
    const shop = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
        <style>* { font-size: 40px !important; color: red; } button { background: hotpink; }</style></head>
        <body><h1>Another site</h1>
        <script src="${kefuOrigin}/widget.js" data-kefu-url="${kefuOrigin}" defer></script></body></html>`);
    });
    await new Promise((resolve) => shop.listen(0, '127.0.0.1', resolve));
    const context = await browser.newContext({ ...DESKTOP, locale: 'zh-CN' });
    const consoleErrors = [];
    try {
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error(`[shop page] ${e.message}`));
      page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
      await page.goto(`http://127.0.0.1:${shop.address().port}/`);
      await openWidget(page);
      const answer = await ask(page, '怎么开启谷歌验证').catch(async (e) => {
        await page.waitForTimeout(300); // let the console messages arrive
        throw new Error(`${e.message}\nbrowser console:\n${consoleErrors.join('\n')}`);
      });
      assert.equal(await answer.getByTestId('article').getAttribute('data-article-id'), 'enable-google-authenticator');
      // The host page's rules do not reach into the widget.
      assert.equal(await answer.getByTestId('article-title').evaluate((n) => getComputedStyle(n).fontSize), '15px');
      assert.match(await answer.getByTestId('article-title').getAttribute('href'), new RegExp(`^${kefuOrigin}/help/articles/`));
      await answer.getByTestId('read-more').click();
      await answer.locator('.article-html').waitFor({ timeout: 10_000 });
      await page.getByTestId('handoff-button').click();
      await page.getByTestId('waiting').waitFor();
      const session = await sessionOf(page);
      const queue = await api(kefu, 'GET', '/v1/agent/tickets', { token: AGENTS.bob.token });
      const ticket = queue.json.tickets.find((t) => t.session_id === session);
      assert.ok(ticket, 'the ticket is in the queue');
      assert.equal((await api(kefu, 'POST', `/v1/agent/tickets/${ticket.id}/claim`, { token: AGENTS.bob.token })).status, 200);
      await page.getByTestId('agent-joined').filter({ hasText: 'bob' }).waitFor({ timeout: 15_000 });
    } finally {
      await context.close();
      shop.close();
    }
  });

  test('(10) a waiting user sees their place in line move live; urgent tickets past the SLA are flagged', T, async () => {
    const { page: console_ } = await agentPage(AGENTS.alice);
    assert.equal(await console_.getByTestId('presence').inputValue(), 'online');
    assert.equal(await console_.getByTestId('tab-insights').isVisible(), false, 'insights are for admins');
    const first = await userPage();
    const second = await userPage();
    for (const { page } of [first, second]) {
      await openWidget(page);
      await page.getByTestId('handoff-button').click();
      await page.getByTestId('queue-place').waitFor({ timeout: 15_000 });
    }
    const place = async (page) => Number(await page.getByTestId('queue-status').getAttribute('data-position'));
    const before = await place(second.page);
    assert.equal(before, (await place(first.page)) + 1);
    assert.match(await second.page.getByTestId('queue-place').innerText(), new RegExp(`第 ${before} 位`));

    // Alice takes the first user's ticket: the second moves up, live.
    const session = await sessionOf(first.page);
    const queue = await api(kefu, 'GET', '/v1/agent/tickets', { token: AGENTS.alice.token });
    const ticket = queue.json.tickets.find((t) => t.session_id === session);
    assert.equal((await api(kefu, 'POST', `/v1/agent/tickets/${ticket.id}/claim`, { token: AGENTS.alice.token })).status, 200);
    await eventually(async () => (await place(second.page)) === before - 1, { message: 'the place in line to move up' });
    await second.page.screenshot({ path: path.join(screenshots, 'widget-queue-place.png') });

    // A hacked account is urgent; with a zero-minute SLA it is flagged at once.
    const hacked = await userPage();
    await openWidget(hacked.page);
    await ask(hacked.page, '我的账号被盗了，币全被转走了');
    const flagged = row(console_, await sessionOf(hacked.page));
    await flagged.getByTestId('sla-breached').waitFor({ timeout: 15_000 });
    assert.equal(await flagged.getAttribute('data-priority'), 'urgent');
    // Its topic is the article's title, not its id.
    assert.match(await flagged.locator('.row-topic').innerText(), /被盗/);

    // Every agent away (Alice in both her consoles; Bob's closed console
    // would count until the presence timeout): waiting users are told
    // nobody is online, and told again when someone is back.
    assert.equal((await api(kefu, 'POST', '/v1/agent/presence', { token: AGENTS.bob.token, body: { status: 'away' } })).status, 204);
    await handoff.agent.getByTestId('presence').selectOption('away');
    await console_.getByTestId('presence').selectOption('away');
    await second.page.getByTestId('queue-nobody').waitFor({ timeout: 15_000 });
    // An address half typed survives the queue changing under it (Bob back).
    await second.page.getByTestId('contact-email').fill('li.wei@exa');
    assert.equal((await api(kefu, 'POST', '/v1/agent/presence', { token: AGENTS.bob.token, body: { status: 'online' } })).status, 204);
    // The stream reads the queue every 2 s: after two reads the change is in.
    await second.page.waitForTimeout(5_000);
    assert.equal(await second.page.getByTestId('contact-email').inputValue(), 'li.wei@exa');
    await second.page.getByTestId('messages').click();
    assert.equal((await api(kefu, 'POST', '/v1/agent/presence', { token: AGENTS.bob.token, body: { status: 'away' } })).status, 204);
    await console_.getByTestId('presence').selectOption('online');
    await second.page.getByTestId('queue-place').waitFor({ timeout: 15_000 });
    for (const { context } of [first, second, hacked]) await context.close();
    await console_.context().close();
  });

  test('(11) an admin reads the insights: numbers, SVG charts, unanswered questions and CSV export', T, async () => {
    // Two users ask about something the help center does not cover.
    for (const text of ['怎么在平台上卖我的NFT', 'NFT怎么挂单出售']) {
      const session = (await api(kefu, 'POST', '/v1/sessions', { body: {} })).json;
      const turn = (await api(kefu, 'POST', `/v1/sessions/${session.id}/messages`, { token: session.secret, body: { text } })).json;
      if (turn.decision !== 'handoff') {
        const rated = await api(kefu, 'POST', `/v1/sessions/${session.id}/feedback`, {
          token: session.secret,
          body: { message_id: turn.bot_message_id, helpful: false },
        });
        assert.equal(rated.status, 200);
      }
    }
    const { context, page } = await agentPage(AGENTS.carol);
    await page.getByTestId('tab-insights').click();
    await page.getByTestId('insights').waitFor();
    const report = (await api(kefu, 'GET', '/admin/analytics?since=7d', { token: AGENTS.carol.token })).json;
    assert.ok(report.questions.asked > 0, 'the earlier tests asked questions');
    await page.getByTestId('stat-asked').filter({ hasText: String(report.questions.asked) }).waitFor();
    assert.match(await page.getByTestId('stat-deflection').innerText(), /\d+(\.\d)?%/);
    // Alice's four stars, in the totals, her row and the day's.
    assert.match(await page.getByTestId('stat-csat').innerText(), /\d+(\.\d)?% \(\d\.\d\/5, \d+\)/);
    await page.locator('[data-testid=agents] tbody tr', { hasText: 'alice' }).filter({ hasText: '/5' }).waitFor();
    assert.ok((await page.locator('[data-testid=satisfaction] tbody tr').count()) >= 1);
    for (const chart of ['chart-daily', 'chart-topics']) {
      await eventually(async () => (await page.getByTestId(chart).evaluate((img) => img.complete && img.naturalWidth)) > 0, {
        message: `${chart} drawn`,
      });
    }
    const unanswered = page.locator('[data-testid=unanswered] tbody tr');
    assert.equal(await unanswered.count(), Math.max(1, report.unanswered.length));
    if (report.unanswered.length) {
      assert.equal(await unanswered.first().locator('td').first().innerText(), report.unanswered[0].question);
      // The nearest article by its title, as in the gaps table.
      const nearest = report.unanswered[0].nearest_title;
      if (nearest) assert.equal(await unanswered.first().locator('td').nth(3).innerText(), nearest);
    }
    const byStatus = report.tickets.by_status.length;
    assert.ok(byStatus > 0, 'the earlier tests made tickets');
    assert.equal(await page.locator('[data-testid=tickets] tbody tr').count(), byStatus);
    assert.match(await page.getByTestId('ticket-times').innerText(), /First reply median\/p90: \S+ \/ \S+/);
    const download = page.waitForEvent('download');
    await page.getByTestId('export-daily').click();
    const file = await download;
    assert.match(file.suggestedFilename(), /^kefu-daily\.csv$/);
    const csv = await readFile(await file.path(), 'utf8');
    assert.equal(csv.split('\r\n')[0], 'date,answered,clarified,handed_off');
    // The two NFT questions are one knowledge gap; its draft downloads.
    const gap = page.getByTestId('gap').filter({ hasText: 'NFT' });
    await gap.waitFor({ timeout: 60_000 });
    const draftDownload = page.waitForEvent('download');
    await gap.getByTestId('gap-draft').click();
    const draft = await readFile(await (await draftDownload).path(), 'utf8');
    assert.match(draft, /^---\nid: draft-[0-9a-f]+\n/);
    assert.match(draft, /NFT怎么挂单出售/);
    await page.getByTestId('insights-range').selectOption('24h');
    await page.getByTestId('insights-range-text').filter({ hasText: /–/ }).waitFor();
    await page.getByTestId('insights').evaluate((main) => main.scrollTo(0, 0));
    await page.screenshot({ path: path.join(screenshots, 'agent-insights.png') });
    await assertAccessible(page, 'console: insights');
    const worst = await worstContrast(page, false);
    assert.ok(worst.ratio >= 4.5, `low contrast on the insights page: ${JSON.stringify(worst)}`);
    await page.getByTestId('tab-queue').click();
    await page.getByTestId('queue').waitFor();
    await context.close();
  });

  test('the console fits a 390 px phone: the header wraps, nothing is cut off', T, async () => {
    const { context, page } = await agentPage(AGENTS.carol, { viewport: { width: 390, height: 844 } });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the console is ${overflow}px too wide`);
    for (const id of ['presence', 'sign-out', 'me']) {
      const box = await page.getByTestId(id).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${id} is on screen: ${JSON.stringify(box)}`);
    }
    await assertAccessible(page, 'console on a phone');
    await context.close();
  });

  test('the host page cannot restyle the widget, and its text meets contrast 4.5:1', T, async () => {
    const { context, page } = await userPage();
    // The demo page styles every <button> yellow; the launcher stays blue.
    const bg = await page.getByTestId('launcher').evaluate((b) => getComputedStyle(b).backgroundColor);
    assert.equal(bg, 'rgb(11, 87, 208)');
    await openWidget(page);
    await ask(page, '怎么开启谷歌验证');
    const worst = await worstContrast(page, true);
    assert.ok(worst.ratio >= 4.5, `low contrast: ${JSON.stringify(worst)}`);
    await context.close();
  });

  test('no page broke its content policy (no inline scripts or styles, nothing loaded from elsewhere)', T, async () => {
    for (const page of ['/help', '/help/search?q=%E6%8F%90%E5%B8%81']) {
      const context = await browser.newContext(DESKTOP);
      const p = await context.newPage();
      watchPolicy(p, page);
      const res = await p.goto(kefu.url + page);
      assert.match(res.headers()['content-security-policy'] || '', /script-src 'self'/);
      await p.waitForLoadState('networkidle');
      await context.close();
    }
    assert.deepEqual(policyViolations, []);
  });
});
