//! Shrinking a finding to a minimal wire: whole pieces first (the `&` pairs, the lines),
//! then delta debugging over characters (chunks halved until single characters), each
//! candidate asked again and kept when it shows the same class of finding.

use std::time::{Duration, Instant};

/// Candidates asked at most while shrinking one finding.
const MAX_STEPS: u32 = 600;
/// Above this many characters, delta debugging stops at pieces of 1/16 of the input.
const LARGE: usize = 16 << 10;
/// Time spent at most shrinking one finding (a hang costs a timeout per candidate).
const MAX_TIME: Duration = Duration::from_secs(60);

/// The smallest wire found for which `still` holds (`wire` itself holds), and how many
/// candidates were asked.
pub fn shrink(wire: &str, mut still: impl FnMut(&str) -> bool) -> (String, u32) {
    let started = Instant::now();
    let mut steps = 0u32;
    let mut cur: Vec<char> = wire.chars().collect();
    let mut ask = |c: &[char], steps: &mut u32| -> bool {
        if *steps >= MAX_STEPS || started.elapsed() > MAX_TIME {
            return false;
        }
        *steps += 1;
        still(&c.iter().collect::<String>())
    };
    // A long run of one character (an overlong value) first, by bisection on its length:
    // a candidate that still hangs costs a timeout, so few are asked.
    if let Some((start, n)) = longest_run(&cur).filter(|r| r.1 >= 64) {
        let (mut lo, mut hi) = (0usize, n);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            let cand: Vec<char> = cur[..start + mid]
                .iter()
                .chain(&cur[start + n..])
                .copied()
                .collect();
            if ask(&cand, &mut steps) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        cur = cur[..start + hi]
            .iter()
            .chain(&cur[start + n..])
            .copied()
            .collect();
    }
    // Whole pieces: a pair or a line, with its separator.
    for sep in ['&', '\n'] {
        let mut i = 0;
        loop {
            let pieces = split_keep(&cur, sep);
            if i >= pieces.len() || pieces.len() < 2 {
                break;
            }
            let cand: Vec<char> = pieces
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .flat_map(|(_, p)| p.iter().copied())
                .collect();
            if ask(&cand, &mut steps) {
                cur = cand;
            } else {
                i += 1;
            }
        }
    }
    // Delta debugging over characters.
    let mut n = 2usize;
    while cur.len() >= 2 && n <= cur.len() {
        let chunk = cur.len().div_ceil(n);
        // A large input (a long run stays) is cut in coarse pieces only: every candidate
        // costs the adapter a full parse.
        if cur.len() > LARGE && chunk * 16 < cur.len() {
            break;
        }
        let mut removed = false;
        let mut start = 0;
        while start < cur.len() {
            let end = (start + chunk).min(cur.len());
            let cand: Vec<char> = cur[..start].iter().chain(&cur[end..]).copied().collect();
            if ask(&cand, &mut steps) {
                cur = cand;
                removed = true;
            } else {
                start = end;
            }
        }
        if steps >= MAX_STEPS || started.elapsed() > MAX_TIME {
            break;
        }
        if removed {
            n = (n - 1).max(2);
        } else if chunk == 1 {
            break;
        } else {
            n = (n * 2).min(cur.len());
        }
    }
    (cur.into_iter().collect(), steps)
}

/// The longest run of one character: (start, length).
fn longest_run(s: &[char]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut start = 0;
    for i in 1..=s.len() {
        if i == s.len() || s[i] != s[start] {
            if best.is_none_or(|b| i - start > b.1) {
                best = Some((start, i - start));
            }
            start = i;
        }
    }
    best
}

/// `s` cut after each `sep` (the separator stays with the piece before it).
fn split_keep(s: &[char], sep: char) -> Vec<Vec<char>> {
    let mut out = vec![Vec::new()];
    for &c in s {
        if let Some(last) = out.last_mut() {
            last.push(c);
        }
        if c == sep {
            out.push(Vec::new());
        }
    }
    if out.last().is_some_and(Vec::is_empty) {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::shrink;

    #[test]
    fn shrinks_to_the_character_that_matters() {
        let (min, steps) = shrink("a=1&b=2%&c=3", |w| w.contains('%'));
        assert_eq!(min, "%");
        assert!(steps > 0);
    }

    #[test]
    fn keeps_a_run_that_must_stay_long() {
        let wire = format!("a=1&v={}&c=3", "x".repeat(300));
        let (min, _) = shrink(&wire, |w| w.matches('x').count() >= 200);
        assert_eq!(min, "x".repeat(200));
    }
}
