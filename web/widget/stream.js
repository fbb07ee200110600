/*
 * The session's live stream: agent replies, the agent joining and queue
 * updates as they happen, over Server-Sent Events.
 *
 * Why it exists: the stream must survive sleeping laptops, flaky phones
 * and proxies that drop idle connections without closing them. It
 * reconnects with jittered back-off (at once when the browser is back
 * online or the tab visible), resumes after the last message it has, so
 * nothing is lost or repeated, and tells the user only when it stays down.
 */
import { readEvents } from '../lib/sse.js';
import { sleep } from '../lib/time.js';
import { ui } from './frame.js';
import { addMessage } from './messages.js';
import { forgetSession, sync } from './session.js';
import { config, state } from './state.js';
import { setQueue } from './waiting.js';

// Lets a reconnect happen at once (back online, tab visible again).
const wake = (() => {
  let resolve;
  const w = { promise: null, fire: () => resolve && resolve() };
  const reset = () => {
    w.promise = new Promise((r) => (resolve = () => (r(), reset())));
  };
  reset();
  return w;
})();

export function stopStream() {
  if (state.stream) state.stream.abort();
  state.stream = null;
  state.streamUp = false;
}

/** Opens the stream of the current session, unless it is open already. */
export function startStream() {
  if (!state.session || state.stream) return;
  const controller = new AbortController();
  state.stream = controller;
  const session = state.session;
  (async () => {
    let delay = 1000;
    let failures = 0;
    while (!controller.signal.aborted) {
      const attempt = new AbortController();
      const abortAttempt = () => attempt.abort();
      controller.signal.addEventListener('abort', abortAttempt);
      try {
        const res = await fetch(`${config.kefuUrl}/v1/sessions/${session.id}/events?after=${state.lastId}`, {
          headers: { authorization: `Bearer ${session.secret}`, accept: 'text/event-stream' },
          signal: attempt.signal,
          credentials: 'omit',
          cache: 'no-store',
        });
        if (res.status === 401 || res.status === 403 || res.status === 404) {
          forgetSession();
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        setStreamUp(true);
        delay = 1000;
        failures = 0;
        // The server sends a keep-alive comment every 15 s: silence for
        // longer means a dead connection that nobody closed.
        await readEvents(
          res.body,
          (ev) => {
            try {
              if (ev.type === 'message') addMessage(JSON.parse(ev.data), { live: true });
              else if (ev.type === 'queue') setQueue(JSON.parse(ev.data).queue);
            } catch (_) {
              /* malformed event: skip */
            }
          },
          { idleMs: 45000, onIdle: abortAttempt },
        );
      } catch (_) {
        /* dropped: reconnect below */
      } finally {
        controller.signal.removeEventListener('abort', abortAttempt);
      }
      if (controller.signal.aborted) break;
      failures += 1;
      if (failures > 1) setStreamUp(false);
      await Promise.race([sleep(delay * (0.75 + Math.random() * 0.5)), wake.promise]);
      delay = Math.min(delay * 2, 30000);
    }
  })();
}

function setStreamUp(up) {
  state.streamUp = up;
  ui.offline.hidden = up;
  if (up && state.session && state.loaded) sync().catch(() => {});
}

/** Reconnects at once when the browser is back online or the tab visible. */
export function watchConnectivity() {
  window.addEventListener('online', () => wake.fire());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') wake.fire();
  });
}
