//! Limits on the forms anyone can send without an account: each sends mail or writes rows, so
//! each is counted per client address and, where there is one, per e-mail address or link.
//! The counts live in the database so every instance shares them.

use chrono::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// The form and what is counted, e.g. `seminar_apply:ip`.
    pub name: &'static str,
    pub max: i32,
    pub window: Duration,
}

const fn limit(name: &'static str, max: i32, hours: i64) -> Limit {
    Limit { name, max, window: Duration::hours(hours) }
}

/// /seminars/apply: an organizer applies for a few seminars at a time, not dozens.
pub const SEMINAR_APPLY_PER_IP: Limit = limit("seminar_apply:ip", 10, 1);
pub const SEMINAR_APPLY_PER_ADDRESS: Limit = limit("seminar_apply:addr", 5, 24);
/// /register: one sign-up mail per person, with room for a retry or two.
pub const REGISTER_PER_IP: Limit = limit("register:ip", 10, 1);
pub const REGISTER_PER_ADDRESS: Limit = limit("register:addr", 3, 1);
/// /forgot (the per-address mail budget is counted on the reset tokens themselves).
pub const FORGOT_PER_IP: Limit = limit("forgot:ip", 10, 1);
/// /register/continue answers whether a registry number is taken: tries per link and address.
pub const CONTINUE_PER_LINK: Limit = limit("register_continue:link", 10, 1);
pub const CONTINUE_PER_IP: Limit = limit("register_continue:ip", 20, 1);

/// The organizer API (`/api/v1/`), per token: a client registering 10,000 attendees needs two
/// requests; a runaway loop is stopped long before it takes the database from everyone else.
pub const API_PER_TOKEN: Limit =
    Limit { name: "api:token", max: 120, window: Duration::minutes(1) };

/// The counter's key: the limit's name and the counted value (lower-cased, as addresses are
/// compared without case).
pub fn key(limit: &Limit, value: &str) -> String {
    format!("{}:{}", limit.name, value.trim().to_lowercase())
}

/// Whether the hit that made the count `hits` goes over the limit.
pub fn exceeded(limit: &Limit, hits: i32) -> bool {
    hits > limit.max
}

/// Whole seconds until the window that began at `window_start` ends (at least 1): the
/// Retry-After of a refusal.
pub fn retry_after_seconds<Tz: chrono::TimeZone>(
    limit: &Limit,
    window_start: chrono::DateTime<Tz>,
    now: chrono::DateTime<Tz>,
) -> i64 {
    let left = window_start + limit.window - now;
    (left.num_milliseconds() + 999).div_euclid(1000).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_limits() {
        assert_eq!(
            key(&REGISTER_PER_ADDRESS, " Victim@Example.JP "),
            "register:addr:victim@example.jp"
        );
        let table = [(1, false), (3, false), (4, true), (25, true)];
        for (hits, over) in table {
            assert_eq!(exceeded(&REGISTER_PER_ADDRESS, hits), over, "{hits}");
        }
    }

    #[test]
    fn a_refusal_says_when_the_window_ends() {
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
        let start = at("2025-05-01T10:00:00+09:00");
        let table = [
            ("2025-05-01T10:00:00+09:00", 60),
            ("2025-05-01T10:00:59.500+09:00", 1),
            ("2025-05-01T10:00:30+09:00", 30),
            // A window already over (clock skew between instances): retry at once.
            ("2025-05-01T10:05:00+09:00", 1),
        ];
        for (now, seconds) in table {
            assert_eq!(retry_after_seconds(&API_PER_TOKEN, start, at(now)), seconds, "{now}");
        }
    }
}
