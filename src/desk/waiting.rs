//! Waiting for a person: the user's place in line and an honest estimate,
//! whether anyone is there at all (agent presence, service hours), an
//! e-mail address for a follow-up when nobody is, and urgent tickets that
//! have waited too long.

use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;

use super::{Agent, Change, Desk, DeskError, Result};
use crate::domain::{now_millis, Millis, Rating, Session, Ticket, TicketId};
use crate::domain::{Priority, TicketStatus};
use crate::handoff::privacy::redact_secrets;
use crate::store::Presence;

/// The longest e-mail address accepted (RFC 5321's path limit).
const EMAIL_MAX: usize = 254;

/// Where a user waiting for a person stands.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct QueueStatus {
    /// Their ticket.
    #[schema(value_type = i64)]
    pub ticket_id: TicketId,
    /// The ticket's status; only `pending` tickets wait in line.
    #[schema(value_type = String, example = "pending")]
    pub status: TicketStatus,
    /// Place in line while pending: 1 is next.
    pub position: Option<i64>,
    /// Estimated seconds until an agent takes it, from how fast agents
    /// claimed tickets recently; absent when there is nothing to go on (no
    /// recent claims, nobody online, closed).
    pub estimated_wait_seconds: Option<u64>,
    /// Agents online now.
    pub agents_online: i64,
    /// Whether it is within service hours (always, when none are set).
    pub open: bool,
    /// The service hours, e.g. `mon–fri 09:00–18:00 (UTC+08:00)`.
    pub service_hours: Option<String>,
    /// The address the user left for a follow-up.
    pub contact_email: Option<String>,
}

impl QueueStatus {
    /// Whether someone can be expected to pick the ticket up soon; when not,
    /// the user is told so and offered a follow-up by e-mail.
    pub fn staffed(&self) -> bool {
        self.open && self.agents_online > 0
    }
}

/// Fewer recent claims than this say too little about the pace: one claim
/// in the last hour once promised a six-hour wait.
const MIN_CLAIMS: i64 = 3;
/// Longer estimates are not given: at that range the pace of the last hour
/// says nothing, and "as soon as possible" is the honest answer.
const LONGEST_ESTIMATE: u64 = 2 * 60 * 60;

/// Seconds until a ticket with `ahead` tickets before it is claimed, if
/// agents keep claiming at the rate of `claims` per `window`: rounded up
/// to a whole minute, and to five minutes past ten; none with fewer than
/// three recent claims or beyond two hours.
pub fn estimated_wait(ahead: i64, claims: i64, window: Duration) -> Option<u64> {
    if claims < MIN_CLAIMS || ahead < 0 {
        return None;
    }
    let per_claim = window.as_secs_f64() / claims as f64;
    let seconds = ((ahead + 1) as f64 * per_claim).ceil() as u64;
    let step = if seconds <= 600 { 60 } else { 300 };
    let rounded = seconds.div_ceil(step) * step;
    (rounded <= LONGEST_ESTIMATE).then_some(rounded)
}

/// A plausible e-mail address: one `@`, a dotted domain, no spaces or
/// control characters. Delivery is the real check; this catches typos.
fn plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let labels_ok = domain
        .split('.')
        .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    s.len() <= EMAIL_MAX
        && !local.is_empty()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        && !domain.contains('@')
        && domain.contains('.')
        && labels_ok
}

impl Desk {
    /// The queue status of the session's open ticket, if it has one.
    pub async fn queue_status(&self, session: &Session) -> Result<Option<QueueStatus>> {
        match self.store.open_ticket(&session.id).await? {
            Some(ticket) => Ok(Some(self.queue_status_of(&ticket).await?)),
            None => Ok(None),
        }
    }

    /// The queue status of an open ticket.
    pub async fn queue_status_of(&self, ticket: &Ticket) -> Result<QueueStatus> {
        let q = &self.options.queue;
        let now = now_millis();
        let open = q.service_hours.as_ref().is_none_or(|h| h.is_open(now));
        let agents_online = self.agents_online().await?;
        let (position, estimate) = if ticket.status == TicketStatus::Pending {
            let ahead = self.store.queue_position(ticket).await?;
            let estimate = if open && agents_online > 0 {
                let window = Duration::from_secs(q.estimate_window_minutes.max(1) * 60);
                let claims = self.store.claims_since(now - window.as_millis() as Millis).await?;
                estimated_wait(ahead, claims, window)
            } else {
                None
            };
            (Some(ahead + 1), estimate)
        } else {
            (None, None)
        };
        Ok(QueueStatus {
            ticket_id: ticket.id,
            status: ticket.status,
            position,
            estimated_wait_seconds: estimate,
            agents_online,
            open,
            service_hours: q.service_hours.as_ref().map(ToString::to_string),
            contact_email: ticket.contact_email.clone(),
        })
    }

    /// Agents online now: set online and checked in within the presence
    /// timeout.
    pub async fn agents_online(&self) -> Result<i64> {
        let timeout = self.options.queue.presence_timeout_seconds as Millis * 1000;
        Ok(self.store.agents_online(now_millis() - timeout).await?)
    }

    /// Sets an agent online or away; waiting users' views update.
    pub async fn set_presence(&self, agent: &Agent, presence: Presence) -> Result<()> {
        self.store.set_presence(&agent.name, presence).await?;
        self.tell(Change::Queue);
        Ok(())
    }

    /// Keeps the user's e-mail address on their open ticket so an agent can
    /// follow up when nobody was there to answer.
    pub async fn leave_contact(&self, session: &Session, email: &str) -> Result<QueueStatus> {
        let email = email.trim();
        if !plausible_email(email) {
            return Err(DeskError::InvalidEmail(email.chars().take(80).collect()));
        }
        let ticket = self
            .store
            .set_contact_email(&session.id, email)
            .await?
            .ok_or(DeskError::NoOpenTicket)?;
        self.changed(&session.id, true);
        self.queue_status_of(&ticket).await
    }

    /// The user rates the conversation with the agent who resolved their
    /// latest ticket: `stars` 1 to 5 and an optional comment (at most the
    /// length of a message; blank is none; a pasted secret is taken out as
    /// from any message).
    pub async fn rate(&self, session: &Session, stars: i64, comment: Option<&str>) -> Result<Ticket> {
        let rating = Rating::new(stars).ok_or(DeskError::InvalidRating(stars))?;
        let comment = match comment.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Some(redact_secrets(&self.checked_text(c)?).text),
            None => None,
        };
        let ticket = self
            .store
            .rate(&session.id, rating, comment.as_deref())
            .await?
            .ok_or(DeskError::NothingToRate)?;
        Ok(ticket)
    }

    /// Whether `ticket` is urgent and has waited in line longer than the SLA.
    pub fn sla_breached(&self, ticket: &Ticket) -> bool {
        ticket.priority == Priority::Urgent
            && ticket.status == TicketStatus::Pending
            && ticket.reopened_at.unwrap_or(ticket.created_at) < self.sla_cutoff()
    }

    /// Urgent tickets waiting longer than the SLA, for `/metrics`.
    pub async fn sla_breaches(&self) -> Result<i64> {
        Ok(self.store.urgent_waiting_since(self.sla_cutoff()).await?)
    }

    fn sla_cutoff(&self) -> Millis {
        now_millis() - (self.options.queue.urgent_sla_minutes as Millis) * 60_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_follow_the_claim_rate() {
        let hour = Duration::from_secs(3600);
        // 12 claims an hour: one every 5 minutes; third in line waits 15.
        assert_eq!(estimated_wait(2, 12, hour), Some(900));
        assert_eq!(estimated_wait(0, 12, hour), Some(300));
        assert_eq!(
            estimated_wait(0, 7, hour),
            Some(540),
            "515 s: rounded up to whole minutes"
        );
        assert_eq!(
            estimated_wait(1, 7, hour),
            Some(1200),
            "1029 s: to five minutes past ten"
        );
        assert_eq!(estimated_wait(3, 0, hour), None, "no claims, no basis for a number");
        assert_eq!(estimated_wait(0, 1, hour), None, "one claim says too little");
        assert_eq!(estimated_wait(40, 3, hour), None, "beyond two hours, no promise");
    }

    #[test]
    fn plausible_emails() {
        for ok in ["a@b.co", "li.wei+kefu@example.com.cn", "用户@例子.中国"] {
            assert!(plausible_email(ok), "{ok}");
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a@@b.co", "a b@c.co", "a@b..co", "a@.co", "<a@b.co>", "a@b_c.co",
        ] {
            assert!(!plausible_email(bad), "{bad}");
        }
        assert!(!plausible_email(&format!("{}@b.co", "x".repeat(260))));
    }
}
