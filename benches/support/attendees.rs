//! What the benchmarks and drills share (each includes this file with `#[path]`, a bench being
//! its own crate): 100,000 registered physicians, approved seminars with work pages, and the
//! 10,000-row attendee CSV of matched, unmatched and mismatched attendees, Shift_JIS with CRLF
//! as Excel saves them.
#![allow(dead_code)]

use std::time::Instant;

use chrono::{Days, NaiveDate};
use mamis::clock::{Clock, Jst};
use mamis::db::{seminars, work_pages};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};

pub const PHYSICIANS: i64 = 100_000;
pub const ROWS: usize = 10_000;
pub const BOUNDARY: &str = "----mamis-bench-boundary-c2Vt8Qn";

/// The birth date the database gives physician `n` (see `seed`).
fn birth_of(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1945, 1, 1).unwrap() + Days::new((n * 7 % 20_000) as u64)
}

pub async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    let started = Instant::now();
    sqlx::query(
        "INSERT INTO physicians (kanji_name, furigana, birth_date, sex, registry_number, phone,
             prefecture_code, terms_version, terms_accepted_at, details_confirmed_at,
             registration_completed_at, created_at, updated_at)
         SELECT '医師' || g, 'イシ' , DATE '1945-01-01' + (g * 7 % 20000)::int,
                CASE WHEN g % 3 = 0 THEN 'female' ELSE 'male' END, (100000 + g)::text,
                '03-1234-5678', (g % 47 + 1)::smallint, NULL, now(), now(), now(), now(), now()
         FROM generate_series(1, $1::bigint) AS g",
    )
    .bind(PHYSICIANS)
    .execute(pool)
    .await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    println!("  seeded {PHYSICIANS} registered physicians in {:?}", started.elapsed());
    Ok(())
}

/// Creates an approved (on paper) seminar held on `held`, granting `units`; returns its id.
pub async fn create_seminar(
    conn: &mut PgConnection,
    title: &str,
    units: &[(&str, Decimal)],
    held: NaiveDate,
    now: Jst,
) -> sqlx::Result<i64> {
    create_seminar_as(conn, title, units, held, "in_person", now).await
}

/// As `create_seminar`, in the given format ('in_person' or 'web').
pub async fn create_seminar_as(
    conn: &mut PgConnection,
    title: &str,
    units: &[(&str, Decimal)],
    held: NaiveDate,
    format: &str,
    now: Jst,
) -> sqlx::Result<i64> {
    seminars::create(
        conn,
        &seminars::NewSeminar {
            programme: "occupational",
            title,
            starts_on: held,
            ends_on: held,
            format,
            venue: "東京都千代田区",
            organizer_association_id: None,
            organizer_name: "ベンチマーク主催者",
            contact_name: "担当",
            contact_email: "bench@example.jp",
            contact_phone: Some("03-0000-0000"),
            contact_fax: None,
            approving_prefecture_code: 13,
            status: "approved",
            submitted_by: None,
            paper_approved: true,
            recruiting: false,
            capacity: None,
            units,
        },
        now,
    )
    .await
}

/// An approved seminar held a week ago (granting 生涯研修 更新 1 and 専門 2 units, the CSV's
/// columns), its id and its work page path.
pub async fn seminar(
    pool: &PgPool,
    title: &str,
    today: NaiveDate,
) -> anyhow::Result<(i64, String)> {
    seminar_as(pool, title, today, "in_person").await
}

/// As `seminar`, in the given format ('in_person' or 'web').
pub async fn seminar_as(
    pool: &PgPool,
    title: &str,
    today: NaiveDate,
    format: &str,
) -> anyhow::Result<(i64, String)> {
    let now = Clock::system().now();
    let mut conn = pool.acquire().await?;
    let units =
        [("lifelong_renewal", Decimal::new(1, 0)), ("lifelong_specialized", Decimal::new(2, 0))];
    let id = create_seminar_as(&mut conn, title, &units, today - Days::new(7), format, now).await?;
    let token = work_pages::issue(&mut conn, id, None, now).await?;
    Ok((id, format!("/work/{token}")))
}

const FAMILY: [&str; 12] = [
    "山田", "佐藤", "鈴木", "髙橋", "田中", "渡邊", "伊藤", "中村", "小林", "加藤", "﨑山", "齋藤",
];
const FAMILY_KANA: [&str; 12] = [
    "ﾔﾏﾀﾞ",
    "サトウ",
    "ｽｽﾞｷ",
    "タカハシ",
    "ﾀﾅｶ",
    "ワタナベ",
    "イトウ",
    "ﾅｶﾑﾗ",
    "コバヤシ",
    "ｶﾄｳ",
    "サキヤマ",
    "サイトウ",
];
const GIVEN: [&str; 8] = ["太郎", "花子", "一郎", "次郎", "美咲", "健", "直子", "翔"];
const GIVEN_KANA: [&str; 8] =
    ["タロウ", "ﾊﾅｺ", "イチロウ", "ジロウ", "ﾐｻｷ", "ケン", "ナオコ", "ショウ"];

/// 10,000 attendees as Excel saves them (Shift_JIS, CRLF): 85% match a physician, 10% match
/// nobody, 5% carry a physician's number with another birth date. Dates in several spellings.
pub fn attendee_csv() -> Vec<u8> {
    attendee_csv_of(ROWS)
}

/// The same mix with `rows` attendees (at most `PHYSICIANS`, all numbers distinct).
pub fn attendee_csv_of(rows: usize) -> Vec<u8> {
    let mut text = String::with_capacity(rows * 120);
    text.push_str(
        "漢字氏名,フリガナ,生年月日,性別,医籍登録番号,メールアドレス,電話番号,FAX番号,単位_生涯研修 更新,単位_生涯研修 専門\r\n",
    );
    for i in 0..rows {
        let n = (i as i64 * 9 + 1) % PHYSICIANS + 1;
        let (registry, birth) = match i % 20 {
            0 | 1 => (format!("{}", 900_000 + i), birth_of(n)),
            2 => (format!("{}", 100_000 + n), birth_of(n) + Days::new(1)),
            _ => (format!("{}", 100_000 + n), birth_of(n)),
        };
        let birth = match i % 4 {
            0 => birth.format("%Y/%-m/%-d").to_string(),
            1 => birth.format("%Y-%m-%d").to_string(),
            2 => birth.format("%Y%m%d").to_string(),
            _ => birth.format("%Y年%-m月%-d日").to_string(),
        };
        let f = i % FAMILY.len();
        let g = i % GIVEN.len();
        let sex = if i % 3 == 0 { "女" } else { "男" };
        let partial = if i % 10 == 0 { "0.5" } else { "" };
        let registry = if i % 7 == 0 { format!("第{registry}号") } else { registry };
        text.push_str(&format!(
            "{} {},{} {},{birth},{sex},{registry},attendee{i}@example.jp,03-{:04}-{:04},,{partial},\r\n",
            FAMILY[f],
            GIVEN[g],
            FAMILY_KANA[f],
            GIVEN_KANA[g],
            i % 10_000,
            (i * 7) % 10_000
        ));
    }
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable, "the CSV is Shift_JIS-safe");
    bytes.into_owned()
}

pub fn multipart_body(content: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"attendees.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}
