//! Charts for the associations (issue 14, part 3): a stacked bar chart drawn as SVG on the
//! server, so that it needs no JavaScript, scales with the page and prints. The same `Chart`
//! gives the table behind it (screen readers, the .xlsx download), so the picture and the
//! numbers cannot disagree.

use std::fmt::Write;

/// One stacked series: its name in the legend, its fill, and one value per bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    pub name: &'static str,
    pub color: &'static str,
    pub values: Vec<i64>,
}

/// A stacked bar chart: one bar per label, the series stacked bottom to top in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chart {
    pub title: String,
    /// What a value counts (「人」「件」), for the axis and the tooltips.
    pub unit: &'static str,
    /// One per bar, as the table and the tooltips say it (「2026年12月」).
    pub labels: Vec<String>,
    /// One per bar, short enough for the axis (「26/12」).
    pub axis_labels: Vec<String>,
    pub series: Vec<Series>,
}

/// Fills that stay apart for the common colour-vision deficiencies (Okabe–Ito), each with
/// at least 3:1 contrast against white.
pub const BLUE: &str = "#0067a5";
pub const ORANGE: &str = "#b35900";
pub const VERMILION: &str = "#c0392b";
pub const GREEN: &str = "#007a5e";
pub const PURPLE: &str = "#7b3f98";
pub const GREY: &str = "#5f6b73";

const WIDTH: i64 = 720;
const HEIGHT: i64 = 320;
const LEFT: i64 = 56;
const RIGHT: i64 = 12;
const TOP: i64 = 44;
const BOTTOM: i64 = 52;

impl Chart {
    /// The height of each bar: the sum of its series.
    pub fn totals(&self) -> Vec<i64> {
        (0..self.labels.len())
            .map(|i| self.series.iter().map(|s| s.values.get(i).copied().unwrap_or(0)).sum())
            .collect()
    }

    /// The sum of one series over all bars (the table's last row).
    pub fn series_total(&self, index: usize) -> i64 {
        self.series.get(index).map_or(0, |s| s.values.iter().sum())
    }

    /// The table behind the chart: one row per bar, a column per series and the total.
    pub fn rows(&self) -> Vec<(String, Vec<i64>, i64)> {
        let totals = self.totals();
        self.labels
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let values =
                    self.series.iter().map(|s| s.values.get(i).copied().unwrap_or(0)).collect();
                (label.clone(), values, totals[i])
            })
            .collect()
    }

    /// The chart as an inline SVG element with its title and a text description.
    pub fn svg(&self, id: &str) -> String {
        let totals = self.totals();
        let axis = Axis::for_max(totals.iter().copied().max().unwrap_or(0));
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let n = self.labels.len().max(1) as i64;
        let slot = plot_w as f64 / n as f64;
        let bar = (slot * 0.7).max(2.0);
        let y_of = |v: i64| TOP as f64 + plot_h as f64 * (1.0 - v as f64 / axis.top as f64);

        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            escape(&self.title),
            escape(&self.description())
        );
        self.legend(&mut s);
        for tick in axis.ticks() {
            let y = y_of(tick);
            let _ = write!(
                s,
                r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#d0d4d8" stroke-width="1"/><text x="{}" y="{:.1}" font-size="12" text-anchor="end" fill="#333">{tick}</text>"##,
                WIDTH - RIGHT,
                LEFT - 6,
                y + 4.0
            );
        }
        let every = label_step(self.labels.len());
        for (i, label) in self.labels.iter().enumerate() {
            let x = LEFT as f64 + slot * i as f64 + (slot - bar) / 2.0;
            let mut base = 0;
            for series in &self.series {
                let v = series.values.get(i).copied().unwrap_or(0);
                if v > 0 {
                    let (y0, y1) = (y_of(base), y_of(base + v));
                    let _ = write!(
                        s,
                        r#"<rect x="{x:.1}" y="{y1:.1}" width="{bar:.1}" height="{:.1}" fill="{}"><title>{} {}：{v}{}</title></rect>"#,
                        y0 - y1,
                        series.color,
                        escape(label),
                        escape(series.name),
                        self.unit
                    );
                }
                base += v;
            }
            if i % every == 0 {
                let short = self.axis_labels.get(i).unwrap_or(label);
                let _ = write!(
                    s,
                    r##"<text x="{:.1}" y="{}" font-size="12" text-anchor="middle" fill="#333">{}</text>"##,
                    x + bar / 2.0,
                    HEIGHT - BOTTOM + 18,
                    escape(short)
                );
            }
        }
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" x2="{}" y1="{}" y2="{}" stroke="#333" stroke-width="1"/></svg>"##,
            WIDTH - RIGHT,
            TOP + plot_h,
            TOP + plot_h
        );
        s
    }

    fn legend(&self, s: &mut String) {
        let mut x = LEFT;
        for series in &self.series {
            let _ = write!(
                s,
                r##"<rect x="{x}" y="12" width="14" height="14" fill="{}"/><text x="{}" y="24" font-size="13" fill="#222">{}</text>"##,
                series.color,
                x + 20,
                escape(series.name)
            );
            x += 20 + 14 * series.name.chars().count() as i64 + 24;
        }
    }

    /// A sentence a screen reader reads for the whole chart (the table gives the detail).
    pub fn description(&self) -> String {
        let totals: Vec<String> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{} {}{}", s.name, self.series_total(i), self.unit))
            .collect();
        match (self.labels.first(), self.labels.last()) {
            (Some(first), Some(last)) => {
                format!("{first}から{last}までの積み上げ棒グラフ。合計：{}。", totals.join("、"))
            }
            _ => "データがありません。".to_string(),
        }
    }
}

/// Labels under the bars: every one while they fit, else every second or third.
fn label_step(bars: usize) -> usize {
    match bars {
        0..=12 => 1,
        13..=24 => 2,
        _ => bars.div_ceil(12),
    }
}

/// The value axis: a round top and four or five ticks of 1, 2 or 5 × 10ⁿ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Axis {
    pub top: i64,
    pub step: i64,
}

impl Axis {
    pub fn for_max(max: i64) -> Axis {
        if max <= 0 {
            return Axis { top: 1, step: 1 };
        }
        let rough = (max as f64 / 4.0).max(1.0);
        let magnitude = 10f64.powf(rough.log10().floor()) as i64;
        let step = [1, 2, 5, 10]
            .iter()
            .map(|m| m * magnitude)
            .find(|step| *step as f64 >= rough)
            .unwrap_or(10 * magnitude);
        Axis { top: (max + step - 1) / step * step, step }
    }

    pub fn ticks(self) -> Vec<i64> {
        (0..=self.top / self.step).map(|i| i * self.step).collect()
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> Chart {
        Chart {
            title: "更新対象者（月別）".into(),
            unit: "人",
            labels: vec!["2026年12月".into(), "2027年1月".into(), "2027年2月".into()],
            axis_labels: vec!["26/12".into(), "27/1".into(), "27/2".into()],
            series: vec![
                Series { name: "申請済み", color: BLUE, values: vec![3, 0, 1] },
                Series { name: "単位不足", color: VERMILION, values: vec![2, 5, 0] },
            ],
        }
    }

    #[test]
    fn axes_are_round_and_cover_the_tallest_bar() {
        for (max, top, step) in [
            (0, 1, 1),
            (1, 1, 1),
            (3, 3, 1),
            (7, 8, 2),
            (10, 10, 5),
            (19, 20, 5),
            (41, 60, 20),
            (99, 100, 50),
            (1234, 1500, 500),
            (20000, 20000, 5000),
        ] {
            assert_eq!(Axis::for_max(max), Axis { top, step }, "max {max}");
            assert!(top >= max);
        }
        assert_eq!(Axis::for_max(7).ticks(), vec![0, 2, 4, 6, 8]);
    }

    #[test]
    fn totals_rows_and_description_come_from_the_same_numbers() {
        let c = chart();
        assert_eq!(c.totals(), vec![5, 5, 1]);
        assert_eq!(c.series_total(1), 7);
        assert_eq!(c.rows()[1], ("2027年1月".to_string(), vec![0, 5], 5));
        assert_eq!(
            c.description(),
            "2026年12月から2027年2月までの積み上げ棒グラフ。合計：申請済み 4人、単位不足 7人。"
        );
    }

    #[test]
    fn the_svg_draws_one_rectangle_per_nonzero_value_with_its_number() {
        let svg = chart().svg("renewals");
        // 4 non-zero values + 2 legend swatches.
        assert_eq!(svg.matches("<rect").count(), 6);
        assert!(svg.contains("<title>2027年1月 単位不足：5人</title>"));
        assert!(!svg.contains("2027年1月 申請済み"), "a zero draws nothing");
        assert!(svg.contains(r#"aria-labelledby="renewals-title renewals-desc""#));
        assert!(svg.contains(">27/1</text>"), "the axis uses the short labels");
        // The axis tops out at 6 (steps of 2); both bars of 5 reach 5/6 of the plot's height,
        // and the bars stand on its base line.
        let top_of_five = TOP as f64 + (HEIGHT - TOP - BOTTOM) as f64 / 6.0;
        assert_eq!(svg.matches(&format!(r#"y="{top_of_five:.1}""#)).count(), 2, "{svg}");
        assert!(svg.contains(r#"y="156.0" width="152.1" height="112.0""#), "3 of 6 on the base");
    }

    #[test]
    fn text_is_escaped() {
        let mut c = chart();
        c.title = "A & B <script>".into();
        let svg = c.svg("x");
        assert!(svg.contains("A &amp; B &lt;script&gt;"));
        assert!(!svg.contains("<script>"));
    }

    #[test]
    fn an_empty_chart_still_draws_an_axis() {
        let c = Chart {
            title: "空".into(),
            unit: "件",
            labels: vec![],
            axis_labels: vec![],
            series: vec![],
        };
        let svg = c.svg("e");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(c.description(), "データがありません。");
    }

    #[test]
    fn long_label_rows_are_thinned() {
        assert_eq!(label_step(12), 1);
        assert_eq!(label_step(18), 2);
        assert_eq!(label_step(36), 3);
    }
}
