//! The report's charts as standalone SVG, drawn on the server so the console
//! needs no charting library and an export shows the same picture.

use std::fmt::Write;

use super::report::{DayCounts, TopicCount};
#[cfg(test)]
use crate::domain::ArticleId;
use crate::html::escape as esc;

/// Which chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Chart {
    /// Questions per day, stacked by what the bot did.
    Daily,
    /// The most asked-about articles, with the share handed off.
    Topics,
}

const ANSWERED: &str = "#2da44e";
const CLARIFIED: &str = "#d4a72c";
const HANDED_OFF: &str = "#cf222e";
const INK: &str = "#1f2328";
const GRID: &str = "#d0d7de";
const FONT: &str = "font-family=\"system-ui,sans-serif\" font-size=\"11\"";
/// Topic labels longer than this are cut (18 CJK characters fill the
/// label column).
const LABEL_CHARS: usize = 18;

/// Questions per day: answered, clarified and handed off stacked.
pub fn daily(days: &[DayCounts]) -> String {
    let (left, top, plot_h, bottom, plot_w) = (40.0, 28.0, 180.0, 36.0, 560.0);
    let bar_w = (plot_w / days.len().max(1) as f64).min(48.0);
    let width = left + plot_w + 16.0;
    let height = top + plot_h + bottom;
    let max = days
        .iter()
        .map(|d| d.answered + d.clarified + d.handed_off)
        .max()
        .unwrap_or(0);
    let scale = nice_max(max);
    let mut svg = open(width, height, "每日问题 · Questions per day");
    legend(
        &mut svg,
        left,
        14.0,
        &[
            ("已回答 answered", ANSWERED),
            ("已澄清 clarified", CLARIFIED),
            ("转人工 handed off", HANDED_OFF),
        ],
    );
    for i in 0..=4 {
        let value = scale * i / 4;
        let y = top + plot_h - plot_h * value as f64 / scale as f64;
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{GRID}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{INK}\" {FONT}>{value}</text>",
            width - 16.0,
            left - 6.0,
            y + 4.0
        );
    }
    let label_every = (days.len() / 8).max(1);
    for (i, d) in days.iter().enumerate() {
        let x = left + bar_w * i as f64 + bar_w * 0.1;
        let mut base = top + plot_h;
        for (n, color, what) in [
            (d.answered, ANSWERED, "answered"),
            (d.clarified, CLARIFIED, "clarified"),
            (d.handed_off, HANDED_OFF, "handed off"),
        ] {
            if n == 0 {
                continue;
            }
            let h = plot_h * n as f64 / scale as f64;
            base -= h;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{base:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{color}\">\
                 <title>{} {what}: {n}</title></rect>",
                bar_w * 0.8,
                esc(&d.date)
            );
        }
        if i % label_every == 0 {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{INK}\" {FONT}>{}</text>",
                x + bar_w * 0.4,
                top + plot_h + 16.0,
                esc(d.date.get(5..).unwrap_or(&d.date))
            );
        }
    }
    close(svg)
}

/// The most asked-about articles as horizontal bars, the handed-off part red.
pub fn topics(topics: &[TopicCount]) -> String {
    let (label_w, bar_max, row_h, top) = (220.0, 300.0, 22.0, 28.0);
    let width = label_w + bar_max + 60.0;
    let height = top + row_h * topics.len().max(1) as f64 + 8.0;
    let max = topics.iter().map(|t| t.asked).max().unwrap_or(0).max(1);
    let mut svg = open(width, height, "热门主题 · Top topics");
    legend(
        &mut svg,
        8.0,
        14.0,
        &[
            ("问题 questions", ANSWERED),
            ("其中转人工 of which handed off", HANDED_OFF),
        ],
    );
    if topics.is_empty() {
        let _ = write!(
            svg,
            "<text x=\"8\" y=\"{:.1}\" fill=\"{INK}\" {FONT}>没有数据 · No questions in this range</text>",
            top + 14.0
        );
    }
    for (i, t) in topics.iter().enumerate() {
        let y = top + row_h * i as f64;
        let w = bar_max * t.asked as f64 / max as f64;
        let red = bar_max * t.handed_off as f64 / max as f64;
        let label: String = if t.title.chars().count() > LABEL_CHARS {
            t.title.chars().take(LABEL_CHARS - 1).chain(['…']).collect()
        } else {
            t.title.clone()
        };
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{INK}\" {FONT}>{}</text>\
             <rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{ANSWERED}\">\
             <title>{}: {} asked, {} handed off</title></rect>\
             <rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{red:.1}\" height=\"{:.1}\" fill=\"{HANDED_OFF}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"{INK}\" {FONT}>{}</text>",
            label_w - 6.0,
            y + 13.0,
            esc(&label),
            row_h - 6.0,
            esc(t.article.as_str()),
            t.asked,
            t.handed_off,
            row_h - 6.0,
            label_w + w + 6.0,
            y + 13.0,
            t.asked
        );
    }
    close(svg)
}

/// A round number at or above `max` for the axis (at least 4, so the four
/// grid steps are whole numbers).
fn nice_max(max: u64) -> u64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if 4 * m * step >= max.max(4) {
                return 4 * m * step;
            }
        }
        step *= 10;
    }
}

fn open(width: f64, height: f64, title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>",
        t = esc(title)
    )
}

fn legend(svg: &mut String, mut x: f64, y: f64, items: &[(&str, &str)]) {
    for (label, color) in items {
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{color}\"/>\
             <text x=\"{:.1}\" y=\"{y:.1}\" fill=\"{INK}\" {FONT}>{}</text>",
            y - 9.0,
            x + 14.0,
            esc(label)
        );
        // 11 px text: Han characters are about 11 px wide, Latin about 6.
        let text_width: f64 = label.chars().map(|c| if c.is_ascii() { 6.2 } else { 11.0 }).sum();
        x += 24.0 + text_width;
    }
}

fn close(mut svg: String) -> String {
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(date: &str, a: u64, c: u64, h: u64) -> DayCounts {
        DayCounts {
            date: date.into(),
            answered: a,
            clarified: c,
            handed_off: h,
        }
    }

    #[test]
    fn axis_tops_are_round_and_cover_the_data() {
        for (max, top) in [(0, 4), (3, 4), (5, 8), (9, 20), (40, 40), (41, 80), (999, 2000)] {
            assert_eq!(nice_max(max), top, "{max}");
        }
    }

    #[test]
    fn daily_bars_have_one_rect_per_nonzero_count_and_tooltips() {
        let svg = daily(&[day("2026-11-01", 3, 0, 1), day("2026-11-02", 0, 0, 0)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title>2026-11-01 answered: 3</title>"));
        assert!(svg.contains("<title>2026-11-01 handed off: 1</title>"));
        assert!(!svg.contains("clarified: 0"));
        assert_eq!(svg.matches("<rect").count(), 3 + 2, "three legend swatches, two bars");
    }

    #[test]
    fn topic_labels_are_escaped() {
        let svg = topics(&[TopicCount {
            article: ArticleId::known("a<b"),
            title: "<script>x</script>".into(),
            category: String::new(),
            asked: 2,
            handed_off: 1,
        }]);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
    }
}
