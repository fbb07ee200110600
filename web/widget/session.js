/*
 * The user's chat session: created on the first message, kept in
 * localStorage so the conversation survives a reload, forgotten when kefu
 * no longer knows it.
 *
 * Why it exists: a session is a bearer secret, and everything after it (the
 * transcript, the stream, feedback) needs one; this is where it begins and
 * ends, and where the transcript is caught up (`sync`).
 */
import { api } from './api.js';
import { ui } from './frame.js';
import { addMessage } from './messages.js';
import { renderMode } from './mode.js';
import { startStream, stopStream } from './stream.js';
import { keyOf, state, writeJson } from './state.js';
import { renderWelcome } from './welcome.js';

/** The session, created (and its stream started) if there is none yet. */
export async function ensureSession() {
  if (state.session) return state.session;
  const created = await api('POST', '/v1/sessions', { channel: 'widget', locale: state.lang }, { auth: false });
  state.session = { id: created.id, secret: created.secret };
  state.rated = {};
  writeJson(keyOf('session'), state.session);
  state.loaded = true;
  startStream();
  return state.session;
}

/** Drops the session and its conversation: the widget starts over. */
export function forgetSession() {
  stopStream();
  if (state.session) writeJson(keyOf(`rated:${state.session.id}`), null);
  writeJson(keyOf('session'), null);
  state.session = null;
  state.messages.clear();
  state.lastId = 0;
  state.mode = 'bot';
  state.agentName = null;
  state.rated = {};
  ui.list.querySelectorAll('[data-message-id]').forEach((n) => n.remove());
  renderMode();
  renderWelcome();
}

/** Fetches the transcript after the last message we have. */
export async function sync({ live = true } = {}) {
  if (!state.session) return;
  for (;;) {
    const page = await api('GET', `/v1/sessions/${state.session.id}/messages?after=${state.lastId}`);
    const messages = (page && page.messages) || [];
    for (const m of messages) addMessage(m, { live });
    if (messages.length < 500) break;
  }
}

/** On load: the stored session's transcript, then its stream. */
export async function restore() {
  if (!state.session) return;
  try {
    await sync({ live: false });
    state.loaded = true;
    startStream();
  } catch (e) {
    if (e.status === 401 || e.status === 403 || e.status === 404) forgetSession();
    else setTimeout(restore, 3000);
  }
}
