//! One organizer cannot exhaust the connection pool (issue 10, part 6): requests to one work
//! page run at most `PER_WORK_PAGE` at a time in this instance; the rest wait (holding no
//! database connection) and, after `WAIT`, get the Japanese 503 page instead of a pool
//! timeout for everybody.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::AppError;

pub const PER_WORK_PAGE: usize = 4;
const WAIT: Duration = Duration::from_secs(10);

type Gates = Mutex<HashMap<String, Arc<Semaphore>>>;

fn gates() -> &'static Gates {
    static GATES: OnceLock<Gates> = OnceLock::new();
    GATES.get_or_init(|| Mutex::new(HashMap::new()))
}

/// A request's turn on one work page; the gate is forgotten when nobody holds or waits for it.
pub struct Turn {
    key: String,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.permit.take();
        if let Ok(mut map) = gates().lock() {
            if map.get(&self.key).is_some_and(|g| Arc::strong_count(g) == 1) {
                map.remove(&self.key);
            }
        }
    }
}

/// Waits for a turn on the work page `key` (its token).
pub async fn turn(key: &str) -> Result<Turn, AppError> {
    let gate = {
        let mut map =
            gates().lock().map_err(|_| AppError::Internal(anyhow::anyhow!("gate lock")))?;
        map.entry(key.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(PER_WORK_PAGE)))
            .clone()
    };
    let mut turn = Turn { key: key.to_string(), permit: None };
    match tokio::time::timeout(WAIT, gate.acquire_owned()).await {
        Ok(Ok(permit)) => {
            turn.permit = Some(permit);
            Ok(turn)
        }
        _ => Err(AppError::Unavailable(
            "この作業ページへのアクセスが集中しています。しばらくしてからもう一度お試しください。"
                .to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_work_page_gets_a_few_turns_and_forgets_its_gate() {
        let mut turns = Vec::new();
        for _ in 0..PER_WORK_PAGE {
            turns.push(turn("k1").await.unwrap());
        }
        let gate = gates().lock().unwrap().get("k1").cloned().unwrap();
        assert_eq!(gate.available_permits(), 0);
        drop(gate);
        // Another work page is not held up.
        drop(turn("k2").await.unwrap());
        turns.clear();
        assert!(gates().lock().unwrap().get("k1").is_none());
    }
}
