//! Coverage: how much of what applied was really tested, overall and per check family, with
//! the reasons the rest was not. A pure function of the cases (and the catalogue, for each
//! check's family), computed once into the report; every format shows these same figures.

use std::collections::BTreeMap;

use super::{CaseResult, Outcome};
use crate::checks::{CheckMeta, Family};

/// Tested and applicable cases (check × operation; API-wide checks are one case each).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Coverage {
    /// Cases that passed (at least one probe judged something) or failed.
    pub tested: usize,
    /// Every case the scan planned: tested ones and not-tested ones.
    pub applicable: usize,
    /// `tested / applicable` in percent, rounded down to one decimal (0 when nothing applied).
    pub percent: f64,
    /// Per family that had any case, in catalogue family order.
    pub families: Vec<FamilyCoverage>,
    /// `--min-coverage` / `min_coverage`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<u8>,
    /// Why the scan fails the minimum (`coverage 41% is below --min-coverage 80%`); absent
    /// when it meets it or none was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below_minimum: Option<String>,
}

/// One family's figures.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FamilyCoverage {
    /// The family id (`cross-user-reads`), or `other` for a check the catalogue does not know.
    pub family: String,
    /// What people read (`cross-user reads`).
    pub title: String,
    pub tested: usize,
    pub applicable: usize,
    /// Why the untested cases were not tested, most frequent first.
    pub not_tested: Vec<ReasonCount>,
    /// The same per check of the family, by id.
    #[serde(default)]
    pub checks: Vec<CheckCoverage>,
}

/// One check's cases by outcome (the per-check detail of Markdown and HTML).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CheckCoverage {
    pub check: String,
    pub passed: usize,
    pub failed: usize,
    pub not_tested: usize,
}

/// A not-tested reason and how many cases it kept untested. Reasons that differ only in the
/// names they quote (`` `{classId}` ``) count as one, shown in general form (`` `…` ``) when
/// the quoted names differ.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReasonCount {
    pub reason: String,
    pub count: usize,
}

/// Family id for checks missing from the catalogue (a report merged from another version).
const OTHER: (&str, &str) = ("other", "other checks");

impl Coverage {
    /// Counts `cases` overall and per family (each check's family from `catalogue`).
    pub fn of(cases: &[CaseResult], catalogue: &[CheckMeta]) -> Coverage {
        let family_of = |check: &str| -> Option<Family> {
            catalogue.iter().find(|m| m.id == check).map(|m| m.family)
        };
        // `None` (unknown check) sorts first in an Option; keep it last instead.
        type Key = (bool, Option<Family>);
        let mut per_family: BTreeMap<Key, Vec<&Outcome>> = BTreeMap::new();
        let mut per_check: BTreeMap<Key, BTreeMap<&str, CheckCoverage>> = BTreeMap::new();
        for case in cases {
            let family = family_of(&case.check);
            let key = (family.is_none(), family);
            per_family.entry(key).or_default().push(&case.outcome);
            let counts = per_check
                .entry(key)
                .or_default()
                .entry(&case.check)
                .or_insert_with(|| CheckCoverage {
                    check: case.check.clone(),
                    passed: 0,
                    failed: 0,
                    not_tested: 0,
                });
            match &case.outcome {
                Outcome::Failed { .. } => counts.failed += 1,
                o if is_tested(o) => counts.passed += 1,
                _ => counts.not_tested += 1,
            }
        }
        let families: Vec<FamilyCoverage> = per_family
            .into_iter()
            .map(|(key, outcomes)| {
                let (id, title) = key.1.map_or(OTHER, |f| (f.id(), f.title()));
                FamilyCoverage {
                    family: id.to_owned(),
                    title: title.to_owned(),
                    tested: outcomes.iter().filter(|o| is_tested(o)).count(),
                    applicable: outcomes.len(),
                    not_tested: reasons(&outcomes),
                    checks: per_check
                        .remove(&key)
                        .map(|checks| checks.into_values().collect())
                        .unwrap_or_default(),
                }
            })
            .collect();
        let tested = families.iter().map(|f| f.tested).sum();
        let applicable = cases.len();
        Coverage {
            tested,
            applicable,
            percent: percent_tenths(tested, applicable) as f64 / 10.0,
            families,
            minimum: None,
            below_minimum: None,
        }
    }

    /// Sets the minimum and, when the tested share is below it, says so.
    pub fn with_minimum(mut self, minimum: Option<u8>) -> Coverage {
        self.minimum = minimum;
        self.below_minimum = minimum
            .filter(|min| {
                // Exact integer comparison: 79.96% must not pass a minimum of 80%.
                self.tested * 100 < usize::from(*min) * self.applicable
                    || (self.applicable == 0 && *min > 0)
            })
            .map(|min| {
                format!(
                    "coverage {}% is below --min-coverage {min}% ({} of {} cases tested)",
                    whole_percent(self.tested, self.applicable),
                    self.tested,
                    self.applicable
                )
            });
        self
    }
}

impl FamilyCoverage {
    pub fn not_tested_count(&self) -> usize {
        self.applicable - self.tested
    }
}

/// Passed with a judging probe, or failed. A pass with zero judged probes is never built
/// (verdicts turn it into "not tested"), but it would not count here either.
fn is_tested(outcome: &Outcome) -> bool {
    match outcome {
        Outcome::Passed { probes } => *probes > 0,
        Outcome::Failed { .. } => true,
        Outcome::Skipped { .. } => false,
    }
}

/// Rounded down, so that a share just under a threshold never reads as reaching it.
pub(super) fn whole_percent(tested: usize, applicable: usize) -> usize {
    percent_tenths(tested, applicable) / 10
}

fn percent_tenths(tested: usize, applicable: usize) -> usize {
    (tested * 1000).checked_div(applicable).unwrap_or(0)
}

/// The not-tested reasons of `outcomes`, counted under their general form.
fn reasons(outcomes: &[&Outcome]) -> Vec<ReasonCount> {
    // Keyed by the general form; the one original is shown when there is only one.
    let mut by_general: BTreeMap<String, (usize, Vec<&str>)> = BTreeMap::new();
    for outcome in outcomes {
        if let Outcome::Skipped { reason } = outcome {
            let (n, originals) = by_general.entry(general_reason(reason)).or_default();
            *n += 1;
            // Whether there is more than one original is all that matters: keep two at most.
            if originals.len() < 2 && !originals.contains(&reason.as_str()) {
                originals.push(reason);
            }
        }
    }
    let mut counted: Vec<ReasonCount> = by_general
        .into_iter()
        .map(|(general, (count, originals))| ReasonCount {
            reason: match originals.as_slice() {
                [one] => (*one).to_owned(),
                _ => general,
            },
            count,
        })
        .collect();
    // Most frequent first: the flag or fixture that would unlock the most cases.
    counted.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
    counted
}

/// A skip reason with its specifics (`` `{classId}` ``) generalised, so that the same cause on
/// many operations counts as one reason.
fn general_reason(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut parts = reason.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    let rest: Vec<&str> = parts.collect();
    // An odd count of backticks leaves the text as it is: it is not a list of quoted names.
    if rest.len() % 2 == 1 {
        return reason.to_owned();
    }
    for pair in rest.chunks(2) {
        out.push_str("`…`");
        out.push_str(pair.get(1).copied().unwrap_or_default());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(check: &str, outcome: Outcome) -> CaseResult {
        CaseResult {
            check: check.into(),
            operation_id: "op".into(),
            method: "GET".into(),
            path: "/x".into(),
            line: 1,
            outcome,
        }
    }

    fn skipped(reason: &str) -> Outcome {
        Outcome::Skipped {
            reason: reason.into(),
        }
    }

    fn passed(probes: usize) -> Outcome {
        Outcome::Passed { probes }
    }

    fn failed() -> Outcome {
        Outcome::Failed {
            probes: 1,
            findings: vec![0],
        }
    }

    #[test]
    fn counts_tested_cases_per_family_and_groups_reasons() {
        let catalogue = crate::checks::catalogue().expect("catalogue");
        let cases = [
            case("bola-read", passed(2)),
            case("bola-read", failed()),
            case(
                "bola-read",
                skipped("no object of user-b found for `{classId}`"),
            ),
            case(
                "predictable-ids",
                skipped("no object of user-b found for `{slug}`"),
            ),
            case(
                "predictable-ids",
                skipped("no object of user-b found for `{slug}`"),
            ),
            case("server-banner", passed(1)),
            case("no-such-check", skipped("gone")),
        ];
        let c = Coverage::of(&cases, &catalogue);
        assert_eq!((c.tested, c.applicable), (3, 7));
        assert_eq!(c.percent, 42.8);
        let ids: Vec<&str> = c.families.iter().map(|f| f.family.as_str()).collect();
        assert_eq!(ids, ["cross-user-reads", "configuration", "other"]);
        let reads = &c.families[0];
        assert_eq!((reads.tested, reads.applicable), (2, 5));
        assert_eq!(reads.title, "cross-user reads");
        assert_eq!(
            reads.not_tested,
            [ReasonCount {
                reason: "no object of user-b found for `…`".into(),
                count: 3
            }]
        );
        assert_eq!(reads.not_tested_count(), 3);
        assert_eq!(
            reads.checks,
            [
                CheckCoverage {
                    check: "bola-read".into(),
                    passed: 1,
                    failed: 1,
                    not_tested: 1
                },
                CheckCoverage {
                    check: "predictable-ids".into(),
                    passed: 0,
                    failed: 0,
                    not_tested: 2
                }
            ]
        );
        assert!(c.families[1].not_tested.is_empty());
        assert_eq!(c.families[2].not_tested[0].reason, "gone");
        // The family figures add up to the overall ones.
        let sum: usize = c.families.iter().map(|f| f.applicable).sum();
        assert_eq!(sum, c.applicable);
    }

    #[test]
    fn one_quoted_name_keeps_its_original_reason() {
        let catalogue = crate::checks::catalogue().expect("catalogue");
        let reason = "no object of user-b found for `{classId}`: add `objects:` for user_b";
        let cases = [
            case("bola-read", skipped(reason)),
            case("bola-read", skipped(reason)),
        ];
        let c = Coverage::of(&cases, &catalogue);
        assert_eq!(c.families[0].not_tested[0].reason, reason);
        assert_eq!(c.families[0].not_tested[0].count, 2);
        assert_eq!(general_reason("odd ` count"), "odd ` count");
    }

    #[test]
    fn a_pass_without_a_judging_probe_is_not_tested() {
        let catalogue = crate::checks::catalogue().expect("catalogue");
        let c = Coverage::of(&[case("bola-read", passed(0))], &catalogue);
        assert_eq!((c.tested, c.applicable), (0, 1));
    }

    #[test]
    fn the_minimum_compares_exactly_and_says_why() {
        let catalogue = crate::checks::catalogue().expect("catalogue");
        // 4 of 5 = 80%: meets 80, fails 81.
        let mut cases: Vec<CaseResult> = (0..4).map(|_| case("bola-read", passed(1))).collect();
        cases.push(case("bola-read", skipped("why")));
        let c = Coverage::of(&cases, &catalogue);
        assert_eq!(c.clone().with_minimum(Some(80)).below_minimum, None);
        assert_eq!(c.clone().with_minimum(None).below_minimum, None);
        assert_eq!(
            c.with_minimum(Some(81)).below_minimum.as_deref(),
            Some("coverage 80% is below --min-coverage 81% (4 of 5 cases tested)")
        );
        // 2 of 3 = 66.66…%: shown rounded down, never as meeting 67.
        let c = Coverage::of(&cases[2..], &catalogue).with_minimum(Some(67));
        assert_eq!(c.percent, 66.6);
        assert!(c.below_minimum.expect("below").starts_with("coverage 66% "));
        // Nothing applicable: nothing was tested, so any minimum above 0 fails.
        let none = Coverage::of(&[], &catalogue);
        assert_eq!(none.percent, 0.0);
        assert!(none.clone().with_minimum(Some(1)).below_minimum.is_some());
        assert!(none.with_minimum(Some(0)).below_minimum.is_none());
    }
}
