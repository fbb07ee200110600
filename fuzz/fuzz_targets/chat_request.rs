//! The chat request decoder: a `POST /v1/sessions/{id}/messages` body as the
//! server decodes it, then what the desk does to the text before any engine
//! runs (secret redaction, triage, masking personal data for agents).
#![no_main]

use kefu::handoff::privacy::{mask_personal_data, redact_secrets};
use kefu::handoff::Triage;
use kefu::server::api::UserMessageRequest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let Ok(request) = serde_json::from_slice::<UserMessageRequest>(body) else {
        return;
    };
    let (stored, secrets) = redact_secrets(&request.text);
    if !secrets.is_empty() {
        assert_ne!(stored, request.text);
    }
    let _ = Triage::of(&request.text);
    let _ = mask_personal_data(&stored);
});
