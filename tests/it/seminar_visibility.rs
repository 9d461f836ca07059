//! Who sees which seminar's attendees and credits (DOMAIN §9, briefing Q9), every cell:
//! a municipal association only the seminars it organized, a prefecture every seminar it
//! approved, JMA all; physicians and the system administrator none. The lists are filtered in
//! SQL; a seminar's attendees are read (one paged list shared with the organizer's work page)
//! only after the policy allowed them, as the first test proves cell by cell.

use crate::common;

use crate::common::TestApp;
use chrono::NaiveDate;
use mamis::db::seminar_review;
use mamis::db::seminars::{self, NewSeminar};
use mamis::domain::policy::Scope as SeminarScope;
use mamis::domain::seminar::Status;
use reqwest::StatusCode;
use rust_decimal::Decimal;

struct Fixture {
    /// (title, id, attendee name)
    chiyoda: (&'static str, i64, &'static str),
    minato: (&'static str, i64, &'static str),
    outside_tokyo: (&'static str, i64, &'static str),
    outside_osaka: (&'static str, i64, &'static str),
    chiyoda_association: i64,
}

async fn association(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM associations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn seminar(
    app: &TestApp,
    title: &'static str,
    organizer: Option<(i64, &str)>,
    prefecture: i16,
    attendee: &'static str,
    registry_number: &str,
) -> (&'static str, i64, &'static str) {
    let now = app.clock.now();
    let units = [("lifelong_renewal", Decimal::new(15, 1))];
    let mut tx = app.pool.begin().await.unwrap();
    let id = seminars::create(
        &mut tx,
        &NewSeminar {
            programme: "occupational",
            title,
            starts_on: NaiveDate::from_ymd_opt(2025, 6, 14).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2025, 6, 14).unwrap(),
            format: "in_person",
            venue: "会場",
            organizer_association_id: organizer.map(|o| o.0),
            organizer_name: organizer.map(|o| o.1).unwrap_or("株式会社 研修"),
            contact_name: "担当 者",
            contact_email: "contact@example.jp",
            contact_phone: Some("03-1111-2222"),
            contact_fax: None,
            approving_prefecture_code: prefecture,
            status: "approved",
            submitted_by: None,
            paper_approved: true,
            recruiting: false,
            capacity: None,
            units: &units,
        },
        now,
    )
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO credits (seminar_id, registry_number, kanji_name, furigana, birth_date, sex,
             email, phone, category, units, format, match_status, registered_at, updated_at)
         VALUES ($1, $2, $3, 'ジュコウ シャ', '1975-01-01', 'female', 'a@example.jp',
                 '03-0000-0000', 'lifelong_renewal', 1.5, 'in_person', 'unmatched', $4, $4)",
    )
    .bind(id)
    .bind(registry_number)
    .bind(attendee)
    .bind(now)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (title, id, attendee)
}

async fn fixture(app: &TestApp) -> Fixture {
    let chiyoda_association = association(app, "千代田区医師会").await;
    let minato_association = association(app, "港区医師会").await;
    Fixture {
        chiyoda: seminar(
            app,
            "千代田区医師会主催の研修会",
            Some((chiyoda_association, "千代田区医師会")),
            13,
            "千代田 花子",
            "900001",
        )
        .await,
        minato: seminar(
            app,
            "港区医師会主催の研修会",
            Some((minato_association, "港区医師会")),
            13,
            "港 次郎",
            "900002",
        )
        .await,
        outside_tokyo: seminar(app, "外部団体の研修会（東京）", None, 13, "東京 三郎", "900003")
            .await,
        outside_osaka: seminar(app, "外部団体の研修会（大阪）", None, 27, "大阪 四郎", "900004")
            .await,
        chiyoda_association,
    }
}

/// An Osaka prefectural staff member, created the way tests/proxy.rs does.
async fn add_osaka_staff(app: &TestApp) {
    let hash = mamis::password::hash(common::PASSWORD).unwrap();
    sqlx::query(
        "WITH a AS (INSERT INTO accounts (login_id, password_hash, role, display_name, created_at, updated_at)
                    VALUES ('osaka', $1, 'prefectural_staff', '大阪府医師会 事務局', now(), now()) RETURNING id)
         INSERT INTO staff_memberships (account_id, association_id, since)
         SELECT a.id, s.id, now() FROM a, associations s WHERE s.kind = 'prefectural' AND s.prefecture_code = 27",
    )
    .bind(&hash)
    .execute(&app.pool)
    .await
    .unwrap();
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Sees {
    /// The page and the attendees' credits.
    Attendees,
    /// Not found (staff who may not see the seminar are not told it exists).
    Hidden,
    /// Not staff: 403.
    Refused,
}

#[tokio::test]
async fn every_cell_of_the_visibility_table() {
    use Sees::*;
    let app = TestApp::spawn_at("2025-07-10 10:00").await;
    add_osaka_staff(&app).await;
    let f = fixture(&app).await;
    let seminars = [f.chiyoda, f.minato, f.outside_tokyo, f.outside_osaka];
    // Columns: Chiyoda's own, Minato's (Tokyo), outside body approved by Tokyo, by Osaka.
    let table: [(&str, [Sees; 4]); 6] = [
        ("chiyoda", [Attendees, Hidden, Hidden, Hidden]),
        ("tokyo", [Attendees, Attendees, Attendees, Hidden]),
        ("osaka", [Hidden, Hidden, Hidden, Attendees]),
        ("jma", [Attendees, Attendees, Attendees, Attendees]),
        ("doctor", [Refused, Refused, Refused, Refused]),
        ("admin", [Refused, Refused, Refused, Refused]),
    ];
    for (login, row) in table {
        let mut b = app.signed_in(login).await;
        let list = b.get("/office/seminars").await;
        for ((title, id, attendee), want) in seminars.iter().zip(row) {
            let page = b.get(&format!("/office/seminars/{id}")).await;
            let (status, listed) = match want {
                Attendees => (StatusCode::OK, true),
                Hidden => (StatusCode::NOT_FOUND, false),
                Refused => (StatusCode::FORBIDDEN, false),
            };
            assert_eq!(page.status, status, "{login} opening {title}");
            assert_eq!(
                page.body.contains(attendee),
                want == Attendees,
                "{login} sees the attendees of {title}: {want:?}"
            );
            if want == Attendees {
                assert!(page.body.contains("受講者と単位の登録状況"));
                assert!(page.body.contains("生涯研修 更新"));
                assert!(page.body.contains("該当する医師なし"));
            }
            if want == Refused {
                assert_eq!(list.status, StatusCode::FORBIDDEN, "{login}: the list");
            } else {
                assert_eq!(list.status, StatusCode::OK);
                assert_eq!(list.body.contains(title), listed, "{login} lists {title}");
            }
        }
    }
}

#[tokio::test]
async fn the_queries_filter_by_scope_on_their_own() {
    let app = TestApp::spawn_at("2025-07-10 10:00").await;
    let f = fixture(&app).await;
    let titles = |rows: Vec<seminar_review::ListRow>| {
        let mut t: Vec<String> = rows.into_iter().map(|r| r.title).collect();
        t.sort();
        t
    };
    let organized = seminar_review::list(
        &app.pool,
        SeminarScope::Association(f.chiyoda_association),
        None,
        100,
    )
    .await
    .unwrap();
    assert_eq!(titles(organized), [f.chiyoda.0]);
    let tokyo =
        seminar_review::list(&app.pool, SeminarScope::Prefecture(13), None, 100).await.unwrap();
    let mut expected = vec![f.chiyoda.0, f.minato.0, f.outside_tokyo.0];
    expected.sort();
    assert_eq!(titles(tokyo), expected);
    assert_eq!(
        seminar_review::list(&app.pool, SeminarScope::All, None, 100).await.unwrap().len(),
        4
    );
    assert!(seminar_review::list(&app.pool, SeminarScope::Nothing, None, 100)
        .await
        .unwrap()
        .is_empty());
    assert!(seminar_review::list(&app.pool, SeminarScope::All, Some(Status::Submitted), 100)
        .await
        .unwrap()
        .is_empty());
}
