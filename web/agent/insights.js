/*
 * Insights, for admins (the server says 403 to others): the numbers, two
 * charts, unanswered questions, knowledge gaps, article feedback, tickets,
 * agents and satisfaction over a chosen range, each exportable.
 *
 * Why it exists: what the knowledge base is missing and how the desk is
 * doing, read where agents already work. Charts are SVG drawn by the
 * server, fetched with the token and shown through <img>, so nothing in
 * them can run; exports are fetched the same way and saved as files.
 */
import { $, el } from '../lib/dom.js';
import { ageText, timeText } from '../lib/time.js';
import { showError } from './alerts.js';
import { api, fetchBlob } from './api.js';
import { label } from './labels.js';

/** Shows the queue (`console`) or the insights (`insights`). */
export function showView(view) {
  for (const tab of document.querySelectorAll('.view-tab')) {
    tab.setAttribute('aria-pressed', String(tab.dataset.view === view));
  }
  $('console').hidden = view !== 'console';
  $('insights').hidden = view !== 'insights';
  if (view === 'insights') loadInsights().catch((e) => showError(e, '数据洞察 · Insights'));
}

const insightsQuery = (extra) => {
  const q = new URLSearchParams({ since: $('insights-range').value, lang: $('insights-lang').value, ...extra });
  return q.toString();
};

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

/** The view tabs, the range and language, and the exports. */
export function wire() {
  for (const tab of document.querySelectorAll('.view-tab')) {
    tab.addEventListener('click', () => showView(tab.dataset.view));
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
}
