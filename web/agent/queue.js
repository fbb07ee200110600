/*
 * The queue pane: tickets filtered by status, priority, owner or TxID,
 * their ages ticking, and claiming (one ticket, or the next in line).
 *
 * Why it exists: the queue is what agents watch all day. It is loaded
 * again on every change the live feed announces (debounced), and a newer
 * load always wins over a slower older one.
 */
import { $, el } from '../lib/dom.js';
import { ageText } from '../lib/time.js';
import { clearError, showError } from './alerts.js';
import { api } from './api.js';
import { label, priorityTag, secretFlag } from './labels.js';
import { state } from './state.js';
import { openTicket } from './ticket.js';

const ageOf = (ticket) => ticket.age_seconds + (Date.now() - state.fetchedAt) / 1000;

let queueSeq = 0;
/** Loads the queue with the filters set. */
export async function loadQueue() {
  const seq = ++queueSeq;
  const params = new URLSearchParams();
  if ($('filter-status').value) params.set('status', $('filter-status').value);
  if ($('filter-priority').value) params.set('priority', $('filter-priority').value);
  if ($('filter-txid').value.trim()) params.set('txid', $('filter-txid').value.trim());
  $('queue').setAttribute('aria-busy', 'true');
  try {
    const r = await api('GET', `/v1/agent/tickets${params.toString() ? '?' + params : ''}`);
    if (seq !== queueSeq) return; // a newer load won
    state.tickets = r.tickets || [];
    state.fetchedAt = Date.now();
    renderQueue();
  } finally {
    if (seq === queueSeq) $('queue').setAttribute('aria-busy', 'false');
  }
}

let queueRefresh;
/** Loads the queue shortly: a burst of changes costs one load. */
export function refreshQueueSoon() {
  clearTimeout(queueRefresh);
  queueRefresh = setTimeout(() => loadQueue().catch(() => {}), 150);
}

/** Draws the loaded tickets ("mine only" filters here, not on the server). */
export function renderQueue() {
  const mine = $('filter-mine').checked;
  const tickets = state.tickets.filter((t) => !mine || (state.me && t.agent === state.me.name));
  const rows = tickets.map((t) => {
    const claimable = t.status === 'pending';
    const open = el(
      'button',
      {
        type: 'button',
        class: 'row-open',
        'data-testid': 'open-ticket',
        'aria-current': t.id === state.currentId ? 'true' : null,
        onclick: () => openTicket(t.id).catch((e) => showError(e, `#${t.id}`)),
      },
      // The row's own text names it (no aria-label hiding what is shown).
      el('span', { class: 'sr-only', text: '打开工单 · Open ticket ' }),
      el(
        'span',
        { class: 'row-top' },
        priorityTag(t.priority),
        el('span', { class: 'tid', text: `#${t.id}` }),
        el('span', { class: 'age', 'data-testid': 'age', 'data-ticket-id': t.id, text: ageText(ageOf(t)) }),
        t.sla_breached
          ? el('span', { class: 'sla', 'data-testid': 'sla-breached', title: '紧急工单等待超时 · Urgent and past its SLA', text: '超时 SLA' })
          : null,
        t.contact_email ? el('span', { class: 'mail', title: '用户留了邮箱 · The user left an e-mail address', text: '✉' }) : null,
        t.secret_shared ? secretFlag() : null,
      ),
      el('span', { class: 'row-topic', 'data-testid': 'row-title', title: t.topic || null, text: t.title || '（无主题 · no topic）' }),
      el(
        'span',
        { class: 'row-meta' },
        el('span', { class: `status ${t.status}`, text: label('status', t.status) }),
        el('span', { text: label('reason', t.reason) }),
        t.agent ? el('span', { class: 'owner', text: `@${t.agent}` }) : null,
      ),
    );
    return el(
      'li',
      {
        class: `row ${t.priority}${t.id === state.currentId ? ' current' : ''}`,
        'data-testid': 'queue-row',
        'data-ticket-id': t.id,
        'data-priority': t.priority,
        'data-status': t.status,
        'data-session-id': t.session_id,
      },
      open,
      claimable
        ? el('button', {
            type: 'button',
            class: 'btn small',
            'data-testid': 'claim',
            'aria-label': `接入 · Claim #${t.id}`,
            text: '接入 · Claim',
            onclick: () => claim(t.id),
          })
        : null,
    );
  });
  $('queue').replaceChildren(...rows);
  $('queue-empty').hidden = rows.length > 0;
  const pending = state.tickets.filter((t) => t.status === 'pending').length;
  $('queue-count').textContent = `${pending} 待接入 · pending / ${state.tickets.length}`;
}

/** Claims ticket `id` and opens it, ready to reply. */
export async function claim(id) {
  clearError();
  try {
    await api('POST', `/v1/agent/tickets/${id}/claim`);
    await openTicket(id);
    $('reply-input').focus();
  } catch (e) {
    showError(e, `接入 #${id} 失败 · Could not claim #${id}`);
  }
  loadQueue().catch(() => {});
}

/** The ages ticking, the filters and "claim next". */
export function wire() {
  setInterval(() => {
    for (const span of document.querySelectorAll('#queue .age')) {
      const t = state.tickets.find((x) => String(x.id) === span.dataset.ticketId);
      if (t) span.textContent = ageText(ageOf(t));
    }
    if (state.current) {
      const age = document.querySelector('#facts [data-fact="age"]');
      if (age) age.textContent = ageText(state.current.ticket.age_seconds + (Date.now() - state.current.fetchedAt) / 1000);
    }
  }, 1000);

  for (const id of ['filter-status', 'filter-priority']) {
    $(id).addEventListener('change', () => loadQueue().catch((e) => showError(e, '队列 · Queue')));
  }
  $('filter-mine').addEventListener('change', renderQueue);
  $('filter-txid').addEventListener('change', () => loadQueue().catch((e) => showError(e, '队列 · Queue')));

  $('claim-next').addEventListener('click', async () => {
    clearError();
    try {
      const t = await api('POST', '/v1/agent/tickets/claim');
      await openTicket(t.id);
      $('reply-input').focus();
    } catch (e) {
      showError(e, '接下一个失败 · Could not claim the next ticket');
    }
    loadQueue().catch(() => {});
  });
}
