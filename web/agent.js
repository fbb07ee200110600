/*
 * kefu agent console: sign in with an agent token, work the queue, claim
 * tickets, read transcripts (masked by the server), reply, add notes, set
 * status. Live updates come from GET /v1/agent/events, read with fetch()
 * because EventSource cannot send the Authorization header.
 *
 * Plain ES2020, no dependencies. Everything users or agents wrote is set
 * with textContent, never as HTML.
 */
(() => {
  'use strict';

  const TOKEN_KEY = 'kefu.agentToken';
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
    return node;
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  const LABELS = {
    status: {
      pending: '待接入 · Pending',
      assigned: '处理中 · Assigned',
      waiting_on_user: '等待用户 · Waiting on user',
      resolved: '已解决 · Resolved',
    },
    priority: { urgent: '紧急 · Urgent', normal: '普通 · Normal' },
    decision: { answer: '回答 · answer', clarify: '澄清 · clarify', handoff: '转人工 · handoff' },
    reason: {
      low_confidence: '置信度低 · low confidence',
      no_match: '无匹配 · no match',
      always_handoff: '需人工处理的主题 · always-handoff topic',
      asked_for_person: '用户要求人工 · asked for a person',
      lost_funds: '资金丢失 · lost funds',
      scam_by_staff: '冒充客服诈骗 · staff impersonation scam',
      out_of_scope: '超出范围 · out of scope',
      secret_shared: '用户发送了助记词/私钥 · seed phrase/key shared',
    },
    warning: { secret_shared: '用户发送了助记词/私钥（已隐藏） · seed phrase/key shared (redacted)', scam: '诈骗 · scam' },
  };
  const label = (kind, value) => (value && LABELS[kind][value]) || value || '—';
  // The user pasted a seed phrase or key (redacted): their funds may be at risk.
  const secretFlag = () =>
    el('span', {
      class: 'secret-flag',
      'data-testid': 'secret-shared',
      title: '用户在对话中发送了助记词或私钥（已隐藏），资产可能有风险 · The user shared a seed phrase or private key (redacted): funds may be at risk',
      text: '🔑 助记词/私钥 · secret shared',
    });

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY) || '',
    me: null,
    tickets: [],
    fetchedAt: 0,
    current: null, // TicketDetail
    currentId: null,
    stream: null,
    live: 'off',
    pollTimer: null,
    attached: null, // the article the next reply carries
    assistKey: null, // ticket and latest user message agent assist was read for
  };

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message || code || `HTTP ${status}`);
      this.status = status;
      this.code = code;
    }
  }

  // Sends a request with the token; resolves to the response, or throws an
  // ApiError with the server's code and message.
  async function request(method, path, body) {
    const headers = { accept: 'application/json', authorization: `Bearer ${state.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError(0, 'network', `网络错误 · Network error: ${e.message}`);
    }
    if (!res.ok) {
      let code = `http_${res.status}`;
      let message = res.statusText;
      try {
        const j = await res.json();
        if (j && j.error) ({ code, message } = j.error);
      } catch (_) {
        /* not JSON */
      }
      if (res.status === 401 && state.me) {
        signOut('令牌无效或已失效，请重新登录。 · Your token is no longer valid: sign in again.');
      }
      throw new ApiError(res.status, code, message);
    }
    return res;
  }

  async function api(method, path, body) {
    const res = await request(method, path, body);
    return res.status === 204 ? null : res.json();
  }

  // ----------------------------------------------------------------- alerts
  let alertTimer;
  function showError(e, context) {
    const box = $('alert');
    let text;
    if (e && e.status === 409) {
      text = `${context || '操作失败 · Could not do that'}: 该工单已被其他客服接走或已不在待接入状态。 · Someone else has it or it is no longer pending. (${e.message})`;
    } else if (e && e.status === 404 && e.code === 'queue_empty') {
      text = '队列里没有待接入的工单。 · There are no pending tickets.';
    } else {
      text = `${context ? context + ': ' : ''}${(e && e.message) || e}`;
    }
    box.textContent = text;
    box.hidden = false;
    box.dataset.status = e && e.status ? String(e.status) : '';
    clearTimeout(alertTimer);
    alertTimer = setTimeout(() => (box.hidden = true), 12000);
  }
  function clearError() {
    $('alert').hidden = true;
  }

  // ---------------------------------------------------------------- sign in
  async function signIn(token) {
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

  // --------------------------------------------------------------- presence
  // Online or away, repeated every 30 s while the console is open: users in
  // the queue are told honestly when nobody is online, and a closed tab
  // stops counting after the server's presence timeout.
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
  $('presence').addEventListener('change', () => setPresence($('presence').value));

  function signOut(message) {
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

  // ------------------------------------------------------------------ queue
  function ageText(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
    const h = Math.floor(m / 60);
    if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
    return `${Math.floor(h / 24)}d ${h % 24}h`;
  }
  const ageOf = (ticket) => ticket.age_seconds + (Date.now() - state.fetchedAt) / 1000;

  function timeText(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    // Today: the time alone; otherwise the date too.
    return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
  }

  let queueSeq = 0;
  async function loadQueue() {
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

  function renderQueue() {
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
          el('span', { class: `prio ${t.priority}`, text: t.priority === 'urgent' ? '紧急 URGENT' : '普通 normal' }),
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

  async function claim(id) {
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

  // ----------------------------------------------------------------- ticket
  async function openTicket(id) {
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

  // ------------------------------------------------------------ agent assist
  // Beside the transcript: for each of the user's latest messages, what the
  // bot would answer with, sent with one click. Read again only when the
  // user has written something new.
  async function loadAssist(detail) {
    const users = detail.messages.filter((m) => m.author === 'user');
    const key = `${detail.ticket.id}:${users.length ? users[users.length - 1].id : 0}`;
    if (state.assistKey === key) return;
    state.assistKey = key;
    const r = await api('GET', `/v1/agent/tickets/${detail.ticket.id}/suggestions`);
    if (state.assistKey !== key) return;
    const said = new Map(users.map((m) => [m.id, m.text]));
    const items = ((r && r.messages) || []).slice().reverse();
    $('assist-empty').hidden = items.length > 0;
    $('assist').replaceChildren(
      ...items.map((a) =>
        el(
          'li',
          { 'data-testid': 'assist-message', 'data-message-id': a.message_id },
          el('p', { class: 'asked', title: said.get(a.message_id) || null, text: `“${said.get(a.message_id) || '…'}”` }),
          el(
            'ul',
            {},
            ...a.articles.map((article, i) =>
              el(
                'li',
                { class: 'assist-article', 'data-testid': 'assist-article', 'data-article-id': article.id },
                el(
                  'div',
                  { class: 'result-text' },
                  el('strong', { text: article.title }),
                  i === 0 ? el('span', { class: 'confidence', text: ` ${Math.round(a.confidence * 100)}%` }) : null,
                  el('p', { class: 'excerpt', text: article.excerpt }),
                ),
                insertButton(article, 'assist-insert'),
              ),
            ),
          ),
        ),
      ),
    );
  }

  // "Insert" beside an article (agent assist, article search): the next
  // reply carries it.
  function insertButton(article, testid) {
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
  function attach(article) {
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

  let ticketRefresh;
  function refreshTicketSoon() {
    clearTimeout(ticketRefresh);
    ticketRefresh = setTimeout(() => {
      if (state.currentId) openTicket(state.currentId).catch(() => {});
    }, 150);
  }

  function guessLang(messages) {
    const users = messages.filter((m) => m.author === 'user');
    const last = users[users.length - 1];
    return last && !/[\u3400-\u9fff]/.test(last.text) ? 'en' : 'zh';
  }

  function mineNow() {
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
        el('span', { class: `prio ${ticket.priority}`, text: ticket.priority === 'urgent' ? '紧急 URGENT' : '普通 normal' }),
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

  function messageItem(m) {
    const who =
      m.author === 'user'
        ? '用户 · User'
        : m.author === 'bot'
          ? '机器人 · Bot'
          : m.author === 'agent'
            ? `客服 · ${m.agent || 'agent'}`
            : `系统 · System${m.agent ? ` (${m.agent})` : ''}`;
    const item = el(
      'li',
      { class: `tm ${m.author}`, 'data-testid': 'message', 'data-author': m.author, 'data-message-id': m.id },
      el('div', { class: 'tm-head' }, el('span', { class: 'tm-who', text: who }), el('time', { datetime: m.created_at, text: timeText(m.created_at) })),
      el('div', { class: 'tm-text', text: m.text }),
    );
    const r = m.reply;
    if (m.author === 'agent' && r && r.article) {
      item.append(el('div', { class: 'tm-meta', 'data-testid': 'sent-article', text: `📎 ${r.article.title} (${r.article.id})` }));
    }
    if (m.author === 'bot' && r) {
      const meta = el('div', { class: 'tm-meta', 'data-testid': 'bot-meta' });
      meta.append(
        el('span', { class: `decision ${r.decision}`, text: label('decision', r.decision) }),
        el('span', { class: 'conf', text: `置信度 · confidence ${Math.round((r.confidence || 0) * 100)}%` }),
      );
      if (r.warning) meta.append(el('span', { class: 'warn', text: `⚠ ${label('warning', r.warning)}` }));
      if (r.handoff_reason) meta.append(el('span', { text: label('reason', r.handoff_reason) }));
      item.append(meta);
      const details = [];
      if (r.article) details.push(['文章 · Article', `${r.article.title} (${r.article.id})`]);
      if (r.suggestions && r.suggestions.length) {
        details.push(['建议 · Suggestions', r.suggestions.map((s) => `${s.title} (${s.id})`).join('；')]);
      }
      if (r.candidates && r.candidates.length) {
        details.push([
          '候选 · Candidates',
          r.candidates
            .slice(0, 5)
            .map((c) => `${c.id} ${Number(c.score).toFixed(2)}`)
            .join(' · '),
        ]);
      }
      if (details.length) {
        item.append(
          el('dl', { class: 'tm-details' }, ...details.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })])),
        );
      }
    }
    return item;
  }

  $('ticket-claim').addEventListener('click', () => state.currentId && claim(state.currentId));

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
  $('status-waiting').addEventListener('click', () => setStatus('waiting_on_user'));
  $('status-assigned').addEventListener('click', () => setStatus('assigned'));
  $('status-resolved').addEventListener('click', () => setStatus('resolved'));

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

  // --------------------------------------------------------- article links
  // A search snippet may mark the matched words; keep only the text and
  // <mark>/<b>/<em>, built as new nodes (nothing from the HTML runs).
  function safeSnippet(html) {
    const doc = new DOMParser().parseFromString(`<div>${html || ''}</div>`, 'text/html');
    const out = el('span', { class: 'snippet' });
    const walk = (from, to) => {
      for (const n of from.childNodes) {
        if (n.nodeType === Node.TEXT_NODE) to.append(n.textContent);
        else if (n.nodeType === Node.ELEMENT_NODE) {
          const tag = n.tagName.toLowerCase();
          if (tag === 'mark' || tag === 'b' || tag === 'em' || tag === 'strong') {
            const copy = el(tag === 'mark' ? 'mark' : 'strong');
            walk(n, copy);
            to.append(copy);
          } else walk(n, to);
        }
      }
    };
    walk(doc.body.firstChild || doc.body, out);
    return out;
  }

  let searchTimer;
  let searchSeq = 0;
  async function searchArticles() {
    const q = $('article-search').value.trim();
    const seq = ++searchSeq;
    const results = $('article-results');
    if (!q) {
      results.replaceChildren();
      return;
    }
    try {
      const params = new URLSearchParams({ q, lang: $('article-lang').value });
      const r = await api('GET', `/v1/search?${params}`);
      if (seq !== searchSeq) return;
      const items = (r && r.results) || [];
      results.replaceChildren(
        ...(items.length
          ? items.slice(0, 8).map((a) =>
              el(
                'li',
                { 'data-testid': 'article-result', 'data-article-id': a.id },
                insertButton(a, 'article-insert'),
                el('div', { class: 'result-text' }, el('strong', { text: a.title }), safeSnippet(a.snippet_html)),
              ),
            )
          : [el('li', { class: 'muted', text: '没有找到文章 · No articles found' })]),
      );
    } catch (e) {
      if (seq === searchSeq) results.replaceChildren(el('li', { class: 'form-error', text: `搜索失败 · Search failed: ${e.message}` }));
    }
  }
  $('article-search').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(searchArticles, 250);
  });
  $('article-search').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      clearTimeout(searchTimer);
      searchArticles();
    }
  });
  $('article-lang').addEventListener('change', searchArticles);

  // ------------------------------------------------------------- live feed
  async function readEvents(body, onEvent) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = { type: 'message', data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buffer);
        if (!m || (m[0] === '\r' && m.index === buffer.length - 1)) break;
        const line = buffer.slice(0, m.index);
        buffer = buffer.slice(m.index + m[0].length);
        if (line === '') {
          if (event.data.length) onEvent({ type: event.type, data: event.data.join('\n') });
          event = { type: 'message', data: [] };
        } else if (line[0] !== ':') {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let val = colon < 0 ? '' : line.slice(colon + 1);
          if (val[0] === ' ') val = val.slice(1);
          if (field === 'event') event.type = val;
          else if (field === 'data') event.data.push(val);
        }
      }
    }
  }

  function setLive(mode) {
    state.live = mode;
    const live = $('live');
    live.dataset.state = mode;
    live.textContent =
      mode === 'live' ? '● 实时 · Live' : mode === 'polling' ? '◌ 轮询 · Polling' : '○ 重连中 · Reconnecting';
  }

  let queueRefresh;
  function refreshQueueSoon() {
    clearTimeout(queueRefresh);
    queueRefresh = setTimeout(() => loadQueue().catch(() => {}), 150);
  }

  function stopEvents() {
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

  function startEvents() {
    stopEvents();
    const controller = new AbortController();
    state.stream = controller;
    (async () => {
      let delay = 1000;
      while (!controller.signal.aborted) {
        let watchdog;
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
          const arm = () => {
            clearTimeout(watchdog);
            watchdog = setTimeout(() => attempt.abort(), 45000);
          };
          arm();
          const body = res.body.pipeThrough(new TransformStream({ transform: (c, out) => (arm(), out.enqueue(c)) }));
          await readEvents(body, (ev) => {
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
          });
        } catch (_) {
          /* dropped: reconnect */
        } finally {
          clearTimeout(watchdog);
          controller.signal.removeEventListener('abort', abort);
        }
        if (controller.signal.aborted) return;
        setLive('reconnecting');
        await sleep(delay * (0.75 + Math.random() * 0.5));
        delay = Math.min(delay * 2, 30000);
      }
    })();
  }

  window.addEventListener('online', () => state.me && state.live !== 'live' && state.live !== 'polling' && startEvents());

  // --------------------------------------------------------------- insights
  // Admins only (the server says 403 to others). Charts are SVG drawn by the
  // server, fetched with the token and shown through <img>, so nothing in
  // them can run.
  function showView(view) {
    for (const tab of document.querySelectorAll('.view-tab')) {
      tab.setAttribute('aria-pressed', String(tab.dataset.view === view));
    }
    $('console').hidden = view !== 'console';
    $('insights').hidden = view !== 'insights';
    if (view === 'insights') loadInsights().catch((e) => showError(e, '数据洞察 · Insights'));
  }
  for (const tab of document.querySelectorAll('.view-tab')) {
    tab.addEventListener('click', () => showView(tab.dataset.view));
  }

  const insightsQuery = (extra) => {
    const q = new URLSearchParams({ since: $('insights-range').value, lang: $('insights-lang').value, ...extra });
    return q.toString();
  };

  const fetchBlob = async (path) => (await request('GET', path)).blob();

  const chartUrls = {};
  async function showChart(name) {
    const blob = await fetchBlob(`/admin/analytics/charts/${name}?${insightsQuery()}`);
    if (chartUrls[name]) URL.revokeObjectURL(chartUrls[name]);
    chartUrls[name] = URL.createObjectURL(blob);
    $(`chart-${name}`).src = chartUrls[name];
  }

  const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
  const secs = (d) =>
    d.count ? `${ageText(d.median_seconds)} / ${ageText(d.p90_seconds)}` : '—';

  function fillTable(id, rows) {
    const body = document.querySelector(`[data-testid="${id}"] tbody`);
    body.replaceChildren(
      ...(rows.length
        ? rows.map((cells) => el('tr', {}, ...cells.map((c) => el('td', { text: String(c) }))))
        : [el('tr', {}, el('td', { colspan: 5, class: 'muted', text: '没有数据 · Nothing in this range' }))]),
    );
  }

  // CSAT as agents read it: the share satisfied (4–5 of 5), the mean and
  // how many ratings it stands on.
  function csat(r) {
    return r && r.rated ? `${pct(r.csat)} (${r.average.toFixed(1)}/5, ${r.rated})` : '—';
  }

  async function loadInsights() {
    const r = await api('GET', `/admin/analytics?${insightsQuery()}`);
    $('insights-range-text').textContent = `${new Date(r.from).toLocaleString()} – ${new Date(r.to).toLocaleString()}`;
    const q = r.questions;
    const cards = [
      ['asked', '问题 · Questions', q.asked],
      ['deflection', '机器人解决率 · Deflection', pct(q.deflection_rate)],
      ['handed-off', '转人工 · Handed off', q.handed_off],
      ['helpful', '好评率 · Helpful', pct(q.helpful_rate)],
      ['tickets', '工单 · Tickets', r.tickets.created],
      ['first-reply', '首次回复中位 · First reply (median)', r.tickets.first_reply.count ? ageText(r.tickets.first_reply.median_seconds) : '—'],
      ['csat', '满意度 · CSAT', csat(r.satisfaction.ratings)],
    ];
    $('insights-cards').replaceChildren(
      ...cards.map(([key, name, value]) =>
        el('div', { class: 'stat', 'data-testid': `stat-${key}` }, el('dt', { text: name }), el('dd', { text: String(value) })),
      ),
    );
    fillTable('unanswered', r.unanswered.map((u) => [u.question, u.count, timeText(u.last_asked), u.nearest_title || u.nearest_article || '—']));
    fillTable('articles', r.articles.map((a) => [a.title, a.helpful, a.not_helpful, pct(a.helpful_rate)]));
    fillTable('agents', r.agents.map((a) => [a.agent, a.tickets, a.resolved, secs(a.first_reply), secs(a.resolution), csat(a.satisfaction)]));
    fillTable(
      'satisfaction',
      r.satisfaction.daily.filter((d) => d.rated > 0).map((d) => [d.date, d.rated, d.average.toFixed(1), pct(d.csat)]),
    );
    fillTable('tickets', r.tickets.by_status.map((t) => [label('priority', t.priority), label('status', t.status), t.count]));
    $('ticket-times').textContent =
      `首次回复 中位/P90 · First reply median/p90: ${secs(r.tickets.first_reply)}；解决 · Resolution: ${secs(r.tickets.resolution)}`;
    await Promise.all([showChart('daily'), showChart('topics'), loadGaps()]);
  }

  const SUGGESTION = {
    write_article: '写新文章 · Write an article',
    add_questions: '加入该文章的相似问题 · Add as similar questions',
  };

  async function loadGaps() {
    const since = $('insights-range').value;
    const { gaps } = await api('GET', `/admin/gaps?since=${encodeURIComponent(since)}`);
    const body = document.querySelector('[data-testid="gaps"] tbody');
    if (!gaps.length) {
      body.replaceChildren(el('tr', {}, el('td', { colspan: 5, class: 'muted', text: '没有数据 · Nothing in this range' })));
      return;
    }
    body.replaceChildren(
      ...gaps.map((g) => {
        const examples = el('ul', { class: 'gap-questions' }, ...g.questions.map((q) => el('li', { text: q.count > 1 ? `${q.text} ×${q.count}` : q.text })));
        const nearest = g.nearest_article
          ? `${g.nearest_title || g.nearest_article} (${(g.nearest_confidence * 100).toFixed(0)}%)`
          : '—';
        const draft = el('button', {
          type: 'button',
          class: 'btn ghost small',
          'data-testid': 'gap-draft',
          text: '草稿 · Draft',
          onclick: async () => {
            try {
              download(await fetchBlob(`/admin/gaps/${encodeURIComponent(g.id)}/draft?since=${encodeURIComponent(since)}`), `draft-${g.id}.md`);
            } catch (e) {
              showError(e, '草稿 · Draft');
            }
          },
        });
        return el(
          'tr',
          { 'data-testid': 'gap', 'data-gap-id': g.id },
          el('td', {}, examples),
          el('td', { text: String(g.asked) }),
          el('td', { text: nearest }),
          el('td', { text: SUGGESTION[g.suggestion] || g.suggestion }),
          el('td', {}, draft),
        );
      }),
    );
  }

  function download(blob, name) {
    const a = el('a', { href: URL.createObjectURL(blob), download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  for (const button of document.querySelectorAll('[data-export]')) {
    button.addEventListener('click', async () => {
      try {
        const table = button.dataset.export;
        download(await fetchBlob(`/admin/analytics?${insightsQuery({ format: 'csv', table })}`), `kefu-${table}.csv`);
      } catch (e) {
        showError(e, '导出 · Export');
      }
    });
  }
  $('insights-json').addEventListener('click', async () => {
    try {
      download(await fetchBlob(`/admin/analytics?${insightsQuery()}`), 'kefu-analytics.json');
    } catch (e) {
      showError(e, '导出 · Export');
    }
  });
  for (const id of ['insights-range', 'insights-lang']) {
    $(id).addEventListener('change', () => loadInsights().catch((e) => showError(e, '数据洞察 · Insights')));
  }

  // ------------------------------------------------------------------ start
  if (state.token) {
    signIn(state.token).catch((e) => signOut(e.status === 401 ? '令牌无效，请重新登录。 · Token not valid: sign in again.' : e.message));
  } else {
    signOut();
  }
})();
