/*
 * Writing to the user: the reply box (Ctrl/⌘+Enter sends), the article a
 * reply carries, and internal notes.
 *
 * Why it exists: a reply with an article reaches the user as a card
 * (title, excerpt, link), as the bot's answers do, not as a bare URL; the
 * article is attached here from agent assist or the article search, and
 * shown under the box until sent or removed.
 */
import { $, el } from '../lib/dom.js';
import { showError } from './alerts.js';
import { api } from './api.js';
import { state } from './state.js';
import { mineNow, openTicket } from './ticket.js';

// "Insert" beside an article (agent assist, article search): the next
// reply carries it.
export function insertButton(article, testid) {
  return el('button', {
    type: 'button',
    class: 'btn small',
    'data-testid': testid,
    'aria-label': `插入 · Insert: ${article.title}`,
    text: '插入 · Insert',
    onclick: () => {
      attach(article);
      $('article-tool').open = false;
    },
  });
}

// The article a reply will carry, shown under the reply box: the user
// gets it as a card (title, excerpt, link), not as a bare URL.
export function attach(article) {
  state.attached = article ? { id: article.id, title: article.title } : null;
  const box = $('reply-attachment');
  box.hidden = !state.attached;
  if (!state.attached) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(
    el('span', { 'aria-hidden': 'true', text: '📎' }),
    el('span', { class: 'title', 'data-testid': 'attached-title', text: state.attached.title }),
    el('button', {
      type: 'button',
      class: 'btn small ghost',
      'aria-label': `移除 · Remove: ${state.attached.title}`,
      text: '✕',
      onclick: () => attach(null),
    }),
  );
  $('reply-input').focus();
}

async function sendReply() {
  const input = $('reply-input');
  const attached = state.attached;
  const text = input.value.trim() || (attached ? attached.title : '');
  if (!text || !state.currentId || input.disabled) return;
  $('reply-send').disabled = true;
  try {
    await api('POST', `/v1/agent/tickets/${state.currentId}/messages`, attached ? { text, article_id: attached.id } : { text });
    input.value = '';
    attach(null);
    await openTicket(state.currentId);
  } catch (e) {
    showError(e, '发送失败 · Could not send');
  } finally {
    $('reply-send').disabled = !mineNow();
    input.focus();
  }
}

/** The reply form and the note form. */
export function wire() {
  $('reply-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sendReply();
  });
  $('reply-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.isComposing) {
      e.preventDefault();
      sendReply();
    }
  });

  $('note-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('note-input');
    const text = input.value.trim();
    if (!text || !state.currentId) return;
    try {
      await api('POST', `/v1/agent/tickets/${state.currentId}/notes`, { text });
      input.value = '';
      await openTicket(state.currentId);
    } catch (err) {
      showError(err, '无法添加备注 · Could not add the note');
    }
  });
}
