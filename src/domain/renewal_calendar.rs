//! The events of a physician's private calendar feed (issue 14): each certificate's expiry,
//! the window to apply for its renewal and the prefecture's internal deadline (both from
//! `schedule::renewal_advice`, the advice the my page gives), the committee date of an open
//! application, and the seminars applied to.

use chrono::{Datelike, NaiveDate};

use super::category::Programme;
use super::ical::Event;
use super::schedule::{renewal_advice, Advice, YearMonth};

pub struct Certification {
    pub id: i64,
    pub programme: Programme,
    pub valid_until: NaiveDate,
    /// An approved next term exists: nothing left to apply for.
    pub renewed: bool,
}

pub struct OpenApplication {
    pub id: i64,
    pub programme: Programme,
    pub cycle_number: Option<i16>,
    pub committee_date: NaiveDate,
}

pub struct AppliedSeminar {
    pub id: i64,
    pub title: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub venue: String,
    pub format: &'static str,
    pub organizer: String,
}

pub struct Facts<'a> {
    pub certifications: &'a [Certification],
    /// (committee date, internal deadline) of the physician's prefecture.
    pub deadlines: &'a [(NaiveDate, NaiveDate)],
    pub applications: &'a [OpenApplication],
    pub seminars: &'a [AppliedSeminar],
    /// The portal's address, for links back (no trailing slash).
    pub base_url: &'a str,
}

fn first_of(month: YearMonth) -> NaiveDate {
    NaiveDate::from_ymd_opt(month.year, month.month, 1).expect("valid month")
}

fn day_text(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// Every event of the feed, as of `today`.
pub fn events(facts: &Facts<'_>, today: NaiveDate) -> Vec<Event> {
    let mut events = Vec::new();
    let mypage = format!("{}/mypage", facts.base_url);
    let internal = |committee: YearMonth| {
        facts.deadlines.iter().find(|(date, _)| YearMonth::of(*date) == committee).map(|(_, d)| *d)
    };
    for c in facts.certifications {
        let name = c.programme.label();
        events.push(Event {
            uid: format!("expiry-{}-{}@mamis", c.id, c.valid_until.format("%Y%m%d")),
            first_day: c.valid_until,
            last_day: c.valid_until,
            summary: format!("{name}の有効期限"),
            description: Some(format!("{name}の認定は{}まで有効です。", day_text(c.valid_until))),
            location: None,
            url: Some(mypage.clone()),
        });
        if c.renewed {
            continue;
        }
        let advice = renewal_advice(c.valid_until, today, internal);
        let text = advice.text();
        let key = format!("{}-{}", c.id, c.valid_until.format("%Y%m%d"));
        match advice {
            Advice::Window { from, until, internal, committee, .. } => {
                events.push(Event {
                    uid: format!("window-{key}@mamis"),
                    first_day: first_of(from),
                    last_day: until,
                    summary: format!("{name}の更新申請の期間"),
                    description: Some(text.clone()),
                    location: None,
                    url: Some(format!("{}/mypage/applications", facts.base_url)),
                });
                if internal {
                    events.push(deadline_event(&key, name, until, committee, &text, &mypage));
                }
            }
            Advice::Behind { until, committee, .. } => {
                events.push(deadline_event(&key, name, until, committee, &text, &mypage));
            }
            Advice::Late { .. } | Advice::TooLate => {}
        }
    }
    for a in facts.applications {
        let cycle = a.cycle_number.map(|n| format!("第{n}回")).unwrap_or_default();
        events.push(Event {
            uid: format!("committee-{}-{}@mamis", a.id, a.committee_date.format("%Y%m%d")),
            first_day: a.committee_date,
            last_day: a.committee_date,
            summary: format!("{}の申請の審査（{cycle}運営委員会）", a.programme.label()),
            description: Some(
                "日本医師会の運営委員会で申請が審査されます。承認後、認定証をダウンロードできます。"
                    .into(),
            ),
            location: None,
            url: Some(format!("{}/mypage/applications/{}", facts.base_url, a.id)),
        });
    }
    for s in facts.seminars {
        events.push(Event {
            uid: format!("seminar-{}@mamis", s.id),
            first_day: s.first_day,
            last_day: s.last_day,
            summary: s.title.clone(),
            description: Some(format!(
                "主催：{}（{}）。受講を申し込んでいます。",
                s.organizer, s.format
            )),
            location: Some(s.venue.clone()),
            url: Some(format!("{}/seminars/{}", facts.base_url, s.id)),
        });
    }
    events
}

fn deadline_event(
    key: &str,
    name: &str,
    until: NaiveDate,
    committee: YearMonth,
    text: &str,
    url: &str,
) -> Event {
    Event {
        uid: format!("deadline-{key}-{}@mamis", until.format("%Y%m%d")),
        first_day: until,
        last_day: until,
        summary: format!("{name}の更新申請の締切（{}の審査回）", committee.label()),
        description: Some(text.to_string()),
        location: None,
        url: Some(url.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn summaries(events: &[Event]) -> Vec<String> {
        events.iter().map(|e| e.summary.clone()).collect()
    }

    #[test]
    fn expiry_window_internal_deadline_committee_and_seminars() {
        let certifications = [Certification {
            id: 7,
            programme: Programme::Occupational,
            valid_until: date(2025, 9, 30),
            renewed: false,
        }];
        // Expiry 9/30: committee end of July, apply in June; the prefecture closes 6/20.
        let deadlines = [(date(2025, 7, 31), date(2025, 6, 20))];
        let applications = [OpenApplication {
            id: 3,
            programme: Programme::Sports,
            cycle_number: Some(2),
            committee_date: date(2025, 7, 31),
        }];
        let seminars = [AppliedSeminar {
            id: 11,
            title: "産業医研修会".into(),
            first_day: date(2025, 6, 14),
            last_day: date(2025, 6, 14),
            venue: "医師会館".into(),
            format: "対面",
            organizer: "東京都医師会".into(),
        }];
        let facts = Facts {
            certifications: &certifications,
            deadlines: &deadlines,
            applications: &applications,
            seminars: &seminars,
            base_url: "https://mamis.example",
        };
        let events = events(&facts, date(2025, 5, 20));
        assert_eq!(
            summaries(&events),
            vec![
                "認定産業医の有効期限",
                "認定産業医の更新申請の期間",
                "認定産業医の更新申請の締切（2025年7月の審査回）",
                "認定健康スポーツ医の申請の審査（第2回運営委員会）",
                "産業医研修会",
            ]
        );
        assert_eq!(events[0].first_day, date(2025, 9, 30));
        assert_eq!(
            (events[1].first_day, events[1].last_day),
            (date(2025, 5, 1), date(2025, 6, 20))
        );
        assert_eq!(events[2].first_day, date(2025, 6, 20));
        assert_eq!(events[3].first_day, date(2025, 7, 31));
        assert_eq!(events[4].location.as_deref(), Some("医師会館"));
        assert_eq!(events[4].url.as_deref(), Some("https://mamis.example/seminars/11"));
    }

    #[test]
    fn a_renewed_certificate_has_only_its_expiry() {
        let certifications = [Certification {
            id: 7,
            programme: Programme::Occupational,
            valid_until: date(2025, 9, 30),
            renewed: true,
        }];
        let facts = Facts {
            certifications: &certifications,
            deadlines: &[],
            applications: &[],
            seminars: &[],
            base_url: "",
        };
        assert_eq!(summaries(&events(&facts, date(2025, 5, 20))), vec!["認定産業医の有効期限"]);
    }
}
