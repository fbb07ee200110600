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
 * This file is only the loader, a classic script so that the tag above
 * never has to change: it reads its own tag (only a classic script can),
 * then loads the widget's ES modules from `${kefuUrl}/static/widget/` (kefu
 * serves them to the embedding origins with CORS) and starts them with
 * those settings. The entry is added as a `<script type="module">` rather
 * than import()ed because a script element holds the page's load event
 * until the widget is ready, as the widget did when it was one file.
 *
 * The widget renders inside a shadow root, so the host page's CSS cannot
 * reach it; its styles come from `${kefuUrl}/static/widget.css`. No
 * dependencies, no build step. Text from users, agents and the bot is
 * always set with textContent; the only HTML inserted is the article body
 * from /v1/articles, which the server sanitizes.
 *
 * `window.__kefuWidget` is set at once (so a second copy of this tag does
 * nothing): `open()`, `close()`, `reset()` and `sessionId`; calls made
 * before the modules are in wait for them.
 */
(() => {
  'use strict';

  if (window.__kefuWidget) return; // loaded twice: keep the first
  const script =
    document.currentScript ||
    Array.from(document.querySelectorAll('script[src]')).find((s) => /\/widget\.js(\?|#|$)/.test(s.src));
  const scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  const kefuUrl = ((script && script.dataset.kefuUrl) || scriptOrigin).replace(/\/+$/, '');
  const settings = {
    kefuUrl,
    lang: (script && script.dataset.lang) || '',
    open: !!script && script.dataset.open === 'true',
  };

  let widget = null;
  let started;
  const ready = new Promise((resolve) => (started = resolve));
  window.__kefuWidget = {
    open: () => ready.then((w) => w.open()),
    close: () => ready.then((w) => w.close()),
    reset: () => ready.then((w) => w.reset()),
    get sessionId() {
      return widget ? widget.sessionId : null;
    },
    // Called once by the entry module with its `start`.
    boot(start) {
      delete this.boot;
      widget = start(settings);
      started(widget);
    },
  };

  const entry = document.createElement('script');
  entry.type = 'module';
  entry.src = `${kefuUrl}/static/widget/main.js`;
  if (script && script.nonce) entry.nonce = script.nonce; // a host page's nonce-based CSP
  entry.onerror = () => console.error(`kefu: the chat widget could not load from ${entry.src}`);
  (document.head || document.documentElement).append(entry);
})();
