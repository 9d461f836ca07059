//! Password hashing (argon2id, OWASP parameters) and the rules a new password must meet.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};

/// OWASP's recommended argon2id configuration: 19 MiB, 2 iterations, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => argon2().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// At most one argon2 run per core at a time: each takes 19 MiB and tens of milliseconds of
/// CPU, so a burst of sign-ins on more blocking threads than cores only adds memory (64 at
/// once would need over 1 GB) and no throughput.
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}

/// Verifies on a blocking thread (argon2 takes tens of milliseconds of CPU).
pub async fn verify_async(password: String, stored: String) -> bool {
    let Ok(_permit) = hashing_permits().acquire().await else { return false };
    tokio::task::spawn_blocking(move || verify(&password, &stored)).await.unwrap_or(false)
}

pub async fn hash_async(password: String) -> anyhow::Result<String> {
    let _permit = hashing_permits().acquire().await?;
    tokio::task::spawn_blocking(move || hash(&password)).await?
}

/// A hash of nothing anyone knows, verified against when the login ID does not exist so that
/// the answer takes as long as for a real account.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("no account has this password").expect("hashing works"))
}

pub const MIN_LENGTH: usize = 10;

/// Japanese messages for a new password that breaks a rule.
pub fn check_new(password: &str, login_id: &str) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if chars < MIN_LENGTH {
        return Err("パスワードは10文字以上にしてください。");
    }
    if chars > 128 {
        return Err("パスワードは128文字以内にしてください。");
    }
    if !password.chars().all(|c| c.is_ascii_graphic()) {
        return Err(
            "パスワードには半角の英字・数字・記号を使ってください（空白・全角文字は使えません）。",
        );
    }
    if password.eq_ignore_ascii_case(login_id) {
        return Err("ログインIDと同じパスワードは使えません。");
    }
    if password.chars().all(|c| c == password.chars().next().unwrap_or(' ')) {
        return Err("同じ文字だけのパスワードは使えません。");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn new_password_rules() {
        assert!(check_new("short", "doctor").is_err());
        assert!(check_new("doctor1234", "DOCTOR1234").is_err());
        assert!(check_new("aaaaaaaaaaaa", "doctor").is_err());
        assert!(check_new("パスワードパスワード", "doctor").is_err());
        assert!(check_new("with space 123", "doctor").is_err());
        assert!(check_new("Tr0ub4dor&3x", "doctor").is_ok());
    }
}
