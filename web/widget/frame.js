/*
 * The widget's fixed parts: the host element and its shadow root, the
 * launcher, and the panel's header, banners, message list and composer.
 *
 * Why it exists: everything renders inside a shadow root, so the host
 * page's CSS cannot reach it and ours cannot leak out; the styles come from
 * `${kefuUrl}/static/widget.css` (which imports the shared tokens), and the
 * frame stays hidden until they have loaded. `ui` names the nodes other
 * modules fill; `renderStatic` writes their labels in the current language.
 */
import { el } from '../lib/dom.js';
import { ICON_CHAT, ICON_CLOSE, ICON_PERSON, ICON_SEND, svg } from './icons.js';
import { authorLabel } from './messages.js';
import { renderMode } from './mode.js';
import { config, state, t } from './state.js';
import { renderTyping, renderWelcome } from './welcome.js';

/** The nodes the widget fills; set by `build`. */
export const ui = {};
/** The host element (`<kefu-chat>`), its shadow root and the `.kefu` frame. */
export const dom = { host: null, root: null, frame: null };

/** Builds the shadow root and the panel; `mount` puts it on the page. */
export function build() {
  const host = document.createElement('kefu-chat');
  host.style.cssText = 'all: initial !important;';
  host.setAttribute('data-kefu-widget', '');
  const root = host.attachShadow({ mode: 'open' });
  const link = el('link', { rel: 'stylesheet', href: `${config.kefuUrl}/static/widget.css` });
  const frame = el('div', { class: 'kefu', hidden: true, lang: state.lang });
  link.addEventListener('load', () => (frame.hidden = false));
  link.addEventListener('error', () => (frame.hidden = false));
  root.append(link, frame);
  Object.assign(dom, { host, root, frame });

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
}

/** Writes every label in the current language (at start, and on a switch). */
export function renderStatic() {
  const s = t();
  dom.frame.setAttribute('lang', state.lang === 'zh' ? 'zh-CN' : 'en');
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

/** The unread count on the launcher (and in its label). */
export function renderBadge() {
  ui.badge.hidden = state.unread === 0;
  ui.badge.textContent = state.unread > 9 ? '9+' : String(state.unread);
  ui.launcher.setAttribute('aria-label', state.unread ? `${t().open} (${t().unread(state.unread)})` : t().open);
}

/** Scrolls the conversation to its newest line, after the next layout. */
export function scrollToEnd() {
  requestAnimationFrame(() => {
    ui.scroller.scrollTop = ui.scroller.scrollHeight;
  });
}
