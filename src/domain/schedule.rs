//! The bimonthly review calendar (DOMAIN §6): JMA's committee meets at the end of odd months;
//! the certificate reaches the physician about a month after approval. So a renewal must be
//! approved by the committee whose certificate arrives before expiry, and applied for the
//! month before that committee (JMA's intake deadline is at the start of the committee month,
//! prefectures set earlier ones).

use chrono::{Datelike, NaiveDate};

/// Field order (year, then month) makes the derived ordering chronological.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn of(date: NaiveDate) -> Self {
        YearMonth { year: date.year(), month: date.month() }
    }

    pub fn plus(self, months: i32) -> Self {
        let index = self.year * 12 + self.month as i32 - 1 + months;
        YearMonth { year: index.div_euclid(12), month: index.rem_euclid(12) as u32 + 1 }
    }

    pub fn last_day(self) -> NaiveDate {
        let next = self.plus(1);
        NaiveDate::from_ymd_opt(next.year, next.month, 1)
            .and_then(|d| d.pred_opt())
            .expect("valid month")
    }

    /// 「2026年4月」
    pub fn label(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenewalPlan {
    /// Apply (to the prefecture) during this month.
    pub apply_in: YearMonth,
    /// The committee that decides: end of this (odd) month.
    pub committee: YearMonth,
    /// The paper certificate arrives about the end of this month.
    pub certificate_by: YearMonth,
}

/// The plan that gets the new certificate to the physician by the expiry date.
pub fn renewal_plan(valid_until: NaiveDate) -> RenewalPlan {
    let mut committee = YearMonth::of(valid_until);
    loop {
        if committee.month % 2 == 1 && committee.plus(1).last_day() <= valid_until {
            return RenewalPlan {
                apply_in: committee.plus(-1),
                committee,
                certificate_by: committee.plus(1),
            };
        }
        committee = committee.plus(-1);
    }
}

/// The last day to apply for the cycle whose committee meets in `committee`: the end of the
/// month before it (the briefing's window), or the prefecture's own earlier internal deadline.
pub fn apply_until(committee: YearMonth, internal_deadline: Option<NaiveDate>) -> NaiveDate {
    let end = committee.plus(-1).last_day();
    internal_deadline.map_or(end, |d| d.min(end))
}

/// What a physician without an application is told to do about renewal (issue 9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Advice {
    /// Apply within the briefing's two-month window before the committee.
    Window {
        from: YearMonth,
        until: NaiveDate,
        /// `until` is the prefecture's internal deadline, earlier than the window's end.
        internal: bool,
        committee: YearMonth,
        certificate_by: YearMonth,
        /// The window is open today.
        open: bool,
    },
    /// The planned cycle can no longer be reached: the earliest that can, whose certificate
    /// arrives after expiry.
    Behind { until: NaiveDate, committee: YearMonth, certificate_by: YearMonth },
    /// Expired, within the six months of late renewal (with a reason).
    Late { grace_until: NaiveDate },
    /// Expired more than six months ago: a new certification.
    TooLate,
}

/// The advice for a term valid until `valid_until`, seen on `today`. `internal_deadline` gives
/// the physician's prefecture's internal deadline for the cycle of a committee month, if set.
pub fn renewal_advice(
    valid_until: NaiveDate,
    today: NaiveDate,
    internal_deadline: impl Fn(YearMonth) -> Option<NaiveDate>,
) -> Advice {
    if valid_until < today {
        let grace_until =
            valid_until + chrono::Months::new(super::requirements::limits::LATE_RENEWAL_MONTHS);
        return if today <= grace_until { Advice::Late { grace_until } } else { Advice::TooLate };
    }
    let plan = renewal_plan(valid_until);
    let internal = internal_deadline(plan.committee);
    let until = apply_until(plan.committee, internal);
    if today <= until {
        let from = plan.committee.plus(-2);
        return Advice::Window {
            from,
            until,
            internal: until < plan.committee.plus(-1).last_day(),
            committee: plan.committee,
            certificate_by: plan.certificate_by,
            open: YearMonth::of(today) >= from,
        };
    }
    let mut committee = plan.committee.plus(2);
    loop {
        let until = apply_until(committee, internal_deadline(committee));
        if today <= until {
            return Advice::Behind { until, committee, certificate_by: committee.plus(1) };
        }
        committee = committee.plus(2);
    }
}

impl Advice {
    /// The advice in the physician's words.
    pub fn text(&self) -> String {
        let day = |d: NaiveDate| format!("{}年{}月{}日", d.year(), d.month(), d.day());
        match self {
            Advice::Window { from, until, internal, committee, certificate_by, open } => {
                let end = if *internal {
                    format!("{}（都道府県医師会の締切）", day(*until))
                } else {
                    format!("{}月", until.month())
                };
                let lead = if *open { "更新申請の時期です。" } else { "" };
                format!(
                    "{lead}{}～{end}に更新申請をしてください（{}末の運営委員会で審査、{}末ごろ認定証が届きます）。",
                    from.label(),
                    committee.label(),
                    certificate_by.label()
                )
            }
            Advice::Behind { until, committee, certificate_by } => format!(
                "有効期限までに認定証が届く審査回の締切を過ぎました。できるだけ早く、{}までに更新申請をしてください（{}末の運営委員会で審査、認定証は有効期限の後、{}末ごろ届きます）。",
                day(*until),
                committee.label(),
                certificate_by.label()
            ),
            Advice::Late { grace_until } => format!(
                "有効期限が過ぎています。{} までは遅延理由書を添えて更新申請できます。",
                day(*grace_until)
            ),
            Advice::TooLate => {
                "有効期限から6か月を過ぎたため、更新申請はできません。新規申請をご検討ください。".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(year: i32, month: u32) -> YearMonth {
        YearMonth { year, month }
    }

    #[test]
    fn briefing_example_expiry_end_of_july() {
        // Expiry ≈ end of July → apply in April → approved end of May → certificate end of June.
        let plan = renewal_plan(NaiveDate::from_ymd_opt(2026, 7, 31).unwrap());
        assert_eq!(plan.apply_in, ym(2026, 4));
        assert_eq!(plan.committee, ym(2026, 5));
        assert_eq!(plan.certificate_by, ym(2026, 6));
    }

    #[test]
    fn plans_across_the_year_boundary() {
        let plan = renewal_plan(NaiveDate::from_ymd_opt(2027, 3, 31).unwrap());
        assert_eq!(plan.committee, ym(2027, 1));
        assert_eq!(plan.apply_in, ym(2026, 12));
        let plan = renewal_plan(NaiveDate::from_ymd_opt(2027, 2, 15).unwrap());
        assert_eq!(plan.committee, ym(2026, 11));
        assert_eq!(plan.certificate_by, ym(2026, 12));
    }

    #[test]
    fn mid_month_expiry_needs_the_certificate_before_it() {
        // Expiry 2026-08-15: July's committee sends the certificate at the end of August: too
        // late, so May's.
        let plan = renewal_plan(NaiveDate::from_ymd_opt(2026, 8, 15).unwrap());
        assert_eq!(plan.committee, ym(2026, 5));
        let plan = renewal_plan(NaiveDate::from_ymd_opt(2026, 8, 31).unwrap());
        assert_eq!(plan.committee, ym(2026, 7));
    }

    #[test]
    fn month_arithmetic() {
        assert_eq!(ym(2026, 1).plus(-1), ym(2025, 12));
        assert_eq!(ym(2026, 12).plus(1), ym(2027, 1));
        assert_eq!(ym(2028, 2).last_day(), NaiveDate::from_ymd_opt(2028, 2, 29).unwrap());
        assert_eq!(ym(2026, 4).label(), "2026年4月");
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_briefings_six_windows() {
        // (expiry, window from, window until, committee)
        let cases = [
            (d(2026, 7, 31), ym(2026, 3), d(2026, 4, 30), ym(2026, 5)),
            (d(2026, 9, 30), ym(2026, 5), d(2026, 6, 30), ym(2026, 7)),
            (d(2026, 11, 30), ym(2026, 7), d(2026, 8, 31), ym(2026, 9)),
            (d(2027, 1, 31), ym(2026, 9), d(2026, 10, 31), ym(2026, 11)),
            (d(2027, 3, 31), ym(2026, 11), d(2026, 12, 31), ym(2027, 1)),
            (d(2027, 5, 31), ym(2027, 1), d(2027, 2, 28), ym(2027, 3)),
        ];
        for (expiry, from, until, committee) in cases {
            let advice = renewal_advice(expiry, d(2026, 1, 10), |_| None);
            let Advice::Window { from: f, until: u, committee: c, internal, .. } = advice.clone()
            else {
                panic!("{expiry}: {advice:?}")
            };
            assert_eq!((f, u, c, internal), (from, until, committee, false), "{expiry}");
        }
        let text = renewal_advice(d(2026, 7, 31), d(2026, 1, 10), |_| None).text();
        assert!(text.starts_with("2026年3月～4月に更新申請をしてください"), "{text}");
    }

    #[test]
    fn the_prefectures_internal_deadline_shortens_the_window() {
        let internal = |c: YearMonth| (c == ym(2026, 5)).then(|| d(2026, 4, 17));
        let advice = renewal_advice(d(2026, 7, 31), d(2026, 4, 10), internal);
        assert_eq!(
            advice,
            Advice::Window {
                from: ym(2026, 3),
                until: d(2026, 4, 17),
                internal: true,
                committee: ym(2026, 5),
                certificate_by: ym(2026, 6),
                open: true,
            }
        );
        assert!(
            advice.text().contains("2026年4月17日（都道府県医師会の締切）"),
            "{}",
            advice.text()
        );
        // Past the internal deadline, the advice names the cycle that can still be reached.
        let advice = renewal_advice(d(2026, 7, 31), d(2026, 4, 18), internal);
        assert_eq!(
            advice,
            Advice::Behind {
                until: d(2026, 6, 30),
                committee: ym(2026, 7),
                certificate_by: ym(2026, 8)
            }
        );
    }

    #[test]
    fn after_expiry_late_renewal_then_new() {
        let expiry = d(2026, 7, 31);
        assert_eq!(
            renewal_advice(expiry, d(2026, 8, 1), |_| None),
            Advice::Late { grace_until: d(2027, 1, 31) }
        );
        assert_eq!(renewal_advice(expiry, d(2027, 2, 1), |_| None), Advice::TooLate);
    }
}
