/*
 * Building DOM nodes, shared by the widget and the agent console.
 *
 * Why it exists: both pages build every node in code, and both promise that
 * what users, agents and the bot wrote is inserted as text, never as HTML.
 * `el` is the one place that promise is kept: `text` sets textContent, other
 * attributes are set as attributes, `on…` adds a listener; there is no way
 * to pass HTML through it.
 */

/**
 * `el('button', { class: 'chip', text: 'Hi', onclick: f }, child…)`.
 * Attributes that are undefined, null or false are left out; true sets an
 * empty attribute. Null, undefined and false children are skipped.
 */
export function el(tag, attrs, ...children) {
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
}

/** The element of the page with this id. */
export const $ = (id) => document.getElementById(id);
