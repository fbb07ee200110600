/*
 * The ticket pane: its title and actions, the facts of the case, the
 * transcript, internal notes and the status history.
 *
 * Why it exists: opening a ticket is the console's main read. It is
 * fetched again whenever the live feed says its conversation changed, and
 * redrawn whole; the actions shown (claim, waiting, resolve, reply) follow
 * from whether the ticket is the signed-in agent's own.
 */
import { $, el } from '../lib/dom.js';
import { hasHan } from '../lib/lang.js';
import { ageText, timeText } from '../lib/time.js';
import { clearError, showError } from './alerts.js';
import { api } from './api.js';
import { loadAssist } from './assist.js';
import { label, priorityTag, secretFlag } from './labels.js';
import { claim, loadQueue, renderQueue } from './queue.js';
import { attach } from './reply.js';
import { state } from './state.js';
import { messageItem } from './transcript.js';

/** Opens ticket `id` (or reloads it, when it is the one open). */
export async function openTicket(id) {
  const changed = state.currentId !== id;
  state.currentId = id;
  const detail = await api('GET', `/v1/agent/tickets/${id}`);
  if (state.currentId !== id) return;
  detail.fetchedAt = Date.now();
  state.current = detail;
  history.replaceState(null, '', `#ticket=${id}`);
  renderTicket(changed);
  renderQueue();
  if (changed) {
    $('article-lang').value = detail.ticket.locale === 'en' || detail.ticket.locale === 'zh' ? detail.ticket.locale : guessLang(detail.messages);
    $('article-results').replaceChildren();
    attach(null);
    $('ticket-title').focus({ preventScroll: true });
  }
  loadAssist(detail).catch(() => {});
}

let ticketRefresh;
/** Reloads the open ticket shortly: a burst of changes costs one load. */
export function refreshTicketSoon() {
  clearTimeout(ticketRefresh);
  ticketRefresh = setTimeout(() => {
    if (state.currentId) openTicket(state.currentId).catch(() => {});
  }, 150);
}

function guessLang(messages) {
  const users = messages.filter((m) => m.author === 'user');
  const last = users[users.length - 1];
  return last && !hasHan(last.text) ? 'en' : 'zh';
}

/** Whether the open ticket is the signed-in agent's, and still being worked. */
export function mineNow() {
  const t = state.current && state.current.ticket;
  return !!(t && state.me && t.agent === state.me.name && (t.status === 'assigned' || t.status === 'waiting_on_user'));
}

function renderTicket(changed) {
  const { ticket, messages, notes, events } = state.current;
  $('ticket-placeholder').hidden = true;
  $('ticket-body').hidden = false;
  $('ticket-body').dataset.ticketId = ticket.id;
  $('ticket-body').dataset.status = ticket.status;
  // replaceChildren writes a null as the text "null": leave them out.
  $('ticket-title').replaceChildren(
    ...[
      priorityTag(ticket.priority),
      ` 工单 · Ticket #${ticket.id} `,
      el('span', { class: `status ${ticket.status}`, 'data-testid': 'ticket-status', text: label('status', ticket.status) }),
      ticket.secret_shared ? ' ' : null,
      ticket.secret_shared ? secretFlag() : null,
    ].filter((c) => c !== null),
  );

  const mine = mineNow();
  $('ticket-claim').hidden = ticket.status !== 'pending';
  $('status-waiting').hidden = !mine || ticket.status !== 'assigned';
  $('status-assigned').hidden = !mine || ticket.status !== 'waiting_on_user';
  $('status-resolved').hidden = !mine;
  $('reply-input').disabled = !mine;
  $('reply-send').disabled = !mine;
  $('reply-hint').textContent = mine
    ? ''
    : ticket.status === 'pending'
      ? '先接入工单才能回复。 · Claim the ticket to reply.'
      : ticket.status === 'resolved'
        ? '工单已解决。 · This ticket is resolved.'
        : `工单属于 ${ticket.agent || '—'}。 · ${ticket.agent || 'Someone else'} owns this ticket.`;

  // Facts.
  const facts = [
    ['priority', '优先级 · Priority', label('priority', ticket.priority)],
    ['status', '状态 · Status', label('status', ticket.status)],
    ['reason', '原因 · Reason', label('reason', ticket.reason)],
    ['question', '用户问题 · Question', ticket.question || '—'],
    ['topic', '主题 · Topic', ticket.topic_title ? `${ticket.topic_title} (${ticket.topic})` : ticket.topic || '—'],
    ['confidence', '置信度 · Confidence', `${(ticket.confidence * 100).toFixed(0)}%`],
    ['channel', '渠道 · Channel', ticket.channel],
    ['agent', '客服 · Agent', ticket.agent || '—'],
    ['created', '创建 · Created', timeText(ticket.created_at)],
    ['age', '等待 · Age', ageText(ticket.age_seconds)],
    ['assigned', '接入 · Claimed', timeText(ticket.assigned_at)],
    [
      'first-reply',
      '首次回复 · First reply',
      ticket.first_reply_at ? `${timeText(ticket.first_reply_at)} (${ageText(ticket.first_reply_seconds || 0)})` : '—',
    ],
    ['resolved', '解决 · Resolved', timeText(ticket.resolved_at)],
    ['reopened', '重开 · Reopened', timeText(ticket.reopened_at)],
    ['session', '会话 · Session', ticket.session_id],
    ['contact', '跟进邮箱 · Follow-up e-mail', ticket.contact_email || '—'],
  ];
  // What the user said of the case, so nobody reads the transcript for it.
  const details = ticket.details || {};
  for (const [key, name] of [
    ['coin', '币种 · Coin'],
    ['network', '网络 · Network'],
    ['amount', '金额 · Amount'],
    ['address', '地址 · Address'],
    ['txid', 'TxID'],
  ]) {
    if (details[key]) facts.push([key, name, details[key]]);
  }
  const mono = new Set(['session', 'address', 'txid']);
  $('facts').replaceChildren(
    ...facts.flatMap(([key, name, value]) => [
      el('dt', { text: name }),
      el('dd', { 'data-fact': key, class: mono.has(key) ? 'mono' : null, text: value }),
    ]),
  );

  // Transcript.
  const list = $('transcript');
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.replaceChildren(...messages.map(messageItem));
  if (changed || nearBottom) list.scrollTop = list.scrollHeight;

  // Notes and history.
  $('notes').replaceChildren(
    ...(notes.length
      ? notes.map((n) =>
          el(
            'li',
            { 'data-testid': 'note' },
            el('div', { class: 'note-meta', text: `${n.agent} · ${timeText(n.created_at)}` }),
            el('div', { class: 'note-text', text: n.text }),
          ),
        )
      : [el('li', { class: 'muted', text: '暂无备注 · No notes yet' })]),
  );
  $('history').replaceChildren(
    ...events.map((ev) =>
      el(
        'li',
        null,
        el('span', { class: `status ${ev.status}`, text: label('status', ev.status) }),
        el('span', { class: 'muted', text: ` ${ev.actor} · ${timeText(ev.at)}` }),
      ),
    ),
  );
}

async function setStatus(status) {
  clearError();
  try {
    await api('POST', `/v1/agent/tickets/${state.currentId}/status`, { status });
    await openTicket(state.currentId);
  } catch (e) {
    showError(e, '无法更改状态 · Could not change the status');
  }
  loadQueue().catch(() => {});
}

/** The ticket's claim and status buttons. */
export function wire() {
  $('ticket-claim').addEventListener('click', () => state.currentId && claim(state.currentId));
  $('status-waiting').addEventListener('click', () => setStatus('waiting_on_user'));
  $('status-assigned').addEventListener('click', () => setStatus('assigned'));
  $('status-resolved').addEventListener('click', () => setStatus('resolved'));
}
