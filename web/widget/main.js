/*
 * The chat widget's entry module, which the loader (web/widget.js) adds to
 * the host page as `<script type="module" src="${kefuUrl}/static/widget/main.js">`.
 *
 * Why it exists: the loader stays a tiny classic script, so the one-tag
 * embed never changes; everything else is these modules, loaded from kefu
 * (cross-origin: kefu answers the embedding origins with CORS). On loading
 * it hands `start` to the loader (`window.__kefuWidget.boot`), which calls
 * it once with the settings read off the tag; `start` builds the widget
 * and returns what the page may call.
 *
 * The modules, from the bottom: state and strings; api (requests); frame
 * (the shadow root and fixed nodes); text, article, feedback and messages
 * (drawing the conversation); mode and waiting (who the user talks to);
 * welcome (greeting, chips, typing); session and stream (the conversation
 * with kefu); compose (sending); panel (opening, closing, keyboard).
 */
import { build, dom, renderStatic } from './frame.js';
import { closePanel, openPanel, wasOpen, wire } from './panel.js';
import { forgetSession, restore } from './session.js';
import { config, init, state } from './state.js';
import { watchConnectivity } from './stream.js';

let started = null;

/**
 * Starts the widget with the loader's settings,
 * `{ kefuUrl, lang: data-lang or '', open: data-open === "true" }`.
 * Returns `{ open, close, reset, sessionId }`; a second call returns the same.
 */
export function start(settings) {
  if (started) return started;
  init(settings);
  build();
  watchConnectivity();
  wire();
  const mount = () => {
    document.body.append(dom.host);
    renderStatic();
    restore();
    if (wasOpen() || config.openAtStart) openPanel(false);
  };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
  started = {
    open: () => openPanel(),
    close: closePanel,
    reset: forgetSession,
    get sessionId() {
      return state.session ? state.session.id : null;
    },
  };
  return started;
}

// Loaded by the loader's script element: hand it `start`.
if (window.__kefuWidget && typeof window.__kefuWidget.boot === 'function') window.__kefuWidget.boot(start);
