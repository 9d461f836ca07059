//! Login throttling. Every attempt is counted *before* its password is checked (the caller
//! holds the counter's row lock while deciding), so parallel attempts cannot overtake the
//! count. After the limit, each further admitted attempt that fails makes the next one wait
//! longer (1, 2, 4 … up to 15 minutes) instead of a fixed lock anyone could renew at will.
//! The same rule applies whether or not the login ID exists, so the delay reveals nothing.

use chrono::Duration;

use crate::clock::Jst;

pub const MAX_FAILURES_PER_LOGIN_ID: i32 = 5;
/// Higher than per ID: a hospital's staff may share one address.
pub const MAX_FAILURES_PER_IP: i32 = 20;
/// Failures this long after the window opened (and no delay in force) start a fresh count.
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
pub const FIRST_DELAY: Duration = Duration::minutes(1);
pub const MAX_DELAY: Duration = Duration::minutes(15);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counter {
    /// Attempts admitted and not (yet) known to have succeeded.
    pub failures: i32,
    pub first_failure_at: Jst,
    pub locked_until: Option<Jst>,
}

pub fn is_locked(counter: Option<&Counter>, now: Jst) -> bool {
    counter.and_then(|c| c.locked_until).is_some_and(|until| now < until)
}

/// How long to wait after the `over`-th attempt beyond the limit (0-based): doubling from
/// one minute, at most fifteen.
pub fn delay(over: i32) -> Duration {
    let factor = 1i64 << over.clamp(0, 10);
    (FIRST_DELAY * factor as i32).min(MAX_DELAY)
}

/// The answer to one attempt: refused (a delay is in force) or admitted with the counter to
/// store before the password is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Admission {
    Refused,
    Admitted(Counter),
}

pub fn admit(counter: Option<Counter>, now: Jst, limit: i32) -> Admission {
    if is_locked(counter.as_ref(), now) {
        return Admission::Refused;
    }
    let fresh = Counter { failures: 1, first_failure_at: now, locked_until: None };
    let mut next = match counter {
        None => fresh,
        // Quiet for a whole window after the last delay ended: forgiven.
        Some(c) if c.locked_until.is_some_and(|u| now - u > FAILURE_WINDOW) => fresh,
        Some(c) if c.locked_until.is_none() && now - c.first_failure_at > FAILURE_WINDOW => fresh,
        Some(c) => Counter { failures: c.failures + 1, ..c },
    };
    if next.failures >= limit {
        next.locked_until = Some(now + delay(next.failures - limit));
    }
    Admission::Admitted(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_jst;

    fn t0() -> Jst {
        parse_jst("2025-04-10 10:00").unwrap()
    }

    fn run(mut c: Option<Counter>, at: Jst, n: usize, limit: i32) -> (Option<Counter>, usize) {
        let mut admitted = 0;
        for _ in 0..n {
            if let Admission::Admitted(next) = admit(c.clone(), at, limit) {
                admitted += 1;
                c = Some(next);
            }
        }
        (c, admitted)
    }

    #[test]
    fn a_burst_admits_only_the_limit() {
        let (c, admitted) = run(None, t0(), 40, MAX_FAILURES_PER_LOGIN_ID);
        assert_eq!(admitted, 5);
        assert!(is_locked(c.as_ref(), t0() + Duration::seconds(59)));
        assert!(!is_locked(c.as_ref(), t0() + Duration::seconds(61)));
    }

    #[test]
    fn each_failure_beyond_the_limit_doubles_the_delay() {
        let table = [(0, 1), (1, 2), (2, 4), (3, 8), (4, 15), (9, 15), (100, 15)];
        for (over, minutes) in table {
            assert_eq!(delay(over), Duration::minutes(minutes), "{over}");
        }
        let (c, _) = run(None, t0(), 5, 5);
        let later = t0() + Duration::minutes(2);
        let Admission::Admitted(c) = admit(c, later, 5) else { panic!("delay over") };
        assert_eq!(c.locked_until, Some(later + Duration::minutes(2)));
    }

    #[test]
    fn old_failures_are_forgotten() {
        let (c, _) = run(None, t0(), 2, 5);
        let (later, _) = run(c, t0() + Duration::minutes(30), 1, 5);
        assert_eq!(later.unwrap().failures, 1);
    }

    #[test]
    fn a_quiet_window_after_the_delay_starts_over() {
        let (c, _) = run(None, t0(), 5, 5);
        let (after, _) = run(c, t0() + Duration::minutes(20), 1, 5);
        let after = after.unwrap();
        assert_eq!(after.failures, 1);
        assert!(after.locked_until.is_none());
    }
}
