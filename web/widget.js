/*
 * kefu chat widget. Embed with one tag:
 *
 *   <script src="https://help.example.com/widget.js" data-kefu-url="https://help.example.com" defer></script>
 *
 * data-kefu-url is optional (default: the origin the script was loaded from).
 * Optional too: data-lang="zh|en" (default: the browser's language) and
 * data-open="true" (open the panel at once). Any element of the host page
 * with a data-kefu-open attribute opens the chat when clicked.
 *
 * Everything renders inside a shadow root, so the host page's CSS cannot
 * reach it; the styles come from `${kefuUrl}/static/widget.css`. Plain ES2020,
 * no dependencies, no build step. Text from users, agents and the bot is
 * always set with textContent; the only HTML inserted is the article body
 * from /v1/articles, which the server sanitizes.
 */
(() => {
  'use strict';

  if (window.__kefuWidget) return; // loaded twice: keep the first
  const script =
    document.currentScript ||
    Array.from(document.querySelectorAll('script[src]')).find((s) => /\/widget\.js(\?|#|$)/.test(s.src));
  const scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  const kefuUrl = ((script && script.dataset.kefuUrl) || scriptOrigin).replace(/\/+$/, '');
  const storeKey = `kefu:${kefuUrl}`;

  // ---------------------------------------------------------------- strings
  const STRINGS = {
    zh: {
      title: '在线客服',
      subtitleBot: '智能助手 · 7×24 小时在线',
      subtitleWaiting: '正在为您转接人工客服…',
      subtitleAgent: (n) => `客服 ${n} 正在为您服务`,
      open: '打开在线客服',
      close: '关闭客服窗口',
      langSwitch: 'EN',
      langSwitchLabel: 'EN: switch to English',
      inputLabel: '输入您的问题',
      placeholder: '请输入您的问题，例如“怎么提币”',
      send: '发送',
      handoff: '转人工',
      handoffLabel: '转人工客服：和真人对话',
      greeting: '您好！我是智能客服，请问有什么可以帮您？也可以直接点击下面的常见问题。',
      quickReplies: '常见问题',
      suggestions: '请选择您想问的问题',
      readMore: '阅读全文',
      hideArticle: '收起全文',
      openArticle: '在帮助中心打开',
      loadingArticle: '正在加载文章…',
      helpful: '这个回答有帮助吗？',
      helpfulYes: '有帮助',
      helpfulNo: '没有帮助',
      thanks: '感谢您的反馈！',
      thinking: '智能客服正在查找答案…',
      sending: '正在发送…',
      bot: '智能客服',
      you: '我',
      agent: (n) => `客服 ${n}`,
      system: '系统消息',
      joined: (n) => `客服 ${n} 已接入，您现在是在和真人对话。`,
      waiting: '已为您转接人工客服，请留在此页面，客服会在这里回复您。',
      queued: '已为您转接人工客服。',
      place: (n) => `您前面还有 ${n - 1} 位用户，您是第 ${n} 位。`,
      next: '您是下一位。',
      eta: (m) => (m <= 1 ? '预计等待不到 1 分钟。' : `预计等待约 ${m} 分钟。`),
      noEta: '客服会尽快为您服务。',
      nobody: '现在没有客服在线。',
      closed: (h) => (h ? `现在不是人工客服时间（服务时间：${h}）。` : '现在不是人工客服时间。'),
      kept: '您的问题已保存，留下邮箱，客服上线后会通过邮件回复您。',
      cancelHandoff: '取消转人工',
      cancelHandoffText: '取消转人工',
      stillHelping: '等待期间也可以继续问我。',
      rateAgent: '这次人工服务您满意吗？',
      stars: (n) => `${n} 星（共 5 星）`,
      rateThanks: '谢谢您的评价！',
      rateComment: '还有什么想告诉我们的吗？（可选）',
      rateSend: '发送',
      rateSent: '已收到，谢谢！',
      emailLabel: '您的邮箱',
      emailSend: '提交',
      emailBad: '请输入正确的邮箱地址。',
      emailKept: (e) => `好的，客服会发邮件到 ${e} 回复您。您也可以留在此页面等待。`,
      whileYouWait: '等待期间可以先看看：',
      warningSecret: '安全警告：请勿泄露助记词或私钥',
      warningScam: '诈骗警告',
      learnScams: '了解如何识别诈骗',
      reconnecting: '连接已断开，正在重新连接…',
      notSent: '发送失败',
      retry: '重试',
      error: '出了点问题，请稍后再试。',
      rateLimited: '发送太频繁了，请稍等片刻再试。',
      tooLong: '消息太长了，请精简后再发送。',
      unread: (n) => `${n} 条新消息`,
      redactedSeed: '🔒 助记词（已隐藏）',
      redactedKey: '🔒 私钥（已隐藏）',
    },
    en: {
      title: 'Help chat',
      subtitleBot: 'Assistant · available 24/7',
      subtitleWaiting: 'Connecting you to a person…',
      subtitleAgent: (n) => `${n} is helping you`,
      open: 'Open help chat',
      close: 'Close help chat',
      langSwitch: '中',
      langSwitchLabel: '中：切换到中文',
      inputLabel: 'Your question',
      placeholder: 'Ask a question, e.g. "fees"',
      send: 'Send',
      handoff: 'Talk to a person',
      handoffLabel: 'Talk to a person: hand this chat to a support agent',
      greeting: "Hi! I'm the help assistant. Ask me anything, or tap a common question below.",
      quickReplies: 'Common questions',
      suggestions: 'Pick the question you mean',
      readMore: 'Read the full article',
      hideArticle: 'Hide the article',
      openArticle: 'Open in the help center',
      loadingArticle: 'Loading the article…',
      helpful: 'Was this helpful?',
      helpfulYes: 'Helpful',
      helpfulNo: 'Not helpful',
      thanks: 'Thanks for your feedback!',
      thinking: 'Looking for an answer…',
      sending: 'Sending…',
      bot: 'Assistant',
      you: 'You',
      agent: (n) => `${n} (support)`,
      system: 'Notice',
      joined: (n) => `${n} has joined: you are now chatting with a person.`,
      waiting: "You're in the queue for a person. Please stay on this page: an agent will reply here.",
      queued: "You're in the queue for a person.",
      place: (n) => `You are number ${n} in line.`,
      next: "You're next in line.",
      eta: (m) => (m <= 1 ? 'Estimated wait: under a minute.' : `Estimated wait: about ${m} minutes.`),
      noEta: 'An agent will be with you as soon as possible.',
      nobody: 'No agent is online right now.',
      closed: (h) => (h ? `Our agents are offline now (service hours: ${h}).` : 'Our agents are offline now.'),
      kept: "Your request is saved. Leave your e-mail and we'll reply there when an agent is back.",
      cancelHandoff: 'Cancel the request',
      cancelHandoffText: 'cancel the request for a person',
      stillHelping: 'You can keep asking me while you wait.',
      rateAgent: 'How did our agent do?',
      stars: (n) => `${n} of 5 stars`,
      rateThanks: 'Thank you for rating us!',
      rateComment: 'Anything else to tell us? (optional)',
      rateSend: 'Send',
      rateSent: 'Got it, thank you!',
      emailLabel: 'Your e-mail',
      emailSend: 'Send',
      emailBad: 'Please enter a valid e-mail address.',
      emailKept: (e) => `Thanks: an agent will reply to ${e}. You can also stay on this page.`,
      whileYouWait: 'While you wait: ',
      warningSecret: 'Security warning: never share your seed phrase or private key',
      warningScam: 'Scam warning',
      learnScams: 'How to recognize scams',
      reconnecting: 'Connection lost. Reconnecting…',
      notSent: 'Not sent',
      retry: 'Retry',
      error: 'Something went wrong. Please try again.',
      rateLimited: "You're sending messages too fast. Please wait a moment.",
      tooLong: 'That message is too long. Please shorten it.',
      unread: (n) => `${n} new message${n === 1 ? '' : 's'}`,
      redactedSeed: '🔒 seed phrase (hidden)',
      redactedKey: '🔒 private key (hidden)',
    },
  };

  // ------------------------------------------------------------ small utils
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
  const svg = (path, size = 22) => {
    const ns = 'http://www.w3.org/2000/svg';
    const s = document.createElementNS(ns, 'svg');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('width', size);
    s.setAttribute('height', size);
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('focusable', 'false');
    const p = document.createElementNS(ns, 'path');
    p.setAttribute('d', path);
    p.setAttribute('fill', 'currentColor');
    s.append(p);
    return s;
  };
  const ICON_CHAT =
    'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8.4L4 21.5V18a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z';
  const ICON_CLOSE =
    'M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 1 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z';
  const ICON_SEND = 'M3.4 20.4 21 12 3.4 3.6 3.4 10.1 16 12 3.4 13.9z';
  const ICON_PERSON =
    'M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zm0 2c-4.4 0-8 2.2-8 5v1.5h16V19c0-2.8-3.6-5-8-5z';
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const readJson = (key, fallback) => {
    try {
      const v = localStorage.getItem(key);
      return v ? JSON.parse(v) : fallback;
    } catch (_) {
      return fallback;
    }
  };
  const writeJson = (key, value) => {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (_) {
      /* private mode or full: the chat still works, it just won't survive a reload */
    }
  };
  const absoluteUrl = (url) => {
    try {
      return new URL(url, kefuUrl + '/').href;
    } catch (_) {
      return kefuUrl;
    }
  };

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message || code || `HTTP ${status}`);
      this.status = status;
      this.code = code;
    }
  }

  // Server-Sent Events over fetch(): EventSource cannot send Authorization.
  async function readEvents(response, onEvent) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = { type: 'message', data: [], id: null };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buffer);
        if (!m) break;
        if (m[0] === '\r' && m.index === buffer.length - 1) break; // maybe \r\n split across chunks
        const line = buffer.slice(0, m.index);
        buffer = buffer.slice(m.index + m[0].length);
        if (line === '') {
          if (event.data.length) onEvent({ type: event.type, data: event.data.join('\n'), id: event.id });
          event = { type: 'message', data: [], id: null };
        } else if (line[0] !== ':') {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let val = colon < 0 ? '' : line.slice(colon + 1);
          if (val[0] === ' ') val = val.slice(1);
          if (field === 'event') event.type = val;
          else if (field === 'data') event.data.push(val);
          else if (field === 'id') event.id = val;
        }
      }
    }
  }

  // ------------------------------------------------------------------ state
  const prefs = readJson(`${storeKey}:prefs`, {});
  const pageLang = (script && script.dataset.lang) || '';
  const state = {
    lang: prefs.lang || (/^zh/i.test(pageLang || navigator.language || '') ? 'zh' : /^en/i.test(pageLang) ? 'en' : /^zh/i.test(navigator.language || '') ? 'zh' : 'en'),
    session: readJson(`${storeKey}:session`, null), // {id, secret}
    rated: {}, // message id -> true/false
    messages: new Map(), // id -> {dto, node}
    pending: [], // local user messages not yet confirmed: {text, node, articleId}
    lastId: 0,
    mode: 'bot', // bot | waiting | agent
    agentName: null,
    queue: null, // QueueStatus while waiting for a person
    open: false,
    busy: 0,
    unread: 0,
    loaded: false, // transcript fetched
    stream: null, // AbortController of the live stream
    streamUp: false,
    quickReplies: null,
  };
  if (state.session) state.rated = readJson(`${storeKey}:rated:${state.session.id}`, {});
  const t = () => STRINGS[state.lang];

  // -------------------------------------------------------------------- api
  async function api(method, path, body, { auth = true, signal } = {}) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth && state.session) headers.authorization = `Bearer ${state.session.secret}`;
    let res;
    try {
      res = await fetch(kefuUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        credentials: 'omit',
        mode: 'cors',
      });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, 'network', e.message);
    }
    if (!res.ok) {
      let code = 'http_' + res.status;
      let message = res.statusText;
      try {
        const j = await res.json();
        if (j && j.error) ({ code, message } = j.error);
      } catch (_) {
        /* not JSON */
      }
      throw new ApiError(res.status, code, message);
    }
    if (res.status === 204) return null;
    return res.json();
  }

  async function ensureSession() {
    if (state.session) return state.session;
    const created = await api('POST', '/v1/sessions', { channel: 'widget', locale: state.lang }, { auth: false });
    state.session = { id: created.id, secret: created.secret };
    state.rated = {};
    writeJson(`${storeKey}:session`, state.session);
    state.loaded = true;
    startStream();
    return state.session;
  }

  function forgetSession() {
    stopStream();
    if (state.session) writeJson(`${storeKey}:rated:${state.session.id}`, null);
    writeJson(`${storeKey}:session`, null);
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

  // ------------------------------------------------------------------- DOM
  const host = document.createElement('kefu-chat');
  host.style.cssText = 'all: initial !important;';
  host.setAttribute('data-kefu-widget', '');
  const root = host.attachShadow({ mode: 'open' });
  const link = el('link', { rel: 'stylesheet', href: `${kefuUrl}/static/widget.css` });
  const frame = el('div', { class: 'kefu', hidden: true, lang: state.lang });
  link.addEventListener('load', () => (frame.hidden = false));
  link.addEventListener('error', () => (frame.hidden = false));
  root.append(link, frame);

  const ui = {};
  ui.badge = el('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
  ui.launcher = el(
    'button',
    { type: 'button', class: 'launcher', 'data-testid': 'launcher', 'aria-expanded': 'false', 'aria-controls': 'kefu-panel' },
    svg(ICON_CHAT, 28),
    ui.badge,
  );
  ui.title = el('h2', { class: 'title', id: 'kefu-title' });
  ui.subtitle = el('p', { class: 'subtitle', 'data-testid': 'status' });
  ui.lang = el('button', { type: 'button', class: 'icon-btn lang', 'data-testid': 'lang-switch' });
  ui.close = el('button', { type: 'button', class: 'icon-btn', 'data-testid': 'close' }, svg(ICON_CLOSE, 20));
  ui.banner = el('div', { class: 'banner', hidden: true, role: 'status' });
  ui.offline = el('div', { class: 'offline', hidden: true, role: 'status', 'data-testid': 'reconnecting' });
  ui.welcome = el('div', { class: 'welcome' });
  ui.list = el('div', {
    class: 'messages',
    'data-testid': 'messages',
    role: 'log',
    'aria-live': 'polite',
    'aria-relevant': 'additions',
    tabindex: '0',
  });
  ui.typing = el('div', { class: 'typing', hidden: true, 'data-testid': 'typing', role: 'status' });
  ui.scroller = el('div', { class: 'scroller' }, ui.welcome, ui.list, ui.typing);
  ui.handoff = el(
    'button',
    { type: 'button', class: 'handoff', 'data-testid': 'handoff-button' },
    svg(ICON_PERSON, 16),
    el('span'),
  );
  ui.toolbar = el('div', { class: 'toolbar' }, ui.handoff);
  ui.inputLabel = el('label', { for: 'kefu-input', class: 'sr-only' });
  ui.input = el('textarea', { id: 'kefu-input', rows: '1', 'data-testid': 'input', maxlength: '2000', autocomplete: 'off' });
  ui.send = el('button', { type: 'submit', class: 'send', 'data-testid': 'send' }, svg(ICON_SEND, 20));
  ui.form = el('form', { class: 'composer' }, ui.inputLabel, ui.input, ui.send);
  ui.panel = el(
    'section',
    { class: 'panel', id: 'kefu-panel', 'data-testid': 'panel', role: 'dialog', 'aria-labelledby': 'kefu-title', hidden: true },
    el(
      // Not a <header>: inside the host page it would be a second banner.
      'div',
      { class: 'header' },
      el('div', { class: 'avatar', 'aria-hidden': 'true' }, svg(ICON_CHAT, 20)),
      el('div', { class: 'heading' }, ui.title, ui.subtitle),
      ui.lang,
      ui.close,
    ),
    ui.banner,
    ui.offline,
    ui.scroller,
    ui.toolbar,
    ui.form,
  );
  frame.append(ui.panel, ui.launcher);

  function renderStatic() {
    const s = t();
    frame.setAttribute('lang', state.lang === 'zh' ? 'zh-CN' : 'en');
    ui.launcher.setAttribute('aria-label', state.unread ? `${s.open} (${s.unread(state.unread)})` : s.open);
    ui.title.textContent = s.title;
    ui.lang.textContent = s.langSwitch;
    ui.lang.setAttribute('aria-label', s.langSwitchLabel);
    ui.lang.setAttribute('lang', state.lang === 'zh' ? 'en' : 'zh-CN');
    ui.close.setAttribute('aria-label', s.close);
    ui.handoff.querySelector('span').textContent = s.handoff;
    ui.handoff.setAttribute('aria-label', s.handoffLabel);
    ui.inputLabel.textContent = s.inputLabel;
    ui.input.placeholder = s.placeholder;
    ui.send.setAttribute('aria-label', s.send);
    ui.offline.textContent = s.reconnecting;
    ui.list.setAttribute('aria-label', s.title);
    renderMode();
    renderWelcome();
    renderTyping();
    // Feedback prompts and labels under answers follow the UI language too.
    for (const { dto, node } of state.messages.values()) {
      for (const n of node.querySelectorAll('[data-i18n]')) {
        const v = s[n.dataset.i18n];
        if (typeof v === 'string') n.textContent = v;
      }
      for (const n of node.querySelectorAll('[data-i18n-label]')) {
        const v = s[n.dataset.i18nLabel];
        if (typeof v === 'string') n.setAttribute('aria-label', v);
      }
      const who = node.querySelector('.who');
      if (who) who.textContent = authorLabel(dto);
    }
  }

  function renderMode() {
    const s = t();
    if (state.mode === 'agent') {
      ui.subtitle.textContent = s.subtitleAgent(state.agentName || '');
      ui.banner.hidden = false;
      ui.banner.className = 'banner joined';
      ui.banner.setAttribute('data-testid', 'agent-joined');
      ui.banner.replaceChildren(svg(ICON_PERSON, 18), el('span', { text: s.joined(state.agentName || '') }));
    } else if (state.mode === 'waiting') {
      ui.subtitle.textContent = s.subtitleWaiting;
      ui.banner.hidden = false;
      ui.banner.className = 'banner waiting';
      ui.banner.setAttribute('data-testid', 'waiting');
      ui.banner.replaceChildren(el('span', { class: 'spinner', 'aria-hidden': 'true' }), waitingText(), cancelButton());
    } else {
      ui.subtitle.textContent = s.subtitleBot;
      ui.banner.hidden = true;
      ui.banner.removeAttribute('data-testid');
      ui.banner.replaceChildren();
    }
    // Asking for a person is offered only while the bot is talking: waiting
    // users have the cancel action, and a person is already there otherwise.
    ui.toolbar.hidden = state.mode !== 'bot';
    frame.dataset.mode = state.mode;
  }

  // While waiting, the bot keeps answering; the user may withdraw the
  // request (it is a message, so the transcript shows it).
  function cancelButton() {
    const s = t();
    return el('button', {
      type: 'button',
      class: 'link-btn cancel-handoff',
      'data-testid': 'cancel-handoff',
      text: s.cancelHandoff,
      onclick: () => send(s.cancelHandoffText),
    });
  }

  // What a user waiting for a person is told: their place and the wait
  // while agents are there; otherwise, honestly, that nobody is, with a
  // form to leave an e-mail address.
  function waitingText() {
    const s = t();
    const q = state.queue;
    const box = el('div', { class: 'waiting-text', 'data-testid': 'queue-status' });
    if (!q || q.status !== 'pending') {
      box.append(el('span', { text: s.waiting }));
      return box;
    }
    box.dataset.position = String(q.position);
    box.append(el('span', { text: `${s.queued} ${s.stillHelping}` }));
    const staffed = q.open && q.agents_online > 0;
    if (staffed) {
      const place = q.position === 1 ? s.next : s.place(q.position);
      const eta = q.estimated_wait_seconds == null ? s.noEta : s.eta(Math.ceil(q.estimated_wait_seconds / 60));
      box.append(el('span', { class: 'kept', 'data-testid': 'queue-place', text: `${place} ${eta}` }));
      return box;
    }
    box.append(el('span', { 'data-testid': 'queue-nobody', text: q.open ? s.nobody : s.closed(q.service_hours) }));
    if (q.contact_email) {
      box.append(el('span', { class: 'kept', 'data-testid': 'contact-kept', text: s.emailKept(q.contact_email) }));
      return box;
    }
    box.append(el('span', { class: 'kept', text: s.kept }));
    const input = el('input', { type: 'email', id: 'kefu-email', autocomplete: 'email', required: true, maxlength: '254', 'data-testid': 'contact-email' });
    const problem = el('span', { class: 'form-problem', role: 'alert', hidden: true });
    const form = el(
      'form',
      { class: 'contact', novalidate: true, 'data-testid': 'contact-form' },
      el('label', { class: 'sr-only', for: 'kefu-email', text: s.emailLabel }),
      input,
      el('button', { type: 'submit', class: 'contact-send', 'data-testid': 'contact-send', text: s.emailSend }),
      problem,
    );
    input.placeholder = s.emailLabel;
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      problem.hidden = true;
      try {
        const status = await api('POST', `/v1/sessions/${state.session.id}/contact`, { email: input.value.trim() });
        setQueue(status);
      } catch (err) {
        problem.textContent = err && err.status === 422 ? s.emailBad : errorText(err);
        problem.hidden = false;
        input.focus();
      }
    });
    box.append(form);
    return box;
  }

  function setQueue(queue) {
    const before = JSON.stringify(state.queue);
    state.queue = queue || null;
    if (JSON.stringify(state.queue) === before) return;
    // Typing in the e-mail field must not be lost to a redraw.
    const typing = document.activeElement && document.activeElement.id === 'kefu-email';
    if (state.mode === 'waiting' && !(typing && state.queue && !state.queue.contact_email)) renderMode();
  }

  function renderWelcome() {
    const s = t();
    const children = [
      el(
        'div',
        { class: 'msg bot' },
        el('div', { class: 'who', text: s.bot }),
        el('div', { class: 'bubble' }, el('p', { text: s.greeting })),
      ),
    ];
    const empty = state.messages.size === 0 && state.pending.length === 0;
    if (empty && state.quickReplies && state.quickReplies.lang === state.lang && state.quickReplies.items.length) {
      children.push(
        chipGroup(
          s.quickReplies,
          state.quickReplies.items.map((i) => ({ id: i.article_id, label: i.label })),
          'quick',
        ),
      );
    }
    ui.welcome.replaceChildren(...children);
    if (empty && state.open && (!state.quickReplies || state.quickReplies.lang !== state.lang)) loadQuickReplies();
  }

  async function loadQuickReplies() {
    const lang = state.lang;
    if (state.quickRepliesLoading === lang) return;
    state.quickRepliesLoading = lang;
    try {
      const r = await api('GET', `/v1/quick-replies?lang=${lang}`, undefined, { auth: false });
      state.quickReplies = { lang, items: (r && r.items) || [] };
    } catch (_) {
      state.quickReplies = { lang, items: [] };
    } finally {
      state.quickRepliesLoading = null;
    }
    if (lang === state.lang) renderWelcome();
  }

  // The suggestions follow the bot's own "which of these do you mean?", so
  // their label is for screen readers only: on screen it would say it twice.
  function chipGroup(label, items, kind) {
    const labelId = `kefu-chips-${Math.random().toString(36).slice(2)}`;
    const labelClass = kind === 'suggest' ? 'chips-label sr-only' : 'chips-label';
    return el(
      'div',
      { class: `chips ${kind}`, role: 'group', 'aria-labelledby': labelId },
      el('div', { class: labelClass, id: labelId, text: label }),
      ...items.map((item) =>
        el('button', {
          type: 'button',
          class: 'chip',
          'data-testid': 'chip',
          'data-article-id': item.id,
          text: item.label,
          onclick: () => send(item.label, item.id),
        }),
      ),
    );
  }

  function renderTyping() {
    const waitingForBot = state.busy > 0;
    ui.typing.hidden = !waitingForBot;
    if (waitingForBot) {
      ui.typing.replaceChildren(
        el('span', { class: 'dots', 'aria-hidden': 'true' }, el('i'), el('i'), el('i')),
        el('span', { class: 'typing-text', text: state.mode === 'bot' ? t().thinking : t().sending }),
      );
      scrollToEnd();
    }
  }

  function scrollToEnd() {
    requestAnimationFrame(() => {
      ui.scroller.scrollTop = ui.scroller.scrollHeight;
    });
  }

  function authorLabel(dto) {
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

  // What a system message announces (`reply.event`, set by the server).
  const systemEvent = (dto) => (dto.author === 'system' && dto.reply && dto.reply.event) || null;

  // --------------------------------------------------------------- messages
  function renderText(text, container) {
    // Paragraphs and line breaks, as text nodes only.
    for (const para of String(text || '').split(/\n{2,}/)) {
      if (!para.trim()) continue;
      const p = el('p');
      para.split('\n').forEach((line, i) => {
        if (i) p.append(el('br'));
        p.append(document.createTextNode(line));
      });
      container.append(p);
    }
  }

  // What the bot says before its reply (a pasted address checked, a TxID's
  // explorer link, the numbers asked for): text, with its https links made
  // links.
  function renderNotes(notes, container) {
    for (const note of notes) {
      for (const para of String(note).split(/\n{2,}/)) {
        const p = el('p', { class: 'note', 'data-testid': 'note' });
        para.split('\n').forEach((line, i) => {
          if (i) p.append(el('br'));
          let last = 0;
          for (const m of line.matchAll(/https:\/\/[^\s<>"']+/g)) {
            p.append(document.createTextNode(line.slice(last, m.index)));
            p.append(el('a', { href: m[0], target: '_blank', rel: 'noopener noreferrer', text: m[0] }));
            last = m.index + m[0].length;
          }
          p.append(document.createTextNode(line.slice(last)));
        });
        container.append(p);
      }
    }
  }

  function articleCard(article, withBody) {
    const s = t();
    const url = absoluteUrl(article.url || `/help/articles/${article.id}`);
    const body = el('div', { class: 'article-body', hidden: true, 'data-testid': 'article-body' });
    const excerpt = withBody && article.excerpt ? el('p', { class: 'excerpt', text: article.excerpt }) : null;
    const toggle = el('button', {
      type: 'button',
      class: 'link-btn',
      'data-testid': 'read-more',
      'aria-expanded': 'false',
      'data-i18n': 'readMore',
      text: s.readMore,
    });
    toggle.addEventListener('click', async () => {
      const opening = toggle.getAttribute('aria-expanded') !== 'true';
      toggle.setAttribute('aria-expanded', String(opening));
      toggle.dataset.i18n = opening ? 'hideArticle' : 'readMore';
      toggle.textContent = opening ? t().hideArticle : t().readMore;
      body.hidden = !opening;
      if (excerpt) excerpt.hidden = opening; // the body starts with it
      if (!opening || body.dataset.loaded) return;
      body.replaceChildren(el('p', { class: 'muted', text: t().loadingArticle }));
      try {
        const lang = /[\u3400-\u9fff]/.test(article.title || '') ? 'zh' : 'en';
        const full = await api('GET', `/v1/articles/${encodeURIComponent(article.id)}?lang=${lang}`, undefined, {
          auth: false,
        });
        const content = el('div', { class: 'article-html' });
        content.innerHTML = full.html; // sanitized by the server
        for (const a of content.querySelectorAll('a[href]')) {
          a.href = absoluteUrl(a.getAttribute('href'));
          a.target = '_blank';
          a.rel = 'noopener noreferrer';
        }
        for (const img of content.querySelectorAll('img[src]')) img.src = absoluteUrl(img.getAttribute('src'));
        body.replaceChildren(
          content,
          el('a', { class: 'open-link', href: absoluteUrl(full.url || url), target: '_blank', rel: 'noopener noreferrer', 'data-i18n': 'openArticle', text: t().openArticle }),
        );
        body.dataset.loaded = '1';
        // Show the article from its title, not from its end.
        const card = toggle.closest('.msg') || toggle;
        requestAnimationFrame(() => (ui.scroller.scrollTop = Math.max(0, card.offsetTop - 8)));
      } catch (_) {
        // No article API (or it failed): open the help-center page instead.
        toggle.setAttribute('aria-expanded', 'false');
        toggle.dataset.i18n = 'readMore';
        toggle.textContent = t().readMore;
        body.hidden = true;
        if (excerpt) excerpt.hidden = false;
        window.open(url, '_blank', 'noopener');
      }
    });
    return el(
      'div',
      { class: 'article', 'data-testid': 'article', 'data-article-id': article.id },
      el('a', { class: 'article-title', href: url, target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'article-title', text: article.title }),
      excerpt,
      withBody ? el('div', { class: 'article-actions' }, toggle) : null,
      withBody ? body : null,
    );
  }

  // When an agent resolves the conversation the user is asked how it went:
  // 1 to 5 stars, sent at once, then an optional comment.
  function ratingCard(dto) {
    const s = t();
    const key = `csat:${dto.id}`;
    const card = el('div', { class: 'rating', role: 'group', 'aria-label': s.rateAgent, 'data-testid': 'rating' });
    const note = el('p', { class: 'fb-note', role: 'status' });
    const stars = [1, 2, 3, 4, 5].map((n) =>
      el('button', {
        type: 'button',
        class: 'star',
        'data-testid': `rate-${n}`,
        'aria-label': s.stars(n),
        'aria-pressed': 'false',
        text: '★',
      }),
    );
    const shown = (rating) => {
      stars.forEach((b, i) => {
        b.classList.toggle('on', i < rating);
        b.setAttribute('aria-pressed', String(i + 1 === rating));
      });
    };
    const comment = el('textarea', { class: 'rating-comment', rows: '2', maxlength: '2000', 'aria-label': s.rateComment, placeholder: s.rateComment, 'data-testid': 'rating-comment' });
    const send = el('button', { type: 'button', class: 'link-btn', 'data-testid': 'rating-send', text: s.rateSend });
    const more = el('div', { class: 'rating-more', hidden: true }, comment, send);
    const post = async (rating, text) => {
      try {
        await api('POST', `/v1/sessions/${state.session.id}/rating`, text ? { rating, comment: text } : { rating });
        state.rated[key] = rating;
        writeJson(`${storeKey}:rated:${state.session.id}`, state.rated);
        return true;
      } catch (e) {
        note.textContent = errorText(e);
        return false;
      }
    };
    stars.forEach((b, i) =>
      b.addEventListener('click', async () => {
        if (await post(i + 1)) {
          shown(i + 1);
          note.textContent = t().rateThanks;
          more.hidden = false;
        }
      }),
    );
    send.addEventListener('click', async () => {
      const text = comment.value.trim();
      if (!text) return;
      send.disabled = comment.disabled = true;
      if (await post(state.rated[key], text)) {
        more.replaceChildren();
        note.textContent = t().rateSent;
      } else send.disabled = comment.disabled = false;
    });
    card.append(el('p', { class: 'rating-q', text: s.rateAgent }), el('div', { class: 'stars' }, ...stars), note, more);
    if (state.rated[key]) {
      shown(state.rated[key]);
      note.textContent = s.rateThanks;
    }
    return card;
  }

  function feedbackRow(dto) {
    const s = t();
    const row = el('div', { class: 'feedback', role: 'group', 'aria-label': s.helpful });
    const up = el('button', { type: 'button', class: 'fb', 'data-testid': 'feedback-up', 'aria-pressed': 'false', 'data-i18n-label': 'helpfulYes', 'aria-label': s.helpfulYes, text: '👍' });
    const down = el('button', { type: 'button', class: 'fb', 'data-testid': 'feedback-down', 'aria-pressed': 'false', 'data-i18n-label': 'helpfulNo', 'aria-label': s.helpfulNo, text: '👎' });
    const note = el('span', { class: 'fb-note', role: 'status' });
    const done = (helpful) => {
      up.disabled = down.disabled = true;
      (helpful ? up : down).setAttribute('aria-pressed', 'true');
      note.dataset.i18n = 'thanks';
      note.textContent = t().thanks;
    };
    const rate = async (helpful) => {
      up.disabled = down.disabled = true;
      try {
        const r = await api('POST', `/v1/sessions/${state.session.id}/feedback`, {
          message_id: dto.id,
          helpful,
          locale: state.lang,
        });
        state.rated[dto.id] = helpful;
        writeJson(`${storeKey}:rated:${state.session.id}`, state.rated);
        done(helpful);
        if (r && r.follow_up) addMessage(r.follow_up, { live: true });
      } catch (e) {
        up.disabled = down.disabled = false;
        note.removeAttribute('data-i18n');
        note.textContent = errorText(e);
      }
    };
    up.addEventListener('click', () => rate(true));
    down.addEventListener('click', () => rate(false));
    row.append(el('span', { class: 'fb-q', 'data-i18n': 'helpful', text: s.helpful }), up, down, note);
    if (dto.id in state.rated) done(state.rated[dto.id]);
    return row;
  }

  function stripList(text) {
    // The clarify text ends with a numbered list of the suggestions, which
    // the chips show instead.
    return String(text || '')
      .split('\n')
      .filter((line) => !/^\s*\d+\.\s/.test(line))
      .join('\n')
      .trim();
  }

  // `into`: a message node already holding a warning, to which the answer
  // is added in a bubble of its own.
  function messageNode(dto, into) {
    const reply = dto.reply || null;
    const at = dto.created_at ? new Date(dto.created_at) : null;
    const node =
      into ||
      el('div', {
        class: `msg ${dto.author}`,
        'data-testid': 'message',
        'data-author': dto.author,
        'data-message-id': dto.id,
        title: at && !Number.isNaN(at.getTime()) ? at.toLocaleString() : null,
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

  // Adds (or confirms) a message from the server. Returns true if new.
  function addMessage(dto, { live = false } = {}) {
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

  function updateMode(dto) {
    // The conversation's owner follows from the transcript, read in order.
    if (dto.id < state.lastId) {
      recomputeMode();
      return;
    }
    applyMode(dto);
    renderMode();
    renderTyping();
  }

  function applyMode(dto) {
    if (dto.author === 'bot' && dto.reply && dto.reply.handoff_withdrawn && state.mode === 'waiting') {
      state.mode = 'bot';
      setQueue(null);
    } else if (dto.author === 'bot' && dto.reply && dto.reply.decision === 'handoff' && state.mode !== 'agent') {
      state.mode = 'waiting';
    } else if (systemEvent(dto) === 'resolved') {
      state.mode = 'bot';
      state.agentName = null;
    } else if (systemEvent(dto) === 'agent_joined') {
      state.mode = 'agent';
      state.agentName = dto.agent || state.agentName;
    } else if (dto.author === 'agent') {
      state.mode = 'agent';
      state.agentName = dto.agent || state.agentName;
    }
  }

  function recomputeMode() {
    state.mode = 'bot';
    state.agentName = null;
    const ids = Array.from(state.messages.keys()).sort((a, b) => a - b);
    for (const id of ids) applyMode(state.messages.get(id).dto);
    renderMode();
  }

  function renderBadge() {
    ui.badge.hidden = state.unread === 0;
    ui.badge.textContent = state.unread > 9 ? '9+' : String(state.unread);
    ui.launcher.setAttribute('aria-label', state.unread ? `${t().open} (${t().unread(state.unread)})` : t().open);
  }

  // Fetches the transcript after the last message we have.
  async function sync({ live = true } = {}) {
    if (!state.session) return;
    for (;;) {
      const page = await api('GET', `/v1/sessions/${state.session.id}/messages?after=${state.lastId}`);
      const messages = (page && page.messages) || [];
      for (const m of messages) addMessage(m, { live });
      if (messages.length < 500) break;
    }
  }

  async function restore() {
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

  // ------------------------------------------------------------ live stream
  function stopStream() {
    if (state.stream) state.stream.abort();
    state.stream = null;
    state.streamUp = false;
  }

  function startStream() {
    if (!state.session || state.stream) return;
    const controller = new AbortController();
    state.stream = controller;
    const session = state.session;
    (async () => {
      let delay = 1000;
      let failures = 0;
      while (!controller.signal.aborted) {
        let watchdog;
        const attempt = new AbortController();
        const abortAttempt = () => attempt.abort();
        controller.signal.addEventListener('abort', abortAttempt);
        try {
          const res = await fetch(`${kefuUrl}/v1/sessions/${session.id}/events?after=${state.lastId}`, {
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
          const arm = () => {
            clearTimeout(watchdog);
            watchdog = setTimeout(() => attempt.abort(), 45000);
          };
          arm();
          await readEvents(
            { body: res.body.pipeThrough(new TransformStream({ transform: (chunk, c) => (arm(), c.enqueue(chunk)) })) },
            (ev) => {
              try {
                if (ev.type === 'message') addMessage(JSON.parse(ev.data), { live: true });
                else if (ev.type === 'queue') setQueue(JSON.parse(ev.data).queue);
              } catch (_) {
                /* malformed event: skip */
              }
            },
          );
        } catch (_) {
          /* dropped: reconnect below */
        } finally {
          clearTimeout(watchdog);
          controller.signal.removeEventListener('abort', abortAttempt);
        }
        if (controller.signal.aborted) break;
        failures += 1;
        if (failures > 1) setStreamUp(false);
        await Promise.race([sleep(delay * (0.75 + Math.random() * 0.5)), state.wake.promise]);
        delay = Math.min(delay * 2, 30000);
      }
    })();
  }

  // Lets a reconnect happen at once (back online, tab visible again).
  state.wake = (() => {
    let resolve;
    const w = { promise: null, fire: () => resolve && resolve() };
    const reset = () => {
      w.promise = new Promise((r) => (resolve = () => (r(), reset())));
    };
    reset();
    return w;
  })();

  function setStreamUp(up) {
    state.streamUp = up;
    ui.offline.hidden = up;
    if (up && state.session && state.loaded) sync().catch(() => {});
  }

  window.addEventListener('online', () => state.wake.fire());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') state.wake.fire();
  });

  // ---------------------------------------------------------------- actions
  function errorText(e) {
    const s = t();
    if (e && e.status === 429) return s.rateLimited;
    if (e && e.status === 413) return s.tooLong;
    return s.error;
  }

  async function send(text, articleId) {
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

  async function requestPerson() {
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

  function openPanel(focus = true) {
    state.open = true;
    ui.panel.hidden = false;
    frame.classList.add('is-open');
    ui.launcher.setAttribute('aria-expanded', 'true');
    state.unread = 0;
    renderBadge();
    try {
      sessionStorage.setItem(`${storeKey}:open`, '1');
    } catch (_) {
      /* ignore */
    }
    renderWelcome();
    scrollToEnd();
    if (focus) ui.input.focus();
  }

  function closePanel() {
    state.open = false;
    ui.panel.hidden = true;
    frame.classList.remove('is-open');
    ui.launcher.setAttribute('aria-expanded', 'false');
    try {
      sessionStorage.removeItem(`${storeKey}:open`);
    } catch (_) {
      /* ignore */
    }
    ui.launcher.focus();
  }

  ui.launcher.addEventListener('click', () => (state.open ? closePanel() : openPanel()));
  // Any element on the host page with data-kefu-open opens the chat (the
  // help center's "Chat with us" button, for one).
  document.addEventListener('click', (e) => {
    const opener = e.target instanceof Element && e.target.closest('[data-kefu-open]');
    if (!opener) return;
    e.preventDefault();
    openPanel();
  });
  ui.close.addEventListener('click', closePanel);
  ui.lang.addEventListener('click', () => {
    state.lang = state.lang === 'zh' ? 'en' : 'zh';
    writeJson(`${storeKey}:prefs`, { ...readJson(`${storeKey}:prefs`, {}), lang: state.lang });
    renderStatic();
    ui.lang.focus();
  });
  ui.handoff.addEventListener('click', requestPerson);
  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = ui.input.value;
    if (!text.trim()) return;
    ui.input.value = '';
    autosize();
    send(text);
  });
  ui.input.addEventListener('keydown', (e) => {
    // Enter sends, Shift+Enter is a new line; never while an IME is composing
    // (Chinese input uses Enter to confirm a candidate).
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      ui.form.requestSubmit();
    }
  });
  const autosize = () => {
    ui.input.style.height = 'auto';
    ui.input.style.height = Math.min(ui.input.scrollHeight, 120) + 'px';
  };
  ui.input.addEventListener('input', autosize);
  const phone = window.matchMedia('(max-width: 480px)');
  ui.panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      closePanel();
    } else if (e.key === 'Tab') {
      // A dialog: Tab cycles through its controls (from the input to send,
      // then the header's) instead of leaving for the host page; Esc leaves.
      const focusable = Array.from(
        ui.panel.querySelectorAll('button:not(:disabled), textarea, a[href], [tabindex="0"]'),
      ).filter((n) => n.getClientRects().length > 0);
      if (!focusable.length) return;
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (e.shiftKey && root.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && root.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  });
  const syncModal = () => ui.panel.setAttribute('aria-modal', String(phone.matches));
  syncModal();
  if (phone.addEventListener) phone.addEventListener('change', syncModal);

  // ------------------------------------------------------------------ start
  function mount() {
    document.body.append(host);
    renderStatic();
    restore();
    let reopen = false;
    try {
      reopen = sessionStorage.getItem(`${storeKey}:open`) === '1';
    } catch (_) {
      /* ignore */
    }
    if (reopen || (script && script.dataset.open === 'true')) openPanel(false);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);

  window.__kefuWidget = {
    open: () => openPanel(),
    close: closePanel,
    reset: forgetSession,
    get sessionId() {
      return state.session ? state.session.id : null;
    },
  };
})();
