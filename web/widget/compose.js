/*
 * Sending: a message typed or tapped (a chip), and the request for a
 * person.
 *
 * Why it exists: a message is shown at once as a local copy, then
 * delivered; the server's copy (maybe redacted) replaces it when the stream
 * or a sync brings it back. A failed delivery stays on screen with the
 * reason and a retry button, so nothing typed is lost.
 */
import { el } from '../lib/dom.js';
import { api, errorText } from './api.js';
import { scrollToEnd, ui } from './frame.js';
import { renderMode } from './mode.js';
import { ensureSession, sync } from './session.js';
import { state, t } from './state.js';
import { setQueue } from './waiting.js';
import { renderTyping, renderWelcome } from './welcome.js';
import { renderText } from './text.js';

/** Sends `text` (with the article a chip stands for, if any). */
export async function send(text, articleId) {
  text = String(text || '').trim();
  if (!text) return;
  const pending = { text, articleId, node: null };
  pending.node = el(
    'div',
    { class: 'msg user pending', 'data-testid': 'message', 'data-author': 'user', 'data-pending': 'true' },
    el('div', { class: 'who', text: t().you }),
    (() => {
      const b = el('div', { class: 'bubble' });
      renderText(text, b);
      return b;
    })(),
  );
  state.pending.push(pending);
  ui.list.append(pending.node);
  renderWelcome();
  scrollToEnd();
  await deliver(pending);
}

async function deliver(pending) {
  state.busy += 1;
  renderTyping();
  pending.node.classList.remove('failed');
  pending.node.querySelector('.retry')?.remove();
  try {
    await ensureSession();
    const body = { text: pending.text, locale: state.lang };
    if (pending.articleId) body.article_id = pending.articleId;
    const turn = await api('POST', `/v1/sessions/${state.session.id}/messages`, body);
    if (turn && turn.user_message_id != null) {
      const i = state.pending.indexOf(pending);
      if (i >= 0 && state.messages.has(turn.user_message_id)) {
        // Already shown from the stream without being matched to this copy.
        state.pending.splice(i, 1);
        pending.node.remove();
      } else if (i >= 0) {
        pending.serverId = turn.user_message_id; // the stream or sync will confirm it
      }
    }
    if (turn && turn.queue) setQueue(turn.queue);
    if (turn && turn.forwarded_to_agent && state.mode === 'bot') {
      state.mode = turn.ticket && turn.ticket.status === 'pending' ? 'waiting' : 'agent';
      renderMode();
    }
    await sync();
  } catch (e) {
    pending.node.classList.add('failed');
    const retry = el(
      'div',
      { class: 'retry', role: 'alert' },
      el('span', { text: `${t().notSent}: ${errorText(e)}` }),
      el('button', { type: 'button', class: 'link-btn', text: t().retry, onclick: () => deliver(pending) }),
    );
    pending.node.append(retry);
  } finally {
    state.busy -= 1;
    renderTyping();
  }
}

/** The "talk to a person" button: asks for an agent without a message. */
export async function requestPerson() {
  ui.handoff.disabled = true;
  state.busy += 1;
  renderTyping();
  try {
    await ensureSession();
    const turn = await api('POST', `/v1/sessions/${state.session.id}/handoff`, { locale: state.lang });
    if (turn && turn.queue) setQueue(turn.queue);
    if (turn && turn.ticket && state.mode === 'bot') {
      state.mode = turn.ticket.status === 'pending' ? 'waiting' : 'agent';
      if (turn.ticket.status !== 'pending') state.agentName = state.agentName || '';
      renderMode();
    }
    await sync();
  } catch (e) {
    ui.list.append(el('div', { class: 'msg system', role: 'alert' }, el('div', { class: 'system-text', text: errorText(e) })));
  } finally {
    state.busy -= 1;
    ui.handoff.disabled = false;
    renderTyping();
    ui.input.focus();
  }
}
