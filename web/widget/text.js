/*
 * Message text as DOM: paragraphs and line breaks, as text nodes only.
 *
 * Why it exists: nothing users, agents or the bot wrote is ever parsed as
 * HTML; the only markup the widget adds is <p>, <br> and, in the bot's
 * notes (a checked address, a TxID's explorer link), links to https URLs.
 */
import { el } from '../lib/dom.js';

/** Appends `text` to `container`: a <p> per paragraph, <br> per line. */
export function renderText(text, container) {
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
export function renderNotes(notes, container) {
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

/** The clarify text without its numbered list of suggestions (chips show them). */
export function stripList(text) {
  return String(text || '')
    .split('\n')
    .filter((line) => !/^\s*\d+\.\s/.test(line))
    .join('\n')
    .trim();
}
