/*
 * The conversation's messages: how each one is drawn, and how one from the
 * server joins the list.
 *
 * Why it exists: a message may arrive three ways (the stream, a sync after
 * sending, the transcript on reload), sometimes twice and sometimes out of
 * order, and our own messages are shown before the server has them.
 * `addMessage` keeps the list in id order, shows each message once, and
 * replaces a local copy with the server's (whose text may be redacted).
 * `messageNode` draws a message by author and by the bot's decision.
 */
import { el } from '../lib/dom.js';
import { dateOf } from '../lib/time.js';
import { articleCard } from './article.js';
import { feedbackRow, ratingCard } from './feedback.js';
import { renderBadge, scrollToEnd, ui } from './frame.js';
import { systemEvent, updateMode } from './mode.js';
import { absoluteUrl, state, t } from './state.js';
import { renderNotes, renderText, stripList } from './text.js';
import { chipGroup, renderWelcome } from './welcome.js';

/** Who wrote `dto`, as the label above it says. */
export function authorLabel(dto) {
  const s = t();
  switch (dto.author) {
    case 'user':
      return s.you;
    case 'bot':
      return s.bot;
    case 'agent':
      return s.agent(dto.agent || '');
    default:
      return s.system;
  }
}

// `into`: a message node already holding a warning, to which the answer
// is added in a bubble of its own.
function messageNode(dto, into) {
  const reply = dto.reply || null;
  const at = dateOf(dto.created_at);
  const node =
    into ||
    el('div', {
      class: `msg ${dto.author}`,
      'data-testid': 'message',
      'data-author': dto.author,
      'data-message-id': dto.id,
      title: at ? at.toLocaleString() : null,
    });
  if (dto.author === 'system') {
    node.append(el('div', { class: 'system-text', text: dto.text }));
    if (systemEvent(dto) === 'resolved') node.append(ratingCard(dto));
    return node;
  }
  if (!into) node.append(el('div', { class: 'who', text: authorLabel(dto) }));
  const bubble = el('div', { class: 'bubble' });
  node.append(bubble);
  if (dto.author === 'user') {
    // The server replaced a pasted seed phrase or key with a placeholder.
    renderText(
      String(dto.text || '')
        .replace(/\[redacted: seed phrase\]/g, t().redactedSeed)
        .replace(/\[redacted: private key\]/g, t().redactedKey),
      bubble,
    );
    return node;
  }
  if (dto.author === 'agent' && reply && reply.article) {
    // An article the agent sent: a card, as the bot's answers are.
    renderText(dto.text, bubble);
    bubble.append(articleCard(reply.article, true));
    return node;
  }
  if (dto.author !== 'bot' || !reply) {
    renderText(dto.text, bubble);
    return node;
  }
  if (reply.warning) {
    const s = t();
    // A pasted secret with a question around it: the warning first (its
    // own paragraph of the text), then the answer to the question.
    const text = String(dto.text || '');
    const split = text.indexOf('\n\n');
    const answered = reply.warning === 'secret_shared' && split > 0;
    const box = el(
      'div',
      { class: `warning ${reply.warning === 'scam' ? 'scam' : 'secret'}`, role: 'alert', 'data-testid': 'warning', 'data-warning': reply.warning },
      el('strong', { class: 'warning-title', 'data-i18n': reply.warning === 'scam' ? 'warningScam' : 'warningSecret', text: reply.warning === 'scam' ? s.warningScam : s.warningSecret }),
    );
    renderText(answered ? text.slice(0, split) : text, box);
    if (reply.article && !answered) {
      const url = absoluteUrl(reply.article.url || `/help/articles/${reply.article.id}`);
      box.append(el('a', { class: 'warning-link', href: url, target: '_blank', rel: 'noopener noreferrer', text: reply.article.title }));
    }
    bubble.append(box);
    bubble.classList.add('has-warning');
    if (!answered) return node;
    return messageNode({ ...dto, text: text.slice(split + 2), reply: { ...reply, warning: null } }, node);
  }
  const decision = reply.decision;
  const notes = Array.isArray(reply.notes) ? reply.notes : [];
  let rest = String(dto.text || '');
  for (const n of notes) if (rest.startsWith(n)) rest = rest.slice(n.length).replace(/^\n+/, '');
  if (decision === 'answer' && reply.article) {
    renderNotes(notes, bubble);
    bubble.append(articleCard(reply.article, true));
    node.append(feedbackRow(dto));
  } else if (decision === 'clarify') {
    renderNotes(notes, bubble);
    renderText(stripList(rest), bubble);
    const items = (reply.suggestions || []).map((a) => ({ id: a.id, label: a.title }));
    if (items.length) node.append(chipGroup(t().suggestions, items, 'suggest'));
  } else if (decision === 'handoff') {
    renderNotes(notes, bubble);
    renderText(rest.split(/\n{2,}/)[0], bubble);
    if (reply.article) {
      bubble.append(
        el('div', { class: 'meanwhile' }, el('span', { 'data-i18n': 'whileYouWait', text: t().whileYouWait }), articleCard(reply.article, false)),
      );
    }
  } else {
    renderText(dto.text, bubble);
  }
  return node;
}

/**
 * Adds (or confirms) a message from the server. Returns true if new.
 * `live`: it arrived just now, so it counts as unread while the panel is closed.
 */
export function addMessage(dto, { live = false } = {}) {
  if (!dto || typeof dto.id !== 'number' || state.messages.has(dto.id)) return false;
  let node = null;
  if (dto.author === 'user' && state.pending.length) {
    // Our own message coming back: replace the local copy (its text may
    // now be redacted) instead of showing it twice.
    let i = state.pending.findIndex((p) => p.serverId === dto.id);
    if (i < 0) i = state.pending.findIndex((p) => p.serverId == null && p.text === dto.text);
    if (i < 0 && /\[redacted/.test(dto.text)) i = state.pending.findIndex((p) => p.serverId == null);
    if (i >= 0) {
      const [p] = state.pending.splice(i, 1);
      node = messageNode(dto);
      p.node.replaceWith(node);
    }
  }
  if (!node) node = messageNode(dto);
  state.messages.set(dto.id, { dto, node });
  state.lastId = Math.max(state.lastId, dto.id);
  // Keep id order; local (pending) messages stay last.
  let before = null;
  for (const [id, m] of state.messages) {
    if (id > dto.id && m.node.isConnected && (!before || id < Number(before.dataset.messageId))) before = m.node;
  }
  if (!before && state.pending.length) before = state.pending[0].node;
  ui.list.insertBefore(node, before);
  updateMode(dto);
  if (live && !state.open && dto.author !== 'user') {
    state.unread += 1;
    renderBadge();
  }
  if (state.messages.size === 1) renderWelcome();
  scrollToEnd();
  return true;
}
