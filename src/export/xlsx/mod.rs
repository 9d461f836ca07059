//! Staff spreadsheets (.xlsx, DOMAIN §10): the renewal credit-check tool (単位確認) with live
//! formulas, the per-prefecture count of certified physicians, address labels and the list of
//! physicians to send renewal papers to. Pure functions from rows to bytes.
//!
//! Every cell from user data is written with `write_string`: a string cell is never parsed as a
//! formula, so no apostrophe is added (it would print, as in 「'+81…」). The CSV downloads are
//! made formula-safe in `domain::csv_text`.

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{
    column_number_to_name, Color, DataValidation, DataValidationRule, Format, FormatAlign,
    FormatBorder, Formula, ProtectionOptions, Workbook, Worksheet, XlsxError,
};

use crate::domain::category::Programme;
use crate::domain::prefecture;
use crate::domain::requirements::limits;

mod lists;
mod renewal;
pub use lists::*;
pub use renewal::*;

pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The fee-paid mark of the briefing's sheet.
pub const PAID_MARK: &str = "☑";
pub const MET: &str = "○";
pub const NOT_MET: &str = "×";

/// A text cell that stays text even after a round trip through CSV.
pub(super) fn units(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

pub(super) fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The cell formats every sheet shares.
struct Styles {
    title: Format,
    input_text: Format,
    note: Format,
    header: Format,
    input_header: Format,
    text: Format,
    number: Format,
    input: Format,
    formula: Format,
    mark: Format,
    input_mark: Format,
}

impl Styles {
    fn new() -> Styles {
        let base = Format::new().set_font_name("Meiryo UI").set_font_size(10);
        let cell = base.clone().set_border(FormatBorder::Thin);
        let header = cell
            .clone()
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap()
            .set_background_color(Color::RGB(0xDDEBF7));
        let yellow = Color::RGB(0xFFFF00);
        Styles {
            title: base.clone().set_bold().set_font_size(14),
            note: base.clone(),
            input_text: cell.clone().set_background_color(yellow).set_unlocked(),
            input_header: header.clone().set_background_color(Color::RGB(0xFFF2CC)),
            header,
            text: cell.clone(),
            number: cell.clone().set_num_format("0.0"),
            input: cell.clone().set_num_format("0.0").set_background_color(yellow).set_unlocked(),
            formula: cell.clone().set_num_format("0.0").set_background_color(Color::RGB(0xF2F2F2)),
            mark: cell.clone().set_align(FormatAlign::Center),
            input_mark: cell
                .set_align(FormatAlign::Center)
                .set_background_color(yellow)
                .set_unlocked(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_use_the_limits() {
        let f = renewal_formulas(RENEWAL_FIRST_ROW);
        assert_eq!(f.subtotal[0], "=E6+J6");
        assert_eq!(f.web, format!("=MIN({},P6+S6)", limits::RENEWAL_WEB_CAP));
        assert_eq!(f.total, "=T6+U6");
        assert!(f.requirement.contains(&format!("V6>={}", limits::RENEWAL_TOTAL)));
    }

    #[test]
    fn cached_results_cap_web_units() {
        let d = |n: i64| Decimal::from(n);
        let row = RenewalCheckRow {
            mamis_renewal_in_person: d(2),
            mamis_renewal_web: d(4),
            mamis_practical: d(1),
            mamis_specialized_in_person: d(3),
            mamis_specialized_web: d(3),
            handbook_renewal_in_person: d(5),
            handbook_specialized_in_person: d(4),
            ..Default::default()
        };
        let (_, in_person, web, total, met) = renewal_results(&row);
        assert_eq!((in_person, web, total, met), (d(15), d(5), d(20), true));
        let rows: Vec<RenewalCheckRow> = (0..12)
            .map(|i| RenewalCheckRow {
                kanji_name: format!("申請者 {i:02}"),
                certificate_number: format!("10001{i:02}"),
                valid_until: NaiveDate::from_ymd_opt(2026, 7, 31).unwrap(),
                handbook_received: i % 3 == 0,
                fee_paid: i % 2 == 0,
                ..row.clone()
            })
            .collect();
        let bytes = renewal_check(13, NaiveDate::default(), &rows).unwrap();
        crate::export::pdf::keep_sample("renewal_check.xlsx", &bytes);
    }

    /// The sheet's formulas as Excel recalculates them (`renewal_formulas`): 計 and 単位要件.
    fn recalculated(sub: [Decimal; 5]) -> (Decimal, bool) {
        let cap = Decimal::from(limits::RENEWAL_WEB_CAP);
        let each = Decimal::from(limits::RENEWAL_EACH);
        let total = sub[0] + sub[2] + sub[3] + cap.min(sub[1] + sub[4]);
        let met = total >= Decimal::from(limits::RENEWAL_TOTAL)
            && sub[0] + sub[1] >= each
            && sub[2] >= each
            && sub[3] + sub[4] >= each;
        (total, met)
    }

    proptest::proptest! {
        /// For random credits, the workbook's cached 合計/判定 and its recalculated formulas
        /// both equal the requirement engine's answer.
        #[test]
        fn cached_and_recalculated_results_equal_the_engine(
            units in proptest::collection::vec(0u32..=24, 10)
        ) {
            let u = |i: usize| Decimal::new(i64::from(units[i]), 1) * Decimal::from(5);
            let row = RenewalCheckRow {
                valid_from: NaiveDate::from_ymd_opt(2021, 8, 1).unwrap(),
                valid_until: NaiveDate::from_ymd_opt(2026, 7, 31).unwrap(),
                mamis_renewal_in_person: u(0),
                mamis_renewal_web: u(1),
                mamis_practical: u(2),
                mamis_specialized_in_person: u(3),
                mamis_specialized_web: u(4),
                handbook_renewal_in_person: u(5),
                handbook_renewal_web: u(6),
                handbook_practical: u(7),
                handbook_specialized_in_person: u(8),
                handbook_specialized_web: u(9),
                ..Default::default()
            };
            let (sub, _, _, total, met) = renewal_results(&row);
            let (formula_total, formula_met) = recalculated(sub);
            proptest::prop_assert_eq!(total, formula_total);
            proptest::prop_assert_eq!(met, formula_met);
        }
    }
}
