/*
 * Signing in and out, and being online or away.
 *
 * Why it exists: the console is nothing until an agent token checks out
 * (GET /v1/agent/me); signing out, by hand or because the token stopped
 * working, must leave no ticket, transcript or token behind in the tab.
 * Presence is repeated every 30 s while the console is open, so users in
 * the queue are told honestly when nobody is online, and a closed tab
 * stops counting after the server's presence timeout.
 */
import { $ } from '../lib/dom.js';
import { api } from './api.js';
import { startEvents, stopEvents } from './events.js';
import { showView } from './insights.js';
import { loadQueue } from './queue.js';
import { state, TOKEN_KEY } from './state.js';
import { openTicket } from './ticket.js';

/** Signs in with `token`; rejects (with the ApiError) if it is not valid. */
export async function signIn(token) {
  state.token = token;
  const me = await api('GET', '/v1/agent/me');
  state.me = me;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('me').textContent = `${me.name} · ${me.role === 'admin' ? '管理员 admin' : '客服 agent'}`;
  $('who').hidden = false;
  $('views').hidden = false;
  $('tab-insights').hidden = me.role !== 'admin';
  $('sign-in-view').hidden = true;
  showView('console');
  await loadQueue();
  startEvents();
  setPresence(localStorage.getItem(presenceKey()) || (state.me.role === 'admin' ? 'away' : 'online'));
  const fromHash = /ticket=(\d+)/.exec(location.hash);
  if (fromHash) openTicket(Number(fromHash[1])).catch(() => {});
}

// Being online is a choice, remembered per agent on this browser: the
// first sign-in puts agents online and admins (who may only be reading
// the insights) away, so users are never told someone is there who is not.
const presenceKey = () => `kefu.presence.${state.me ? state.me.name : ''}`;
let presenceTimer;
async function setPresence(status) {
  clearInterval(presenceTimer);
  localStorage.setItem(presenceKey(), status);
  $('presence').value = status;
  $('presence').dataset.status = status;
  const beat = () => api('POST', '/v1/agent/presence', { status }).catch(() => {});
  await beat();
  presenceTimer = setInterval(beat, 30000);
}

/** Back to the sign-in form, with `message` on it if given. */
export function signOut(message) {
  const wasSignedIn = !!state.me;
  clearInterval(presenceTimer);
  if (wasSignedIn && state.token) api('POST', '/v1/agent/presence', { status: 'away' }).catch(() => {});
  stopEvents();
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = '';
  state.me = null;
  state.current = null;
  state.currentId = null;
  $('who').hidden = true;
  $('views').hidden = true;
  $('console').hidden = true;
  $('insights').hidden = true;
  $('sign-in-view').hidden = false;
  $('queue').replaceChildren();
  $('transcript').replaceChildren();
  $('ticket-body').hidden = true;
  $('ticket-placeholder').hidden = false;
  $('token').value = '';
  const err = $('sign-in-error');
  err.hidden = !message;
  err.textContent = message || '';
  if (wasSignedIn) history.replaceState(null, '', location.pathname);
  $('token').focus();
}

/** The presence selector, the sign-in form and the sign-out button. */
export function wire() {
  $('presence').addEventListener('change', () => setPresence($('presence').value));
  $('sign-in-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = $('token').value.trim();
    const err = $('sign-in-error');
    if (!token) {
      err.textContent = '请输入令牌。 · Enter your token.';
      err.hidden = false;
      return;
    }
    err.hidden = true;
    try {
      await signIn(token);
    } catch (ex) {
      state.token = '';
      err.textContent =
        ex.status === 401
          ? '令牌无效。 · That token is not valid.'
          : `无法登录 · Could not sign in: ${ex.message}`;
      err.hidden = false;
      $('token').focus();
    }
  });
  $('sign-out').addEventListener('click', () => signOut());
}
