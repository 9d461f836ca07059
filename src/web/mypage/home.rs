//! The physician's home page (/mypage): certifications, renewal progress, credit history.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use rust_decimal::Decimal;

use crate::clock::format_jp_date;
use crate::db;
use crate::domain::category::{Category, Format, Programme};
use crate::domain::renewal_progress as progress;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::extract;
use crate::web::layout::Layout;
use crate::web::views::units_text;
use crate::web::{render, see_other};

pub struct CertificationView {
    pub id: i64,
    /// The term standing today and its certificate.
    pub term_id: i64,
    pub programme: &'static str,
    pub number: String,
    pub valid_from: String,
    pub valid_until: String,
    /// An approved next term: 「2026年8月1日～2031年7月31日（承認済み）」 and its certificate.
    pub next_term: Option<(i64, String)>,
    /// Earlier terms whose certificates stay downloadable: (term id, 「2016年8月1日 ～ 2021年7月31日」).
    pub earlier_terms: Vec<(i64, String)>,
    /// The open or recent application of this programme, in the physician's words.
    pub application: Option<ApplicationStatusView>,
    pub status: &'static str,
    pub days_left: Option<i64>,
    pub needs: &'static str,
    pub next_step: String,
    /// The portal's credits within the validity period, against what renewal needs.
    pub progress: ProgressView,
}

/// Where an application stands and what the physician does next (issue 9).
pub struct ApplicationStatusView {
    pub id: i64,
    pub kind: &'static str,
    pub status: &'static str,
    /// The cycle and the expected decision and certificate dates.
    pub cycle: Option<String>,
    /// What the physician must do next, if anything.
    pub next: String,
    /// The comment of the tier that returned it.
    pub return_comment: Option<String>,
    pub returned: bool,
}

impl ApplicationStatusView {
    fn new(a: &db::applications::Application) -> Self {
        use crate::domain::application::Status;
        use crate::domain::schedule::YearMonth;
        let status = a.status();
        let cycle = a.cycle_number.zip(a.committee_date).map(|(n, date)| {
            let committee = YearMonth::of(date);
            format!(
                "第{n}回（{}末の運営委員会）で審査されます。承認後すぐに認定証をダウンロードでき、紙の認定証は{}末ごろ届きます。",
                committee.label(),
                committee.plus(1).label()
            )
        });
        let next = match status {
            Status::Draft => {
                "申請はまだ提出されていません。内容を確認して提出してください。".into()
            }
            Status::Returned => {
                "申請が差し戻されました。コメントを読んで修正し、もう一度提出してください。".into()
            }
            Status::Submitted | Status::MunicipalReceived if a.fee_paid_at.is_none() => format!(
                "{}で審査中です。審査・登録料（10,000円）をお支払いください。{}",
                a.receiving_association_name,
                a.fee_instructions
                    .as_deref()
                    .unwrap_or("支払い方法は都道府県医師会からご案内します。")
            ),
            Status::Submitted | Status::MunicipalReceived => {
                "医師会で審査中です。お手続きは必要ありません。".into()
            }
            Status::PrefectureApproved => {
                "日本医師会の審査を待っています。お手続きは必要ありません。".into()
            }
            Status::Approved => "認定されました。認定証をダウンロードできます。".into(),
            Status::Rejected => "認定されませんでした。詳しくは申請の画面をご覧ください。".into(),
            Status::Withdrawn => "取り下げました。".into(),
        };
        ApplicationStatusView {
            id: a.id,
            kind: crate::domain::review::kind_label(&a.kind),
            status: status.label_for_physician(),
            cycle: if status == Status::PrefectureApproved { cycle } else { None },
            next,
            return_comment: (status == Status::Returned)
                .then(|| a.return_comment.clone())
                .flatten(),
            returned: status == Status::Returned,
        }
    }

    /// The application the my page shows for a programme: an open one, else one decided in
    /// the last 90 days.
    fn pick<'a>(
        applications: &'a [db::applications::Application],
        programme: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<&'a db::applications::Application> {
        use crate::domain::application::Status;
        let of = |a: &&db::applications::Application| a.programme == programme;
        applications.iter().filter(of).find(|a| !a.status().is_closed()).or_else(|| {
            applications.iter().filter(of).find(|a| {
                a.status() != Status::Withdrawn
                    && a.decided_at.is_some_and(|d| (now - d).num_days() <= 90)
            })
        })
    }
}

pub struct ProgressLineView {
    pub label: &'static str,
    pub in_person: String,
    /// 「―」 where Web units do not count (生涯研修 実地).
    pub web: String,
    pub required: String,
    pub met: bool,
}

pub struct ProgressView {
    pub lines: Vec<ProgressLineView>,
    pub in_person_total: String,
    pub web_earned: String,
    pub web_counted: String,
    /// Some when Web units are capped (認定産業医): the cap.
    pub web_cap: Option<String>,
    pub web_capped: bool,
    pub total: String,
    pub total_required: String,
    /// Units still missing towards the total (None once reached).
    pub total_short: Option<String>,
    pub met: bool,
}

impl ProgressView {
    fn new(p: &progress::Progress) -> Self {
        ProgressView {
            lines: p
                .lines
                .iter()
                .map(|l| ProgressLineView {
                    label: l.category.label(),
                    in_person: units_text(l.in_person),
                    web: if l.web_counts { units_text(l.web) } else { "―".to_string() },
                    required: units_text(l.required),
                    met: l.met,
                })
                .collect(),
            in_person_total: units_text(p.in_person_total),
            web_earned: units_text(p.web_earned),
            web_counted: units_text(p.web_counted),
            web_cap: p.web_cap.map(units_text),
            web_capped: p.web_counted < p.web_earned,
            total: units_text(p.total),
            total_required: units_text(p.total_required),
            total_short: (p.total < p.total_required)
                .then(|| units_text(p.total_required - p.total)),
            met: p.met,
        }
    }

    /// Progress of one certification from the sums the my-page query returned for it.
    fn for_certification(
        programme_code: &str,
        certification_id: i64,
        sums: &[db::credit_views::CertificationSum],
    ) -> Self {
        let programme = Programme::from_code(programme_code).unwrap_or(Programme::Occupational);
        let sums: Vec<(Category, Format, Decimal)> = sums
            .iter()
            .filter(|s| s.certification_id == certification_id)
            .filter_map(|s| {
                Some((Category::from_code(&s.category)?, Format::from_code(&s.format)?, s.units))
            })
            .collect();
        ProgressView::new(&progress::renewal_progress(programme, &sums))
    }
}

/// One seminar of the attendance history.
pub struct HistoryEntry {
    pub title: String,
    pub programme: &'static str,
    pub dates: String,
    pub organizer: String,
    /// (category, units) as the seminar granted them to this physician.
    pub units: Vec<(&'static str, String)>,
    pub format: String,
}

/// Groups the history query's rows (one per seminar and category, a seminar's rows adjacent)
/// into one entry per seminar.
fn history_entries(rows: Vec<db::credit_views::HistoryRow>) -> Vec<HistoryEntry> {
    let mut entries: Vec<(i64, HistoryEntry, Vec<&'static str>)> = Vec::new();
    for row in rows {
        let category = Category::from_code(&row.category).map(Category::label).unwrap_or("その他");
        let format = Format::from_code(&row.format).map(Format::label).unwrap_or("―");
        match entries.last_mut() {
            Some((id, entry, formats)) if *id == row.seminar_id => {
                entry.units.push((category, units_text(row.units)));
                if !formats.contains(&format) {
                    formats.push(format);
                }
            }
            _ => {
                let dates = if row.starts_on == row.ends_on {
                    format_jp_date(row.ends_on)
                } else {
                    format!("{} ～ {}", format_jp_date(row.starts_on), format_jp_date(row.ends_on))
                };
                entries.push((
                    row.seminar_id,
                    HistoryEntry {
                        title: row.title,
                        programme: programme_label(&row.programme),
                        dates,
                        organizer: row.organizer_name,
                        units: vec![(category, units_text(row.units))],
                        format: String::new(),
                    },
                    vec![format],
                ));
            }
        }
    }
    entries
        .into_iter()
        .map(|(_, mut entry, formats)| {
            entry.format = formats.join("・");
            entry
        })
        .collect()
}

pub fn programme_label(code: &str) -> &'static str {
    match code {
        "occupational" => "認定産業医",
        "sports" => "認定健康スポーツ医",
        _ => "認定医",
    }
}

/// What a renewal needs, in the physician's words (DOMAIN §2).
fn renewal_needs(programme: &str) -> &'static str {
    match programme {
        "occupational" => "有効期間内に取得した生涯研修20単位以上（更新・実地・専門の各研修1単位以上を含む。Web研修は更新・専門のみ、合計5単位まで）",
        _ => "有効期間内に取得した健康スポーツ医学再研修5単位以上と、実践活動の報告",
    }
}

/// What the certification views are built from (one statement for the my page, see
/// `db::my_page`; the printable history reads the terms and sums only).
struct CertificationFacts<'a> {
    sums: &'a [db::credit_views::CertificationSum],
    certifications: Vec<db::physicians::Certification>,
    applications: &'a [db::applications::Application],
    deadlines: &'a [(chrono::NaiveDate, chrono::NaiveDate)],
    terms: &'a [db::terms::PhysicianTerm],
}

/// The physician's certifications as they stand on `today`, with the open or recent
/// application of each programme and the renewal advice (which uses the prefecture's internal
/// deadlines; the printable history passes none).
fn certification_views(
    facts: CertificationFacts<'_>,
    now: crate::clock::Jst,
) -> Vec<CertificationView> {
    use crate::domain::record_status::CertificationStatus;
    use crate::domain::schedule::{renewal_advice, YearMonth};
    use crate::domain::terms::{standing, Standing};
    let today = now.date_naive();
    let CertificationFacts { sums, certifications, applications, deadlines, terms } = facts;
    let internal = |committee: YearMonth| {
        deadlines.iter().find(|(date, _)| YearMonth::of(*date) == committee).map(|(_, d)| *d)
    };
    let mut views = Vec::new();
    for c in certifications {
        let now_standing = standing(c.valid_from, c.valid_until, today);
        let active = c.status == CertificationStatus::Active && now_standing == Standing::InForce;
        let application = ApplicationStatusView::pick(applications, &c.programme, now.to_utc());
        let next_term = c.next_term_id.zip(c.next_valid_from.zip(c.next_valid_until)).map(
            |(id, (from, until))| {
                (id, format!("{} ～ {}（承認済み）", format_jp_date(from), format_jp_date(until)))
            },
        );
        let next_step = if next_term.is_some() {
            "更新の手続きは済んでいます。次の有効期間の認定証もダウンロードできます。".to_string()
        } else if now_standing == Standing::NotStarted {
            format!("認定は{}から有効です。", format_jp_date(c.valid_from))
        } else {
            renewal_advice(c.valid_until, today, internal).text()
        };
        let earlier_terms = terms
            .iter()
            .filter(|t| t.certification_id == c.id && t.valid_until < c.valid_from)
            .rev()
            .map(|t| {
                let text = format!(
                    "{} ～ {}",
                    format_jp_date(t.valid_from),
                    format_jp_date(t.valid_until)
                );
                (t.id, text)
            })
            .collect();
        views.push(CertificationView {
            id: c.id,
            term_id: c.term_id,
            earlier_terms,
            programme: programme_label(&c.programme),
            number: c.certificate_number,
            valid_from: format_jp_date(c.valid_from),
            valid_until: format_jp_date(c.valid_until),
            next_term,
            application: application.map(ApplicationStatusView::new),
            status: c.status.standing_label(now_standing),
            days_left: active.then(|| (c.valid_until - today).num_days()),
            needs: renewal_needs(&c.programme),
            next_step,
            progress: ProgressView::for_certification(&c.programme, c.id, sums),
        });
    }
    views
}

#[derive(Template)]
#[template(path = "mypage/home.html")]
struct MyPage {
    layout: Layout,
    name: String,
    furigana: String,
    display: &'static str,
    pending_review: bool,
    certifications: Vec<CertificationView>,
    history: Vec<HistoryEntry>,
    /// Seminars whose credits under this 医籍登録番号 wait for staff (birth date differs).
    held_credits: Vec<String>,
}

pub async fn mypage(State(state): State<AppState>, ctx: extract::Physician) -> AppResult<Response> {
    use crate::domain::registration::{certification_display, CertificationDisplay};
    let user = &ctx.user;
    // Everything the page shows in one statement (after the session and the account).
    let reads = state.read_pool(&ctx);
    let data = db::my_page::load(reads, user.id, ctx.now.date_naive())
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    let db::physicians::WithLinkCounts { physician, linked, open_reviews } = data.physician;
    let Some(completed_at) = physician.registration_completed_at else {
        return Ok(see_other("/welcome"));
    };
    let display = certification_display(
        Some(completed_at.with_timezone(&crate::clock::jst())),
        ctx.now,
        linked as usize,
        open_reviews as usize,
    );
    let certifications = if display == CertificationDisplay::Show {
        let facts = CertificationFacts {
            sums: &data.sums,
            certifications: data.certifications,
            applications: &data.applications,
            deadlines: &data.deadlines,
            terms: &data.terms,
        };
        certification_views(facts, ctx.now)
    } else {
        Vec::new()
    };
    let history = history_entries(data.history);
    let held_credits = crate::web::office::held_credits::held_line_texts(data.held);
    let announcements = crate::web::layout::site_notices(&state, ctx.now).await?;
    let page = MyPage {
        held_credits,
        layout: ctx.layout().with_notice(ctx.take_flash().await?).with_announcements(announcements),
        name: physician.kanji_name,
        furigana: physician.furigana,
        display: match display {
            CertificationDisplay::Show => "show",
            CertificationDisplay::FromApril7 => "april7",
            CertificationDisplay::AwaitingLink => "awaiting",
            CertificationDisplay::Nothing => "nothing",
        },
        pending_review: open_reviews > 0,
        certifications,
        history,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "mypage/credits_print.html")]
struct CreditsPrintPage {
    layout: Layout,
    name: String,
    furigana: String,
    birth_date: String,
    registry_number: String,
    printed_at: String,
    certifications: Vec<CertificationView>,
    history: Vec<HistoryEntry>,
}

/// The printable credit history (the 手帳 replacement some prefectures accept on paper).
pub async fn credits_print(
    State(state): State<AppState>,
    ctx: extract::Physician,
) -> AppResult<Response> {
    let user = &ctx.user;
    let reads = state.read_pool(&ctx);
    let physician = db::physicians::for_account(reads, user.id)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    if physician.registration_completed_at.is_none() {
        return Ok(see_other("/welcome"));
    }
    let today = ctx.now.date_naive();
    let sums = db::credit_views::sums_within_validity(reads, physician.id, today).await?;
    let facts = CertificationFacts {
        sums: &sums,
        certifications: db::physicians::certifications(reads, physician.id, today).await?,
        applications: &[],
        deadlines: &[],
        terms: &[],
    };
    let certifications = certification_views(facts, ctx.now);
    let history = history_entries(db::credit_views::history(reads, physician.id).await?);
    let page = CreditsPrintPage {
        layout: ctx.layout(),
        name: physician.kanji_name,
        furigana: physician.furigana,
        birth_date: format_jp_date(physician.birth_date),
        registry_number: physician.registry_number.unwrap_or_default(),
        printed_at: crate::clock::format_jp_datetime(ctx.now),
        certifications,
        history,
    };
    render(&page)
}
