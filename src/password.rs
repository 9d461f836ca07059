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
        Err(_) => {
            // No password opens it (e.g. `NO_PASSWORD_YET`); take as long as a real check, so
            // the answer's timing does not tell such accounts apart.
            let _ = PasswordHash::new(dummy_hash())
                .map(|dummy| argon2().verify_password(password.as_bytes(), &dummy));
            false
        }
    }
}

/// The stored "hash" of an account whose password has not been issued yet (a member whose
/// postcard is not printed): not a hash at all, so nothing verifies against it.
pub const NO_PASSWORD_YET: &str = "!not-issued";

/// Hashes many passwords (a batch of postcards), spread over the machine's cores, off the
/// async threads: argon2 takes ~20 ms each.
pub async fn hash_many(passwords: &[String]) -> anyhow::Result<Vec<String>> {
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).min(8);
    let chunk = passwords.len().div_ceil(workers).max(1);
    let tasks: Vec<_> = passwords
        .chunks(chunk)
        .map(|part| {
            let part = part.to_vec();
            tokio::task::spawn_blocking(move || {
                part.iter().map(|p| hash(p)).collect::<anyhow::Result<Vec<_>>>()
            })
        })
        .collect();
    let mut hashes = Vec::with_capacity(passwords.len());
    for task in tasks {
        hashes.extend(task.await??);
    }
    Ok(hashes)
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
/// zxcvbn's score (0–4) a new password must reach: 3 is "safely unguessable" against an
/// offline attack on a slow hash.
pub const MIN_SCORE: u8 = 3;

/// What the portal knows about the account holder, which a password must not contain.
#[derive(Clone, Copy, Debug, Default)]
pub struct Personal<'a> {
    pub login_id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
}

impl<'a> Personal<'a> {
    pub fn login_id(login_id: &'a str) -> Self {
        Personal { login_id, ..Personal::default() }
    }

    /// The pieces to look for: the login ID, the e-mail's local part, the name's parts (only
    /// those of 3 characters or more, to avoid refusing by coincidence).
    fn pieces(&self) -> Vec<String> {
        let local = self.email.split('@').next().unwrap_or("");
        let mut pieces = vec![self.login_id.to_lowercase(), local.to_lowercase()];
        pieces.extend(self.name.split([' ', '\u{3000}']).map(str::to_lowercase));
        pieces.retain(|p| p.chars().count() >= 3);
        pieces
    }
}

/// Japanese messages for a new password that breaks a rule.
pub fn check_new(password: &str, who: Personal<'_>) -> Result<(), &'static str> {
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
    if password.chars().all(|c| c == password.chars().next().unwrap_or(' ')) {
        return Err("同じ文字だけのパスワードは使えません。");
    }
    let lower = password.to_lowercase();
    if who.pieces().iter().any(|p| lower.contains(p.as_str())) {
        return Err("ログインID・お名前・メールアドレスを含むパスワードは使えません。");
    }
    let pieces = who.pieces();
    let inputs: Vec<&str> = pieces.iter().map(String::as_str).collect();
    if u8::from(zxcvbn::zxcvbn(password, &inputs).score()) < MIN_SCORE {
        return Err(
            "推測されやすいパスワードです（よく使われる語・連続した文字・キーボードの並びなど）。\
                    関係のない単語を3つ以上つなげるなど、長く予測しにくいものにしてください。",
        );
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
    fn an_account_without_an_issued_password_opens_to_nothing() {
        for guess in ["", "!not-issued", "not-issued", NO_PASSWORD_YET] {
            assert!(!verify(guess, NO_PASSWORD_YET), "{guess}");
        }
    }

    #[test]
    fn new_password_rules() {
        let doctor = Personal::login_id("doctor");
        assert!(check_new("short", doctor).is_err());
        assert!(check_new("doctor1234", Personal::login_id("DOCTOR1234")).is_err());
        assert!(check_new("aaaaaaaaaaaa", doctor).is_err());
        assert!(check_new("パスワードパスワード", doctor).is_err());
        assert!(check_new("with space 123", doctor).is_err());
        assert!(check_new("Tr0ub4dor&3x-Kiso", doctor).is_ok());
    }

    #[test]
    fn guessable_passwords_are_refused() {
        let doc4 = Personal { login_id: "doc4", name: "Yamada Taro", email: "taro.y@example.jp" };
        for weak in ["1234567890", "qwertyuiop", "password123", "doc4doc4doc4", "Yamada-2025-xyz"] {
            assert!(check_new(weak, doc4).is_err(), "{weak}");
        }
        assert!(check_new("my-taro.y-pass-77", doc4).is_err(), "e-mail local part");
    }

    #[test]
    fn the_fixture_passwords_pass() {
        for ok in ["Sakiko-Own-77", "Another-pass-77", "Own-Passw0rd!", "Sakura-2025-haru"] {
            assert_eq!(check_new(ok, Personal::login_id("doctor")), Ok(()), "{ok}");
        }
    }
}
