//! A chart's table as a workbook (issue 14, part 3): the same rows the page shows under the
//! chart, with the totals, for staff who keep their own spreadsheets.

use rust_xlsxwriter::{Format, FormatBorder, Workbook, XlsxError};

use crate::domain::chart::Chart;

pub fn chart_table(chart: &Chart, scope: &str) -> Result<Vec<u8>, XlsxError> {
    let base = Format::new().set_font_name("Meiryo UI").set_font_size(10);
    let cell = base.clone().set_border(FormatBorder::Thin);
    let header = cell.clone().set_bold().set_background_color("#DDEBF7");
    let number = cell.clone().set_num_format("#,##0");
    let title = base.clone().set_bold().set_font_size(12);

    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.set_name("集計")?;
    ws.write_string_with_format(0, 0, format!("{}（{scope}）", chart.title), &title)?;
    ws.write_string_with_format(2, 0, "区分", &header)?;
    ws.set_column_width(0, 26)?;
    for (c, series) in chart.series.iter().enumerate() {
        let col = c as u16 + 1;
        ws.write_string_with_format(2, col, series.name, &header)?;
        ws.set_column_width(col, 16)?;
    }
    let total_col = chart.series.len() as u16 + 1;
    ws.write_string_with_format(2, total_col, "合計", &header)?;
    let mut row = 3u32;
    for (label, values, total) in chart.rows() {
        ws.write_string_with_format(row, 0, &label, &cell)?;
        for (c, v) in values.iter().enumerate() {
            ws.write_number_with_format(row, c as u16 + 1, *v as f64, &number)?;
        }
        ws.write_number_with_format(row, total_col, total as f64, &number)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, "計", &header)?;
    for c in 0..chart.series.len() {
        ws.write_number_with_format(row, c as u16 + 1, chart.series_total(c) as f64, &number)?;
    }
    let grand: i64 = chart.totals().iter().sum();
    ws.write_number_with_format(row, total_col, grand as f64, &number)?;
    ws.set_freeze_panes(3, 1)?;
    workbook.save_to_buffer()
}
