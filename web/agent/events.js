/*
 * The live feed: GET /v1/agent/events tells the console when the queue may
 * have changed (`queue`) and when a conversation has new messages
 * (`session`); the console then reloads what is on screen.
 *
 * Why it exists: agents must see a new ticket or a user's reply without
 * reloading. The feed reconnects with jittered back-off and catches up on
 * reconnecting; a server without it gets polled every 5 s instead. The top
 * bar says which (live, polling, reconnecting).
 */
import { $ } from '../lib/dom.js';
import { readEvents } from '../lib/sse.js';
import { sleep } from '../lib/time.js';
import { refreshQueueSoon } from './queue.js';
import { signOut } from './session.js';
import { state } from './state.js';
import { refreshTicketSoon } from './ticket.js';

function setLive(mode) {
  state.live = mode;
  const live = $('live');
  live.dataset.state = mode;
  live.textContent =
    mode === 'live' ? '● 实时 · Live' : mode === 'polling' ? '◌ 轮询 · Polling' : '○ 重连中 · Reconnecting';
}

export function stopEvents() {
  if (state.stream) state.stream.abort();
  state.stream = null;
  clearInterval(state.pollTimer);
  state.pollTimer = null;
}

function startPolling() {
  setLive('polling');
  clearInterval(state.pollTimer);
  state.pollTimer = setInterval(() => {
    refreshQueueSoon();
    if (state.currentId) refreshTicketSoon();
  }, 5000);
}

/** (Re)opens the feed. */
export function startEvents() {
  stopEvents();
  const controller = new AbortController();
  state.stream = controller;
  (async () => {
    let delay = 1000;
    while (!controller.signal.aborted) {
      const attempt = new AbortController();
      const abort = () => attempt.abort();
      controller.signal.addEventListener('abort', abort);
      try {
        const res = await fetch('/v1/agent/events', {
          headers: { authorization: `Bearer ${state.token}`, accept: 'text/event-stream' },
          signal: attempt.signal,
          cache: 'no-store',
        });
        if (res.status === 401) {
          signOut('令牌无效或已失效，请重新登录。 · Your token is no longer valid: sign in again.');
          return;
        }
        if (res.status === 404 || res.status === 405) {
          startPolling(); // a server without the agent event stream
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        setLive('live');
        delay = 1000;
        // Catch up on whatever happened while we were not listening.
        refreshQueueSoon();
        if (state.currentId) refreshTicketSoon();
        await readEvents(
          res.body,
          (ev) => {
            if (ev.type === 'queue') refreshQueueSoon();
            else if (ev.type === 'session') {
              let sid = null;
              try {
                sid = JSON.parse(ev.data).session_id;
              } catch (_) {
                /* ignore */
              }
              if (state.current && (!sid || sid === state.current.ticket.session_id)) refreshTicketSoon();
            }
          },
          // A keep-alive comment comes every 15 s: silence is a dead connection.
          { idleMs: 45000, onIdle: abort },
        );
      } catch (_) {
        /* dropped: reconnect */
      } finally {
        controller.signal.removeEventListener('abort', abort);
      }
      if (controller.signal.aborted) return;
      setLive('reconnecting');
      await sleep(delay * (0.75 + Math.random() * 0.5));
      delay = Math.min(delay * 2, 30000);
    }
  })();
}

/** Back online: reconnect at once rather than after the back-off. */
export function wire() {
  window.addEventListener('online', () => state.me && state.live !== 'live' && state.live !== 'polling' && startEvents());
}
