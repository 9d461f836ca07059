//! People: the physicians (with their certifications) and the attendees who never registered.
//! Each person is drawn from their own seed-derived generator, so person n is the same
//! whatever else the scale holds.

use chrono::{Days, Months, NaiveDate};
use rand::rngs::StdRng;
use rand::Rng;

use super::names::{self, Name, PREFECTURES};
use super::rng_for;
use crate::domain::category::Programme;

/// A generated person, as a physician or an attendee on an organizer's list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: NaiveDate,
    /// "male" / "female"
    pub sex: &'static str,
    /// 医籍登録番号, six digits.
    pub registry_number: u32,
    pub email: String,
    pub phone: String,
    pub postal_code: String,
    pub address: String,
    pub workplace: String,
    pub prefecture_code: u8,
}

/// A certification of physician `physician_no` (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certification {
    pub physician_no: u32,
    pub programme: Programme,
    pub certificate_number: u32,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub verify_code: String,
}

const STREAM_PHYSICIAN: u64 = 1;
const STREAM_UNREGISTERED: u64 = 2;
const STREAM_CERTIFICATION: u64 = 3;

/// Registered physicians' numbers are a permutation of 200000–999999; attendees who never
/// registered get 130000–189999, so the two never meet (nor the demo's 123456).
const REGISTERED_BASE: u64 = 200_000;
const REGISTERED_SPAN: u64 = 800_000;
pub const UNREGISTERED_BASE: u32 = 130_000;
pub const UNREGISTERED_MAX: u32 = 60_000;

/// 医籍登録番号 of physician n: an affine permutation of the registered range, so numbers are
/// unique without a lookup and do not reveal the order of generation.
pub fn registry_number(seed: u64, n: u32) -> u32 {
    // 7919 is prime and divides no power of 10, so the map is a bijection of 0..800000.
    let offset = seed % REGISTERED_SPAN;
    (REGISTERED_BASE + (u64::from(n) * 7919 + offset) % REGISTERED_SPAN) as u32
}

fn weighted_surname(rng: &mut StdRng) -> Name {
    // Zipf-like: 佐藤 is about ten times as common as the hundredth name.
    let weights_total: f64 = (0..names::SURNAMES.len()).map(|i| 1.0 / (i as f64 + 8.0)).sum();
    let mut pick = rng.gen::<f64>() * weights_total;
    for (i, name) in names::SURNAMES.iter().enumerate() {
        pick -= 1.0 / (i as f64 + 8.0);
        if pick <= 0.0 {
            return *name;
        }
    }
    names::SURNAMES[0]
}

fn person(rng: &mut StdRng, registry_number: u32, prefecture_index: usize, tag: &str) -> Person {
    let pref = &PREFECTURES[prefecture_index];
    let female = rng.gen_bool(0.25);
    let (surname, surname_kana) = weighted_surname(rng);
    let given = if female { &names::FEMALE_GIVEN } else { &names::MALE_GIVEN };
    let (given, given_kana) = given[rng.gen_range(0..given.len())];
    let first = NaiveDate::from_ymd_opt(1945, 1, 1).expect("valid date");
    let birth_date = first + Days::new(rng.gen_range(0..(365 * 51)));
    let city = pref.cities[rng.gen_range(0..pref.cities.len())];
    let town = names::TOWNS[rng.gen_range(0..names::TOWNS.len())];
    let prefecture_name = crate::domain::prefecture::name(i16::from(pref.code)).unwrap_or_default();
    let address = format!(
        "{prefecture_name}{city}{town}{}丁目{}番{}号",
        rng.gen_range(1..=5),
        rng.gen_range(1..=30),
        rng.gen_range(1..=20)
    );
    let workplace = if rng.gen_bool(0.4) {
        format!("{surname}{}", names::WORKPLACE_SUFFIXES[rng.gen_range(0..3)])
    } else {
        let suffix = names::WORKPLACE_SUFFIXES[rng.gen_range(0..names::WORKPLACE_SUFFIXES.len())];
        format!("{}{town}{suffix}", city.trim_end_matches('区').trim_end_matches('市'))
    };
    let phone = if rng.gen_bool(0.5) {
        format!(
            "0{}0-{:04}-{:04}",
            rng.gen_range(7..=9),
            rng.gen_range(1000..10000),
            rng.gen_range(0..10000)
        )
    } else {
        format!(
            "0{}-{:03}-{:04}",
            pref.code + 10,
            rng.gen_range(200..1000),
            rng.gen_range(0..10000)
        )
    };
    let domain = ["example.jp", "example.com", "example.ne.jp"][rng.gen_range(0..3)];
    Person {
        kanji_name: format!("{surname} {given}"),
        furigana: format!("{surname_kana} {given_kana}"),
        birth_date,
        sex: if female { "female" } else { "male" },
        registry_number,
        email: format!("{tag}@{domain}"),
        phone,
        postal_code: format!("{}-{:04}", pref.postal_prefix, rng.gen_range(0..10000)),
        address,
        workplace,
        prefecture_code: pref.code,
    }
}

/// The prefecture index (into `PREFECTURES`) of each of `count` people, in blocks sized by
/// population.
pub fn prefecture_indexes(count: u32) -> Vec<usize> {
    names::apportion(count)
        .iter()
        .enumerate()
        .flat_map(|(i, &n)| std::iter::repeat_n(i, n as usize))
        .collect()
}

/// The start of a five-year validity that ends on `valid_until`.
pub fn five_years_ending(valid_until: NaiveDate) -> NaiveDate {
    (valid_until + Days::new(1)) - Months::new(60)
}

/// Physicians 1..=count (index 0 is physician 1).
pub fn physicians(seed: u64, count: u32) -> Vec<Person> {
    prefecture_indexes(count)
        .into_iter()
        .zip(1..=count)
        .map(|(pref, n)| {
            let mut rng = rng_for(seed, STREAM_PHYSICIAN, u64::from(n));
            person(&mut rng, registry_number(seed, n), pref, &format!("dr{n:06}"))
        })
        .collect()
}

/// Attendees who never registered (their credits stay unmatched).
pub fn unregistered(seed: u64, count: u32) -> Vec<Person> {
    assert!(count <= UNREGISTERED_MAX, "at most {UNREGISTERED_MAX} unregistered attendees");
    let prefs = prefecture_indexes(count);
    (0..count)
        .map(|u| {
            let mut rng = rng_for(seed, STREAM_UNREGISTERED, u64::from(u));
            person(&mut rng, UNREGISTERED_BASE + u, prefs[u as usize], &format!("guest{u:05}"))
        })
        .collect()
}

/// Certifications: most physicians are occupational physicians, many are health sports
/// physicians, some both; everyone holds at least one. Expiries spread over the five years
/// from `today`, with about 2% already expired. Certificate numbers are 1000001 upwards per
/// programme (below the portal's own sequence, which starts at 2000000).
pub fn certifications(seed: u64, count: u32, today: NaiveDate) -> Vec<Certification> {
    let mut out = Vec::with_capacity(count as usize * 13 / 10);
    let mut next_number = [1_000_001u32, 1_000_001u32];
    for n in 1..=count {
        let mut rng = rng_for(seed, STREAM_CERTIFICATION, u64::from(n));
        let occupational = rng.gen_bool(0.78);
        let sports = rng.gen_bool(0.40);
        for (slot, programme, holds) in
            [(0, Programme::Occupational, occupational || !sports), (1, Programme::Sports, sports)]
        {
            if !holds {
                continue;
            }
            let valid_until = if rng.gen_bool(0.02) {
                today - Days::new(rng.gen_range(1..=150))
            } else {
                today + Days::new(rng.gen_range(0..5 * 365))
            };
            let valid_from = five_years_ending(valid_until);
            out.push(Certification {
                physician_no: n,
                programme,
                certificate_number: next_number[slot],
                valid_from,
                valid_until,
                verify_code: format!("{:032x}", rng.gen::<u128>()),
            });
            next_number[slot] += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn registry_numbers_are_unique_six_digits_apart_from_unregistered_ones() {
        let numbers: HashSet<u32> = (1..=100_000).map(|n| registry_number(7, n)).collect();
        assert_eq!(numbers.len(), 100_000);
        assert!(numbers.iter().all(|&r| (200_000..1_000_000).contains(&r)));
        const { assert!(UNREGISTERED_BASE + UNREGISTERED_MAX <= REGISTERED_BASE as u32) };
    }

    #[test]
    fn people_are_plausible_and_deterministic() {
        let a = physicians(42, 300);
        assert_eq!(a, physicians(42, 300));
        assert_ne!(a, physicians(43, 300));
        for p in &a {
            assert!(p.birth_date.format("%Y").to_string().as_str() >= "1945");
            assert!(p.birth_date < NaiveDate::from_ymd_opt(1996, 1, 1).unwrap());
            assert_eq!(p.kanji_name.split(' ').count(), 2);
            assert_eq!(p.furigana.split(' ').count(), 2);
            assert!(p.address.contains("丁目"));
        }
        assert!(a.iter().any(|p| p.sex == "female") && a.iter().any(|p| p.sex == "male"));
    }

    #[test]
    fn every_physician_holds_a_certification_valid_for_five_years() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let certs = certifications(1, 2_000, today);
        let holders: HashSet<u32> = certs.iter().map(|c| c.physician_no).collect();
        assert_eq!(holders.len(), 2_000);
        assert!((2_500..2_800).contains(&certs.len()), "{}", certs.len());
        assert!(certs.iter().any(|c| c.valid_until < today));
        for c in &certs {
            let days = (c.valid_until - c.valid_from).num_days();
            assert!((1824..=1827).contains(&days), "{days}");
        }
    }
}
