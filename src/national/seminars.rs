//! Seminars (both programmes and formats, by associations and outside bodies, all approved)
//! and the credits their organizers registered.

use chrono::{Days, NaiveDate};
use rand::Rng;

use super::names::PREFECTURES;
use super::people::{prefecture_indexes, Person};
use super::rng_for;
use crate::domain::category::{Category, Format, Programme};

const STREAM_SEMINAR: u64 = 10;
const STREAM_ATTENDEES: u64 = 11;

/// Who organizes a seminar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Organizer {
    Prefectural,
    /// The k-th municipal association of the prefecture (index into its cities).
    Municipal(usize),
    Outside,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seminar {
    pub no: u32,
    pub programme: Programme,
    pub format: Format,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub venue: String,
    pub organizer: Organizer,
    pub organizer_name: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub prefecture_code: u8,
    /// Units per category, in tenths (15 = 1.5 units).
    pub units: Vec<(Category, u16)>,
}

/// The first day of portal-managed credits (DOMAIN §3).
pub fn first_portal_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 4, 1).expect("valid date")
}

/// What a seminar grants: categories allowed in its format, one to a few per seminar.
pub fn units_for(rng: &mut impl Rng, programme: Programme, format: Format) -> Vec<(Category, u16)> {
    use Category::*;
    // Half-unit steps between lo and hi tenths.
    fn pick<R: Rng + ?Sized>(rng: &mut R, lo: u16, hi: u16) -> u16 {
        rng.gen_range(lo / 5..=hi / 5) * 5
    }
    let mut units: Vec<(Category, u16)> = match (programme, format) {
        (Programme::Occupational, Format::InPerson) => match rng.gen_range(0..10) {
            0..=1 => {
                let early: Vec<Category> =
                    Category::ALL.into_iter().filter(|c| c.is_basic_early_item()).collect();
                let first = rng.gen_range(0..early.len());
                let count = rng.gen_range(1..=3);
                (0..count).map(|k| (early[(first + k) % early.len()], pick(rng, 10, 20))).collect()
            }
            2 => vec![(BasicPractical, pick(rng, 10, 30))],
            3 => vec![(BasicLate, pick(rng, 15, 30))],
            _ => {
                let mut v = vec![(LifelongRenewal, pick(rng, 10, 20))];
                if rng.gen_bool(0.5) {
                    v.push((LifelongPractical, pick(rng, 10, 20)));
                }
                if rng.gen_bool(0.5) {
                    v.push((LifelongSpecialized, pick(rng, 10, 20)));
                }
                if rng.gen_bool(0.3) {
                    v.remove(0);
                }
                v
            }
        },
        (Programme::Occupational, Format::Web) => {
            let mut v = vec![(LifelongRenewal, pick(rng, 10, 20))];
            if rng.gen_bool(0.5) {
                v.push((LifelongSpecialized, pick(rng, 10, 20)));
            }
            if rng.gen_bool(0.3) {
                v.remove(0);
            }
            v
        }
        (Programme::Sports, Format::InPerson) => match rng.gen_range(0..10) {
            0 => vec![(SportsEarly, pick(rng, 100, 150))],
            1 => vec![(SportsLate, pick(rng, 100, 150))],
            _ => vec![(SportsRetraining, pick(rng, 10, 30))],
        },
        (Programme::Sports, Format::Web) => vec![(SportsRetraining, pick(rng, 10, 20))],
    };
    if units.is_empty() {
        units.push((Category::LifelongSpecialized, 10));
    }
    debug_assert!(units.iter().all(|(c, _)| c.allowed_in(format) && c.programme() == programme));
    units
}

/// Seminar n (1-based) of `count`, held between the first portal day and about half a year
/// after `today` (most already held).
pub fn seminars(seed: u64, count: u32, today: NaiveDate) -> Vec<Seminar> {
    let first = first_portal_day();
    let past_days = (today - first).num_days().max(1) as u64;
    prefecture_indexes(count)
        .into_iter()
        .zip(1..=count)
        .map(|(pref_index, no)| {
            let mut rng = rng_for(seed, STREAM_SEMINAR, u64::from(no));
            let pref = &PREFECTURES[pref_index];
            let prefecture_name =
                crate::domain::prefecture::name(i16::from(pref.code)).unwrap_or_default();
            let programme =
                if rng.gen_bool(0.75) { Programme::Occupational } else { Programme::Sports };
            let format = if rng.gen_bool(0.3) { Format::Web } else { Format::InPerson };
            let starts_on = if rng.gen_bool(0.88) {
                first + Days::new(rng.gen_range(0..past_days))
            } else {
                today + Days::new(rng.gen_range(1..180))
            };
            let ends_on = if rng.gen_bool(0.1) { starts_on + Days::new(1) } else { starts_on };
            let city_index = rng.gen_range(0..pref.cities.len());
            let city = pref.cities[city_index];
            let organizer = match rng.gen_range(0..10) {
                0..=3 => Organizer::Prefectural,
                4..=5 => Organizer::Municipal(city_index),
                _ => Organizer::Outside,
            };
            let organizer_name = match organizer {
                Organizer::Prefectural => format!("{prefecture_name}医師会"),
                Organizer::Municipal(_) => super::names::municipal_association_name(city),
                Organizer::Outside => match rng.gen_range(0..4) {
                    0 => format!("{prefecture_name}産業保健総合支援センター"),
                    1 => format!("一般社団法人{prefecture_name}労働衛生協会"),
                    2 => format!("{}大学医学部 公衆衛生学教室", city.trim_end_matches('区')),
                    _ => format!("{prefecture_name}スポーツ医学研究会"),
                },
            };
            let topic = match programme {
                Programme::Occupational => "産業医研修会",
                Programme::Sports => "健康スポーツ医学研修会",
            };
            let venue = match format {
                Format::Web => "オンライン（Web配信）".to_string(),
                Format::InPerson => format!(
                    "{city}{}",
                    ["医師会館 大会議室", "市民会館 第1会議室", "総合病院 講堂"]
                        [rng.gen_range(0..3)]
                ),
            };
            let (surname, _) = super::names::SURNAMES[rng.gen_range(0..40)];
            Seminar {
                no,
                programme,
                format,
                title: format!("第{}回 {prefecture_name}{topic}（No.{no}）", no % 97 + 1),
                starts_on,
                ends_on,
                venue,
                organizer,
                organizer_name,
                contact_name: format!("{surname}（事務局）"),
                contact_email: format!("seminar{no:05}@example.jp"),
                contact_phone: format!(
                    "0{}-{:03}-{:04}",
                    pref.code + 10,
                    rng.gen_range(200..1000),
                    rng.gen_range(0..10000)
                ),
                prefecture_code: pref.code,
                units: units_for(&mut rng, programme, format),
            }
        })
        .collect()
}

/// How a credit's attendee relates to the registered physicians.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Attendee {
    /// Physician index (0-based) whose identity matches.
    Matched(usize),
    /// Physician index whose 医籍登録番号 the organizer entered with another birth date.
    Mismatch(usize),
    /// Index into the never-registered attendees.
    Unmatched(usize),
}

/// The attendees of one seminar: `count` distinct people, about 93% registered physicians,
/// 5% never registered, 2% with a birth date that does not match.
pub fn attendees(
    seed: u64,
    seminar_no: u32,
    count: usize,
    physicians: usize,
    unregistered: usize,
) -> Vec<Attendee> {
    let mut rng = rng_for(seed, STREAM_ATTENDEES, u64::from(seminar_no));
    let stride_p = coprime_stride(&mut rng, physicians);
    let stride_u = coprime_stride(&mut rng, unregistered.max(1));
    let mut next_p = rng.gen_range(0..physicians);
    let mut next_u = rng.gen_range(0..unregistered.max(1));
    let mut used_u = 0;
    let mut used_p = 0;
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let roll = rng.gen_range(0..100);
        if roll < 5 && used_u < unregistered {
            out.push(Attendee::Unmatched(next_u));
            next_u = (next_u + stride_u) % unregistered;
            used_u += 1;
        } else if used_p < physicians {
            out.push(if roll < 7 { Attendee::Mismatch(next_p) } else { Attendee::Matched(next_p) });
            next_p = (next_p + stride_p) % physicians;
            used_p += 1;
        } else if used_u >= unregistered {
            break;
        }
    }
    out
}

/// A step through 0..n that visits every index before repeating.
fn coprime_stride(rng: &mut impl Rng, n: usize) -> usize {
    fn gcd(a: usize, b: usize) -> usize {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    if n <= 1 {
        return 1;
    }
    let mut step = rng.gen_range(1..n);
    while gcd(step, n) != 1 {
        step = step % (n - 1) + 1;
    }
    step
}

/// The birth date an organizer entered wrongly for a mismatch.
pub fn mistyped_birth_date(person: &Person, seminar_no: u32) -> NaiveDate {
    person.birth_date + Days::new(u64::from(seminar_no % 300) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn web_seminars_never_grant_basic_or_lifelong_practical_units() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let all = seminars(9, 3_000, today);
        let web: Vec<_> = all.iter().filter(|s| s.format == Format::Web).collect();
        assert!(web.len() > 500);
        for s in &web {
            for (category, _) in &s.units {
                assert!(!category.is_basic() && *category != Category::LifelongPractical);
            }
        }
        for s in &all {
            assert!(!s.units.is_empty());
            assert!(s.units.iter().all(|(c, u)| c.programme() == s.programme && *u > 0));
        }
        let kinds: HashSet<_> = all.iter().map(|s| (s.programme, s.format)).collect();
        assert_eq!(kinds.len(), 4);
        assert!(all.iter().any(|s| s.organizer == Organizer::Outside));
        assert!(all.iter().all(|s| s.starts_on >= first_portal_day()));
    }

    #[test]
    fn attendees_of_a_seminar_are_distinct_and_mostly_registered() {
        let list = attendees(5, 17, 400, 1_000, 50);
        assert_eq!(list.len(), 400);
        let distinct: HashSet<_> = list.iter().collect();
        assert_eq!(distinct.len(), 400);
        let unmatched = list.iter().filter(|a| matches!(a, Attendee::Unmatched(_))).count();
        let mismatched = list.iter().filter(|a| matches!(a, Attendee::Mismatch(_))).count();
        assert!(unmatched > 0 && unmatched < 50);
        assert!(mismatched > 0 && mismatched < 30);
        assert_eq!(list, attendees(5, 17, 400, 1_000, 50));
    }
}
