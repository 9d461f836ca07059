//! The database refuses rows the code never writes (issue 11): typed references and CHECKs that
//! agree with the enums in `domain/`.

use mamis::domain::application_event::ApplicationEvent;
use mamis::domain::category::Category;

use crate::common::TestApp;

#[tokio::test]
async fn declared_credit_categories_in_the_database_are_exactly_the_domains() {
    let app = TestApp::spawn().await;
    let definition: String = sqlx::query_scalar(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint
         WHERE conname = 'declared_credits_category'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    for category in Category::ALL {
        assert!(definition.contains(&format!("'{}'", category.code())), "{category:?} allowed");
    }
    assert_eq!(definition.matches("::text").count(), Category::ALL.len(), "{definition}");
}

#[tokio::test]
async fn application_event_actions_in_the_database_are_exactly_the_domains() {
    let app = TestApp::spawn().await;
    let definition: String = sqlx::query_scalar(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint
         WHERE conname = 'application_events_action'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    for event in ApplicationEvent::ALL {
        assert!(definition.contains(&format!("'{}'", event.code())), "{event:?} allowed");
    }
    assert_eq!(definition.matches("::text").count(), ApplicationEvent::ALL.len(), "{definition}");
}

#[tokio::test]
async fn uploaded_files_need_an_owner_that_exists() {
    let app = TestApp::spawn().await;
    let insert = |owner_type: &'static str, owner_id: i64| {
        sqlx::query(
            "INSERT INTO uploaded_files (owner_type, owner_id, file_name, content_type,
                 size_bytes, data, uploaded_at)
             VALUES ($1, $2, 'a.pdf', 'application/pdf', 1, '\\x25', now())",
        )
        .bind(owner_type)
        .bind(owner_id)
        .execute(&app.pool)
    };
    assert!(insert("invoice", 1).await.is_err(), "unknown owner kind refused");
    assert!(insert("application", 999_999).await.is_err(), "missing application refused");
    assert!(insert("seminar_report", 999_999).await.is_err(), "missing seminar refused");
}
