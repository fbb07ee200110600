/*
 * Opening and closing the chat, and the keyboard inside it.
 *
 * Why it exists: the panel is a dialog on someone else's page. It opens
 * from the launcher or any host element with `data-kefu-open`, remembers
 * being open for the tab (sessionStorage), keeps Tab among its own
 * controls, closes on Esc with focus back on the launcher, and is modal
 * only where it covers the page (phones). Enter sends; Shift+Enter and an
 * IME confirming a candidate do not.
 */
import { dom, renderBadge, renderStatic, scrollToEnd, ui } from './frame.js';
import { requestPerson, send } from './compose.js';
import { keyOf, readJson, state, writeJson } from './state.js';
import { renderWelcome } from './welcome.js';

export function openPanel(focus = true) {
  state.open = true;
  ui.panel.hidden = false;
  dom.frame.classList.add('is-open');
  ui.launcher.setAttribute('aria-expanded', 'true');
  state.unread = 0;
  renderBadge();
  try {
    sessionStorage.setItem(keyOf('open'), '1');
  } catch (_) {
    /* ignore */
  }
  renderWelcome();
  scrollToEnd();
  if (focus) ui.input.focus();
}

export function closePanel() {
  state.open = false;
  ui.panel.hidden = true;
  dom.frame.classList.remove('is-open');
  ui.launcher.setAttribute('aria-expanded', 'false');
  try {
    sessionStorage.removeItem(keyOf('open'));
  } catch (_) {
    /* ignore */
  }
  ui.launcher.focus();
}

/** Whether the panel was open in this tab before a reload. */
export function wasOpen() {
  try {
    return sessionStorage.getItem(keyOf('open')) === '1';
  } catch (_) {
    return false;
  }
}

const autosize = () => {
  ui.input.style.height = 'auto';
  ui.input.style.height = Math.min(ui.input.scrollHeight, 120) + 'px';
};

/** The listeners of the launcher, the header, the composer and the panel. */
export function wire() {
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
    writeJson(keyOf('prefs'), { ...readJson(keyOf('prefs'), {}), lang: state.lang });
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
      if (e.shiftKey && dom.root.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && dom.root.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  });
  const syncModal = () => ui.panel.setAttribute('aria-modal', String(phone.matches));
  syncModal();
  if (phone.addEventListener) phone.addEventListener('change', syncModal);
}
