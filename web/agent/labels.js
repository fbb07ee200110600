/*
 * The console's names for the server's closed sets (status, priority,
 * decision, hand-off reason, warning), in Chinese and English at once.
 *
 * Why it exists: the API sends stable codes (`waiting_on_user`,
 * `low_confidence`); agents read them in the queue, the ticket facts, the
 * transcript and the insights tables, always with the same words.
 */
import { el } from '../lib/dom.js';

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

/** `label('status', 'pending')`: the words for a code; the code itself if unknown, — if none. */
export const label = (kind, value) => (value && LABELS[kind][value]) || value || '—';

/** The coloured priority tag of a queue row or ticket title. */
export const priorityTag = (priority) =>
  el('span', { class: `prio ${priority}`, text: priority === 'urgent' ? '紧急 URGENT' : '普通 normal' });

// The user pasted a seed phrase or key (redacted): their funds may be at risk.
export const secretFlag = () =>
  el('span', {
    class: 'secret-flag',
    'data-testid': 'secret-shared',
    title: '用户在对话中发送了助记词或私钥（已隐藏），资产可能有风险 · The user shared a seed phrase or private key (redacted): funds may be at risk',
    text: '🔑 助记词/私钥 · secret shared',
  });
