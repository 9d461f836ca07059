//! The certificate (認定証) as a PDF for its holder, and the public page its QR code opens.
//!
//! The verification page answers only 有効 / 期限切れ / 確認できません with the programme,
//! number and validity: never a name or anything else about the physician. A wrong code and an
//! unknown number get the very same page, so numbers cannot be probed.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;

use crate::db::{self, verification::Certificate};
use crate::domain::category::Programme;
use crate::error::{AppError, AppResult};
use crate::export::certificate_pdf::{self, verify_path, CertificateData};
use crate::state::AppState;
use crate::web::extract;
use crate::web::layout::Layout;

pub fn routes() -> Router<AppState> {
    Router::new()
        // `{file}` is `<id>.pdf`: the router cannot match a parameter with a suffix.
        .route("/mypage/certificates/{file}", get(download))
        .route("/mypage/certificates/{id}/terms/{file}", get(download_term))
}

/// What the verification page may say about a certification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    Expired,
    /// The first term has not begun (a new certification decided for a later committee date).
    NotStarted,
    /// Unknown number, wrong code, or a certification revoked or withdrawn.
    Unconfirmed,
}

pub fn verdict(
    status: &str,
    valid_from: NaiveDate,
    valid_until: NaiveDate,
    today: NaiveDate,
) -> Verdict {
    use crate::domain::terms::{standing, Standing};
    match (status, standing(valid_from, valid_until, today)) {
        ("active", Standing::InForce) => Verdict::Valid,
        ("active", Standing::Expired) => Verdict::Expired,
        ("active", Standing::NotStarted) => Verdict::NotStarted,
        _ => Verdict::Unconfirmed,
    }
}

/// Compares in time independent of where the strings differ.
fn codes_match(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What a verification code looks like (32 lower-case hex digits); anything else is not one.
fn looks_like_code(code: &str) -> bool {
    code.len() == 32 && code.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn looks_like_number(number: &str) -> bool {
    (1..=10).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit())
}

// ---------------------------------------------------------------------------------------------
// The certificate PDF.

/// The certificate of the term standing today (`<id>.pdf`).
async fn download(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let id: i64 =
        file.strip_suffix(".pdf").and_then(|id| id.parse().ok()).ok_or(AppError::NotFound)?;
    let physician = shown_physician(&state, &ctx).await?;
    let cert = db::verification::owned(&state.pool, id, physician.id, ctx.now.date_naive())
        .await?
        .ok_or(AppError::NotFound)?;
    pdf_response(&state, &ctx, physician, cert).await
}

/// The certificate of one term (`/mypage/certificates/<id>/terms/<term>.pdf`): each term's
/// certificate stays downloadable.
async fn download_term(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Path((id, file)): Path<(i64, String)>,
) -> AppResult<Response> {
    let term: i64 =
        file.strip_suffix(".pdf").and_then(|t| t.parse().ok()).ok_or(AppError::NotFound)?;
    let physician = shown_physician(&state, &ctx).await?;
    let cert = db::verification::owned_term(&state.pool, id, term, physician.id)
        .await?
        .ok_or(AppError::NotFound)?;
    pdf_response(&state, &ctx, physician, cert).await
}

/// The signed-in physician, when the my page shows their certifications.
async fn shown_physician(
    state: &AppState,
    ctx: &extract::Physician,
) -> AppResult<db::physicians::Physician> {
    use crate::domain::registration::{certification_display, CertificationDisplay};
    let user = &ctx.user;
    let physician =
        db::physicians::for_account(&state.pool, user.id).await?.ok_or(AppError::NotFound)?;
    // Only what the my page shows: registration complete, certification data visible.
    let completed_at = physician.registration_completed_at.ok_or(AppError::NotFound)?;
    let mut conn = state.pool.acquire().await?;
    let (linked, open_reviews) = db::linking::counts(&mut conn, physician.id).await?;
    drop(conn);
    let display = certification_display(
        Some(completed_at.with_timezone(&crate::clock::jst())),
        ctx.now,
        linked as usize,
        open_reviews as usize,
    );
    if display != CertificationDisplay::Show {
        return Err(AppError::NotFound);
    }
    Ok(physician)
}

async fn pdf_response(
    state: &AppState,
    ctx: &extract::Physician,
    physician: db::physicians::Physician,
    cert: Certificate,
) -> AppResult<Response> {
    let id = cert.id;
    if cert.status != "active" {
        return Err(AppError::NotFound);
    }
    let programme = Programme::from_code(&cert.programme)
        .ok_or_else(|| anyhow::anyhow!("unknown programme {}", cert.programme))?;
    let filename = format!("認定証_{}_{}.pdf", programme.label(), cert.certificate_number);
    let ascii_filename =
        format!("certificate-{}-{}.pdf", programme.code(), cert.certificate_number);
    let signatory = db::presidents::jma(&state.pool).await?;
    let data = certificate_data(state, programme, physician.kanji_name, cert, signatory);
    // Subsetting the font is CPU work; keep it off the async workers.
    let rendered = tokio::task::spawn_blocking(move || certificate_pdf::render(&data))
        .await
        .map_err(|e| anyhow::anyhow!("certificate rendering task: {e}"))?;
    let pdf = match rendered {
        Ok(pdf) => pdf,
        Err(e) => match e.downcast_ref::<certificate_pdf::UnprintableName>() {
            Some(unprintable) => return unprintable_name(state, ctx, *unprintable, id).await,
            None => return Err(e.into()),
        },
    };
    let disposition = format!(
        "attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{}",
        rfc5987(&filename)
    );
    let disposition = HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/pdf")),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        pdf,
    )
        .into_response())
}

fn certificate_data(
    state: &AppState,
    programme: Programme,
    physician_name: String,
    cert: Certificate,
    signatory: Option<String>,
) -> CertificateData {
    let path = verify_path(programme.code(), &cert.certificate_number, &cert.verify_code);
    let recorded_on =
        cert.term_recorded_at.map(|t| t.with_timezone(&crate::clock::jst()).date_naive());
    CertificateData {
        programme,
        physician_name,
        issued_on: crate::domain::certificate::issue_date(
            cert.term_imported.unwrap_or(true),
            recorded_on,
            cert.valid_from,
        ),
        signatory,
        verify_url: format!("{}{path}", state.config.base_url),
        certificate_number: cert.certificate_number,
        valid_from: cert.valid_from,
        valid_until: cert.valid_until,
    }
}

#[derive(Template)]
#[template(path = "certificates/unprintable.html")]
struct UnprintablePage {
    layout: Layout,
    character: String,
}

/// A name with a character no certificate font has: a clear page for the physician (never a
/// 500) and an entry staff see in the audit log, so the association can issue the certificate
/// by hand.
async fn unprintable_name(
    state: &AppState,
    ctx: &extract::Physician,
    unprintable: certificate_pdf::UnprintableName,
    certification_id: i64,
) -> AppResult<Response> {
    let code = format!("U+{:04X}", u32::from(unprintable.character));
    tracing::warn!(certification_id, character = %code, "certificate name cannot be printed");
    let mut tx = state.pool.begin().await?;
    let entry = db::audit::Entry {
        action: "certificate.unprintable_name",
        entity_type: "certification",
        entity_id: Some(certification_id.to_string()),
        before: None,
        after: Some(serde_json::json!({ "character": code })),
    };
    db::audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    let page = UnprintablePage {
        layout: ctx.layout(),
        character: format!("{}（{code}）", unprintable.character),
    };
    let html = page.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

/// RFC 5987 `ext-value` encoding of a file name (UTF-8, percent-encoded).
fn rfc5987(value: &str) -> String {
    const ATTR_CHAR_PUNCTUATION: &[u8] = b"!#$&+-.^_`|~";
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || ATTR_CHAR_PUNCTUATION.contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The public verification page.

pub struct VerifiedView {
    pub valid: bool,
    pub verdict: &'static str,
    /// The holder's name as printed on the certificate.
    pub holder: String,
    pub programme: &'static str,
    pub number: String,
    pub validity: String,
    /// An approved next term.
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "certificates/verify.html")]
struct VerifyPage {
    layout: Layout,
    result: Option<VerifiedView>,
}

/// Needs no login and no session: only the clock and one lookup.
pub async fn verify(
    State(state): State<AppState>,
    Path((programme, number, code)): Path<(String, String, String)>,
) -> AppResult<Response> {
    let today = state.clock.today();
    let programme = Programme::from_code(&programme);
    let found = match programme {
        Some(p) if looks_like_number(&number) && looks_like_code(&code) => {
            db::verification::by_number(&state.pool, p.code(), &number, today).await?
        }
        _ => None,
    };
    let result = match (programme, found) {
        (Some(programme), Some(cert)) if codes_match(&cert.verify_code, &code) => {
            match verdict(&cert.status, cert.valid_from, cert.valid_until, today) {
                Verdict::Unconfirmed => None,
                v => Some(VerifiedView {
                    valid: v == Verdict::Valid,
                    verdict: match v {
                        Verdict::Valid => "有効な認定です",
                        Verdict::NotStarted => "有効期間の開始前です",
                        _ => "有効期限切れです",
                    },
                    holder: cert.holder_name.unwrap_or_default(),
                    programme: programme.label(),
                    number: cert.certificate_number,
                    validity: certificate_pdf::validity_text(cert.valid_from, cert.valid_until),
                    next: cert
                        .next_valid_from
                        .zip(cert.next_valid_until)
                        .map(|(f, u)| certificate_pdf::validity_text(f, u)),
                }),
            }
        }
        _ => None,
    };
    let status = if result.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    let page = VerifyPage { layout: Layout::anonymous(), result };
    let html = page.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok((status, [(HeaderName::from_static("x-robots-tag"), "noindex")], Html(html)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn verdict_by_status_and_last_valid_day() {
        let (from, until) = (date(2021, 8, 1), date(2026, 7, 31));
        let table = [
            ("active", date(2026, 7, 31), Verdict::Valid),
            ("active", date(2021, 8, 1), Verdict::Valid),
            ("active", date(2021, 7, 31), Verdict::NotStarted),
            ("active", date(2026, 8, 1), Verdict::Expired),
            ("revoked", date(2025, 1, 1), Verdict::Unconfirmed),
            ("withdrawn", date(2025, 1, 1), Verdict::Unconfirmed),
        ];
        for (status, today, want) in table {
            assert_eq!(verdict(status, from, until, today), want, "{status} on {today}");
        }
    }

    #[test]
    fn codes_compare_exactly() {
        let code = "0123456789abcdef0123456789abcdef";
        assert!(codes_match(code, code));
        assert!(!codes_match(code, "0123456789abcdef0123456789abcdee"));
        assert!(!codes_match(code, "0123456789abcdef"));
        assert!(!codes_match(code, ""));
    }

    #[test]
    fn only_well_formed_codes_and_numbers_reach_the_database() {
        assert!(looks_like_code("0123456789abcdef0123456789abcdef"));
        assert!(!looks_like_code("0123456789ABCDEF0123456789ABCDEF"));
        assert!(!looks_like_code("0123456789abcdef0123456789abcdeg"));
        assert!(!looks_like_code("0123456789abcdef"));
        assert!(looks_like_number("0123456"));
        assert!(!looks_like_number("01234567890"));
        assert!(!looks_like_number("０１２３"));
        assert!(!looks_like_number(""));
    }

    #[test]
    fn file_names_are_percent_encoded_as_utf8() {
        assert_eq!(rfc5987("認定証_0123456.pdf"), "%E8%AA%8D%E5%AE%9A%E8%A8%BC_0123456.pdf");
        assert_eq!(rfc5987("a b\"c"), "a%20b%22c");
    }
}
