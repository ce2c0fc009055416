//! From text read to a VIN, with what a VIN is: 17 characters without I, O or Q; the check digit
//! (49 CFR 565); a model-year code in position 10; positions 14–17 digits; a maker the WMI table
//! knows. Each character may be any of the engine's alternatives or a classic look-alike (0/O/D/Q,
//! 1/I/L, 8/B, 5/S, 2/Z, 6/G), at a cost; the VINs that pass every rule are ranked by how sure
//! the engine was of each character. One clear winner is the answer; two close ones are shown
//! to the person to pick — never a silent guess.

use serde::Serialize;

use crate::engine::TextLine;

/// What the picture says about a VIN.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VinReading {
    /// The VIN, when exactly one fits well; `None` when none does or the person must choose.
    pub vin: Option<String>,
    /// 0–1: how sure (the engine's confidence in the characters, less what was corrected).
    pub confidence: f32,
    /// VINs that pass every rule, best first (several when a person must choose).
    pub candidates: Vec<Candidate>,
    /// What the engine read, line by line.
    pub text: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub vin: String,
    pub confidence: f32,
    /// Positions (1–17) where a character other than the engine's first reading was taken.
    pub corrected: Vec<usize>,
    /// The log of how likely the whole reading is (the product of its characters' weights).
    #[serde(skip)]
    pub log_likelihood: f32,
    /// Read as a whole (it starts and ends where words do, with few corrections): only such a
    /// reading is taken without asking.
    #[serde(skip)]
    pub whole: bool,
}

/// Characters a VIN never has.
const FORBIDDEN: [char; 3] = ['I', 'O', 'Q'];
/// Position 10's model-year codes.
const YEAR_CODES: &str = "ABCDEFGHJKLMNPRSTVWXY123456789";
/// How much a look-alike substitution costs compared with the engine's own alternative.
const LOOK_ALIKE_COST: f32 = 0.5;
/// Candidates kept between positions.
const BEAM: usize = 400;
/// A runner-up at least this likely, relative to the winner, makes it the person's choice…
const AMBIGUOUS_RATIO: f32 = 0.3;
/// …and runners-up this likely are shown beside it.
const SHOWN_RATIO: f32 = 0.35;
/// More corrections than this and the reading is the person's to confirm…
const MOST_CORRECTIONS: usize = 2;
/// …and so is a reading the engine was less sure of than this (per character, 0–1).
const LEAST_CONFIDENCE: f32 = 0.7;

/// The characters a reading may really be, with how much less likely each is: a letter a VIN
/// never has is almost surely its digit; other look-alikes cost more, the first least.
fn look_alikes(c: char) -> Vec<(char, f32)> {
    let near = |list: &[char]| -> Vec<(char, f32)> {
        list.iter()
            .filter(|k| **k != c)
            .enumerate()
            .map(|(i, k)| (*k, if i == 0 { LOOK_ALIKE_COST } else { LOOK_ALIKE_COST * LOOK_ALIKE_COST }))
            .collect()
    };
    match c {
        'O' | 'Q' => vec![('0', 0.9), ('D', LOOK_ALIKE_COST * LOOK_ALIKE_COST)],
        'I' => vec![('1', 0.9), ('L', LOOK_ALIKE_COST * LOOK_ALIKE_COST)],
        '0' | 'D' => near(&['0', 'D']),
        '1' | 'L' => near(&['1', 'L']),
        'T' | '7' => near(&['T', '7']),
        '8' | 'B' => near(&['8', 'B']),
        '3' => near(&['8']),
        '5' | 'S' => near(&['5', 'S']),
        '2' | 'Z' => near(&['2', 'Z']),
        '6' | 'G' => near(&['6', 'G']),
        'U' | 'V' => near(&['U', 'V']),
        'M' | 'N' => near(&['M', 'N']),
        _ => Vec::new(),
    }
}

/// The options for one position: (character, weight 0–1, corrected?).
fn options(choices: &[(char, f32)], position: usize) -> Vec<(char, f32, bool)> {
    let mut out: Vec<(char, f32, bool)> = Vec::new();
    let mut add = |c: char, weight: f32, corrected: bool| {
        let c = c.to_ascii_uppercase();
        if !c.is_ascii_alphanumeric() || FORBIDDEN.contains(&c) {
            return;
        }
        if position == 10 && !YEAR_CODES.contains(c) {
            return;
        }
        if (14..=17).contains(&position) && !c.is_ascii_digit() {
            return;
        }
        match out.iter_mut().find(|(k, _, _)| *k == c) {
            Some(existing) if existing.1 < weight => *existing = (c, weight, corrected),
            Some(_) => {}
            None => out.push((c, weight, corrected)),
        }
    };
    for (rank, (c, confidence)) in choices.iter().enumerate() {
        let weight = (confidence / 100.0).clamp(0.02, 1.0);
        add(*c, weight, rank > 0);
        for (alike, cost) in look_alikes(c.to_ascii_uppercase()) {
            add(alike, weight * cost, true);
        }
    }
    out
}

/// Finds the VIN in what the engine read.
pub fn find_vin(lines: &[TextLine], current_year: i32) -> VinReading {
    let text: Vec<String> = lines.iter().map(TextLine::text).collect();
    let mut found: Vec<Candidate> = Vec::new();
    for line in lines {
        let kept: Vec<&crate::engine::Glyph> =
            line.glyphs.iter().filter(|g| g.choices.iter().any(|(ch, _)| ch.is_ascii_alphanumeric())).collect();
        let glyphs: Vec<&Vec<(char, f32)>> = kept.iter().map(|g| &g.choices).collect();
        if glyphs.len() < 17 {
            continue;
        }
        for start in 0..=glyphs.len() - 17 {
            let window = &glyphs[start..start + 17];
            // a VIN read whole starts where a word does and ends where one does (a window cut
            // out of a longer run of characters could be any of several)
            let starts_word = start == 0 || kept[start].word_start;
            let ends_word = start + 17 == kept.len() || kept[start + 17].word_start;
            // beam search over the 17 positions: (text, log-weight, corrected positions)
            let mut beam: Vec<(String, f32, Vec<usize>)> = vec![(String::new(), 0.0, Vec::new())];
            for (i, choices) in window.iter().enumerate() {
                let opts = options(choices, i + 1);
                if opts.is_empty() {
                    beam.clear();
                    break;
                }
                let mut next = Vec::with_capacity(beam.len() * opts.len());
                for (prefix, score, corrected) in &beam {
                    for (c, weight, was_corrected) in &opts {
                        let mut text = prefix.clone();
                        text.push(*c);
                        let mut corrected = corrected.clone();
                        if *was_corrected {
                            corrected.push(i + 1);
                        }
                        next.push((text, score + weight.ln(), corrected));
                    }
                }
                next.sort_by(|a, b| b.1.total_cmp(&a.1));
                next.truncate(BEAM);
                beam = next;
            }
            for (vin, score, corrected) in beam {
                let Ok(checked) = dixon_vin::check(&vin, current_year) else { continue };
                // every rule: the check digit (outside North America a maker may not use one, but
                // here it is what tells a reading apart), a year, a known maker
                if checked.check_digit_ok != Some(true) || checked.model_years.is_empty() || checked.maker.is_none() {
                    continue;
                }
                let confidence = (score / 17.0).exp();
                // a letter a VIN never has read for its digit is no guess; other corrections are
                let guesses = corrected
                    .iter()
                    .filter(|p| {
                        !window[**p - 1].first().is_some_and(|(c, _)| FORBIDDEN.contains(&c.to_ascii_uppercase()))
                    })
                    .count();
                // a corrected check digit proves nothing any more: such a reading is confirmed
                let whole = starts_word
                    && ends_word
                    && guesses <= MOST_CORRECTIONS
                    && !corrected.contains(&9)
                    && confidence >= LEAST_CONFIDENCE;
                let candidate = Candidate { confidence, vin, corrected, log_likelihood: score, whole };
                match found.iter_mut().find(|c| c.vin == candidate.vin) {
                    Some(existing) if existing.log_likelihood >= score => {}
                    Some(existing) => *existing = candidate,
                    None => found.push(candidate),
                }
            }
        }
    }
    found.sort_by(|a, b| b.log_likelihood.total_cmp(&a.log_likelihood));
    if let Some(best) = found.first().map(|c| c.log_likelihood) {
        found.retain(|c| c.log_likelihood >= best + SHOWN_RATIO.ln());
    }
    found.truncate(5);
    let decided = match found.as_slice() {
        [] => None,
        [only] => Some(only.clone()),
        [best, second, ..] if second.log_likelihood < best.log_likelihood + AMBIGUOUS_RATIO.ln() => Some(best.clone()),
        _ => None,
    }
    .filter(|c| c.whole);
    VinReading {
        vin: decided.as_ref().map(|c| c.vin.clone()),
        confidence: decided.as_ref().map_or(0.0, |c| c.confidence),
        candidates: found,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Glyph;

    fn line(text: &str) -> TextLine {
        let mut start = true;
        let glyphs = text
            .chars()
            .filter_map(|c| {
                if c == ' ' {
                    start = true;
                    return None;
                }
                let glyph = Glyph { choices: vec![(c, 90.0)], word_start: start };
                start = false;
                Some(glyph)
            })
            .collect();
        TextLine { glyphs }
    }

    #[test]
    fn a_clean_reading_is_the_vin() {
        let reading = find_vin(&[line("VIN 1HGCM82633A004352")], 2026);
        assert_eq!(reading.vin.as_deref(), Some("1HGCM82633A004352"));
        assert!(reading.confidence > 0.85, "{}", reading.confidence);
        assert!(reading.candidates[0].corrected.is_empty());
    }

    #[test]
    fn classic_confusions_are_corrected_by_the_rules() {
        // O for 0 in the serial, I for 1 at the start, S for 5 in the check position
        let reading = find_vin(&[line("IHGCM82633AOO4352")], 2026);
        assert_eq!(reading.vin.as_deref(), Some("1HGCM82633A004352"));
        assert_eq!(reading.candidates[0].corrected, vec![1, 12, 13]);
    }

    #[test]
    fn a_vin_cut_out_of_a_longer_run_is_asked_not_taken() {
        let reading = find_vin(&[line("X1HGCM82633A004352")], 2026);
        assert_eq!(reading.vin, None);
        assert_eq!(reading.candidates[0].vin, "1HGCM82633A004352", "offered to confirm");
        let split = find_vin(&[line("1HGCM 82633A004352")], 2026);
        assert_eq!(split.vin.as_deref(), Some("1HGCM82633A004352"), "a VIN in two words is still whole");
    }

    #[test]
    fn two_vins_that_fit_equally_are_shown_not_guessed() {
        let reading = find_vin(&[line("1HGCM82633A004352"), line("1FTMW1T88MFA00001")], 2026);
        assert_eq!(reading.vin, None, "the person picks");
        let vins: Vec<&str> = reading.candidates.iter().map(|c| c.vin.as_str()).collect();
        assert_eq!(vins.len(), 2);
        assert!(vins.contains(&"1HGCM82633A004352") && vins.contains(&"1FTMW1T88MFA00001"));
    }

    #[test]
    fn nothing_like_a_vin_is_no_vin() {
        let reading = find_vin(&[line("REGISTRATION CARD 2021"), line("ABC")], 2026);
        assert_eq!(reading.vin, None);
        assert!(reading.candidates.is_empty());
    }
}
