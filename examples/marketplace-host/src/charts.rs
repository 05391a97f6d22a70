//! The dashboard's charts, drawn with plotters into inline SVG (no JavaScript, no font
//! files: the browser renders the text).

use plotters::prelude::*;

/// Group colours (Okabe–Ito, distinguishable with the common colour-vision deficiencies).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

/// The colour of the `i`-th group.
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The CSS colour of the `i`-th group (for the HTML legend and tables).
pub fn css_color(i: usize) -> String {
    let c = color(i);
    format!("rgb({},{},{})", c.0, c.1, c.2)
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("chart: {e:?}")
}

/// Group label for display (`""` is freelancers without the attribute).
pub fn group_label(g: &str) -> &str {
    if g.is_empty() { "(not disclosed)" } else { g }
}

/// Exposure share per group over periods (solid lines with points), with each group's
/// current population share (dashed). `labels[i]` names period `i`; `series` holds one share
/// per period per group (`None` = nothing shown that period).
pub fn exposure_over_time(
    labels: &[String],
    series: &[(String, Vec<Option<f64>>, f64)],
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (860, 360)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = labels.len().max(1);
        let top = series
            .iter()
            .flat_map(|(_, s, p)| s.iter().flatten().copied().chain([*p]))
            .fold(0.1f64, f64::max);
        let y_max = (top * 1.15).min(1.0);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(54)
            .build_cartesian_2d(-0.3f64..(n as f64 - 0.7), 0f64..y_max)
            .map_err(err)?;
        let every = n.div_ceil(12).max(1);
        chart
            .configure_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() > 1e-6 || i < 0.0 || !(i as usize).is_multiple_of(every) {
                    return String::new();
                }
                labels.get(i as usize).cloned().unwrap_or_default()
            })
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .y_desc("share of exposure")
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        for (i, (_, shares, population)) in series.iter().enumerate() {
            let c = color(i);
            chart
                .draw_series(DashedLineSeries::new(
                    [(-0.3, *population), (n as f64 - 0.7, *population)],
                    6,
                    4,
                    c.stroke_width(1),
                ))
                .map_err(err)?;
            let points: Vec<(f64, f64)> = shares
                .iter()
                .enumerate()
                .filter_map(|(x, s)| s.map(|s| (x as f64, s)))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))
                .map_err(err)?;
            chart
                .draw_series(points.iter().map(|p| Circle::new(*p, 3, c.filled())))
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The funnel per group: for each stage, the share of the group's impressions that reached
/// it, as grouped bars on a log scale (stages are orders of magnitude apart).
pub fn funnel(stages: &[&str], groups: &[(String, Vec<u64>)]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (860, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let floor = 1e-4;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..stages.len() as f64, (floor..1.0f64).log_scale())
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(stages.len() * 2 + 1)
            .x_label_formatter(&|x| {
                let i = x - 0.5;
                if (i - i.round()).abs() > 1e-6 || i < 0.0 {
                    return String::new();
                }
                stages
                    .get(i.round() as usize)
                    .map(|s| s.to_string())
                    .unwrap_or_default()
            })
            .y_label_formatter(&|y| {
                if *y >= 0.01 {
                    format!("{:.0}%", y * 100.0)
                } else {
                    format!("{:.2}%", y * 100.0)
                }
            })
            .y_desc("share of impressions")
            .draw()
            .map_err(err)?;
        let width = 0.8 / groups.len().max(1) as f64;
        for (gi, (_, counts)) in groups.iter().enumerate() {
            let c = color(gi);
            let base = counts.first().copied().unwrap_or(0).max(1) as f64;
            let bars = counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(si, n)| {
                    let x0 = si as f64 + 0.1 + gi as f64 * width;
                    let share = (*n as f64 / base).clamp(floor, 1.0);
                    Rectangle::new([(x0, floor), (x0 + width * 0.92, share)], c.filled())
                });
            chart.draw_series(bars).map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Mean-rating gap of each group against the rest (stars), bars coloured by group, a dark
/// outline where the Benjamini–Hochberg adjusted p-value is below 0.05.
pub fn rating_gaps(gaps: &[(usize, String, f64, bool)]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let h = 60 + 34 * gaps.len().max(1) as u32;
        let root = SVGBackend::with_string(&mut svg, (860, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let m = gaps.iter().map(|g| g.2.abs()).fold(0.25f64, f64::max) * 1.2;
        let n = gaps.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(140)
            .build_cartesian_2d(-m..m, 0f64..n)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(gaps.len() * 2 + 1)
            .y_label_formatter(&|y| {
                let i = y - 0.5;
                if (i - i.round()).abs() > 1e-6 || i < 0.0 {
                    return String::new();
                }
                let idx = gaps.len().saturating_sub(1 + i.round() as usize);
                gaps.get(idx)
                    .map(|g| group_label(&g.1).to_owned())
                    .unwrap_or_default()
            })
            .x_label_formatter(&|x| format!("{x:+.2}"))
            .x_desc("mean rating minus the rest (stars)")
            .draw()
            .map_err(err)?;
        chart
            .draw_series([PathElement::new(
                vec![(0.0, 0.0), (0.0, n)],
                BLACK.stroke_width(1),
            )])
            .map_err(err)?;
        for (row, (ci, _, gap, significant)) in gaps.iter().enumerate() {
            let y = n - row as f64 - 1.0;
            let c = color(*ci);
            chart
                .draw_series([Rectangle::new(
                    [(0.0, y + 0.2), (*gap, y + 0.8)],
                    c.filled(),
                )])
                .map_err(err)?;
            if *significant {
                chart
                    .draw_series([Rectangle::new(
                        [(0.0, y + 0.2), (*gap, y + 0.8)],
                        BLACK.stroke_width(2),
                    )])
                    .map_err(err)?;
            }
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg() {
        let labels: Vec<String> = (0..4).map(|i| format!("w{i}")).collect();
        let s = exposure_over_time(
            &labels,
            &[
                (
                    "eu".into(),
                    vec![Some(0.5), Some(0.4), None, Some(0.45)],
                    0.4,
                ),
                (
                    "".into(),
                    vec![Some(0.5), Some(0.6), Some(0.6), Some(0.55)],
                    0.6,
                ),
            ],
        )
        .unwrap();
        assert!(s.starts_with("<svg") && s.contains("<polyline"), "{s}");
        let f = funnel(
            &["shown", "viewed"],
            &[("a".into(), vec![100, 10]), ("b".into(), vec![50, 0])],
        )
        .unwrap();
        assert!(f.contains("<rect"));
        let g = rating_gaps(&[(0, "a".into(), -0.4, true), (1, "b".into(), 0.1, false)]).unwrap();
        assert!(g.contains("<rect"));
    }
}
