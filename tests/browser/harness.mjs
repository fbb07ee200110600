// Starts kefu and headless Chromium for the browser tests.
//
// kefu: the binary from $TEST_KEFU_BIN (default target/debug/kefu), on a free
// port, with a fresh SQLite database and three agents (two agents, one admin) in a generated config.
// The index and question vectors go to $TEST_BROWSER_DATA_DIR (default
// target/browser-test-data) and are reused by later runs: the first run
// embeds the corpus, which takes a few minutes in a debug build (the wait
// for readiness is 10 minutes; $TEST_READY_TIMEOUT_MS changes it).

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const screenshots = path.join(repo, 'target', 'screenshots');

export const AGENTS = {
  alice: { name: 'alice', role: 'agent', token: randomBytes(24).toString('hex') },
  bob: { name: 'bob', role: 'agent', token: randomBytes(24).toString('hex') },
  carol: { name: 'carol', role: 'admin', token: randomBytes(24).toString('hex') },
};

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** A running kefu: `url`, `stop()`, `restart()`, and its log so far. */
export async function startKefu({ readyTimeoutMs = Number(process.env.TEST_READY_TIMEOUT_MS) || 10 * 60_000 } = {}) {
  const bin = process.env.TEST_KEFU_BIN || path.join(repo, 'target', 'debug', 'kefu');
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: run cargo build first (or set TEST_KEFU_BIN)`);
  const model = process.env.KEFU_MODEL || path.join(repo, 'models', 'e5-small-q4.bin');
  if (!existsSync(model)) throw new Error(`${model} does not exist: run scripts/setup-model first`);
  const dataDir = process.env.TEST_BROWSER_DATA_DIR || path.join(repo, 'target', 'browser-test-data');
  mkdirSync(dataDir, { recursive: true });
  // The Rust tests (scripts/test) leave the same index and vectors here:
  // start from them rather than embed the corpus again. kefu checks both
  // against the corpus and rebuilds what is stale.
  const cargoData = path.join(repo, 'target', 'tmp', 'kefu-ranking');
  if (!existsSync(path.join(dataDir, 'vectors.bin')) && existsSync(path.join(cargoData, 'vectors.bin'))) {
    cpSync(cargoData, dataDir, { recursive: true });
  }
  const tmp = mkdtempSync(path.join(tmpdir(), 'kefu-browser-'));
  const config = path.join(tmp, 'kefu.yaml');
  const agents = Object.values(AGENTS)
    .map((a) => `  - { name: ${a.name}, role: ${a.role}, token_sha256: "${sha256(a.token)}" }`)
    .join('\n');
  writeFileSync(
    config,
    [
      `database_url: "sqlite://${path.join(tmp, 'kefu.db')}?mode=rwc"`,
      'log: "warn,kefu=info"',
      // Generous limits: every test shares 127.0.0.1.
      'limits: { per_ip_per_minute: 100000, per_session_per_minute: 1000 }',
      // Every urgent ticket is past its SLA at once, so the console flags it.
      'queue: { urgent_sla_minutes: 0 }',
      'agents:',
      agents,
      '',
    ].join('\n'),
  );

  const kefu = { url: null, log: '', child: null, port: 0, tmp };
  const launch = async (address) => {
    const args = ['--config', config, '--corpus', path.join(repo, 'corpus'), '--data-dir', dataDir, '--model', model, 'serve', '--address', address];
    // The test server gets only the settings above: a developer's own
    // KEFU_* variables (KEFU_DATABASE_URL…) must not leak into it.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KEFU_')));
    const child = spawn(bin, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, NO_COLOR: '1' } });
    kefu.child = child;
    let exited = null;
    child.on('exit', (code, signal) => (exited = { code, signal }));
    const onData = (chunk) => {
      kefu.log += chunk.toString();
      if (kefu.log.length > 200_000) kefu.log = kefu.log.slice(-100_000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const deadline = Date.now() + readyTimeoutMs;
    while (!kefu.url || !(await ready(kefu.url))) {
      if (exited) throw new Error(`kefu exited (${JSON.stringify(exited)}) before it was ready:\n${kefu.log.slice(-4000)}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`kefu was not ready after ${readyTimeoutMs / 1000} s:\n${kefu.log.slice(-4000)}`);
      }
      const m = /serving on (http:\/\/[^\s]+)/.exec(kefu.log.slice(kefu.logMark || 0));
      if (m) {
        kefu.url = m[1];
        kefu.port = Number(new URL(kefu.url).port);
      }
      await sleep(250);
    }
  };
  const stopChild = async () => {
    const child = kefu.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  };
  kefu.stop = async () => {
    await stopChild();
    rmSync(tmp, { recursive: true, force: true });
  };
  // Stops kefu and starts it again on the same port and database: every
  // open connection (the widget's and the console's live streams) drops.
  kefu.restart = async (downMs = 0) => {
    await stopChild();
    await sleep(downMs);
    kefu.logMark = kefu.log.length;
    const address = `127.0.0.1:${kefu.port}`;
    kefu.url = null;
    await launch(address);
  };
  kefu.logMark = 0;
  await launch('127.0.0.1:0');
  return kefu;
}

async function ready(url) {
  try {
    const res = await fetch(`${url}/readyz`);
    return res.status === 200;
  } catch (_) {
    return false;
  }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Calls the kefu API from the test itself. */
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's violations on `page` as it is now (the widget's open shadow
 * root included), as `{ id, impact, nodes }`. The script goes in through
 * the DevTools protocol, which the pages' content policy does not govern.
 */
export async function accessibilityViolations(page) {
  // Colours are judged as they settle, not halfway through a fade-in.
  await page.evaluate(async () => {
    const hosts = Array.from(document.querySelectorAll('*')).filter((e) => e.shadowRoot);
    const animations = [document, ...hosts.map((h) => h.shadowRoot)]
      .flatMap((r) => r.getAnimations())
      .filter((a) => a.effect && a.effect.getTiming().iterations !== Infinity);
    await Promise.all(animations.map((a) => a.finished.catch(() => {})));
  });
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

export async function api(kefu, method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(kefu.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch (_) {
    /* not JSON */
  }
  return { status: res.status, json, text };
}

/** Polls `fn` until it returns a truthy value. */
export async function eventually(fn, { timeout = 20_000, interval = 200, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message}; last: ${last && last.message ? last.message : JSON.stringify(last)}`);
    await sleep(interval);
  }
}
