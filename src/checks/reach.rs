//! Which URLs user A can send without using user B's object IDs.
//!
//! Requests that put B's IDs in the URL prove a broken object-level check and belong to
//! `bola-read`; the data-exposure checks look for B's data (and undeclared fields) everywhere
//! else: A's own objects, objects A has seen, the spec's examples.

use crate::harvest::Inventory;
use crate::model::Operation;
use crate::values::params::example_for;

/// Path fillings for `op` from A's own IDs, then IDs A has seen, then the spec's example,
/// never one of B's own IDs (unless A owns it too). The first filling uses the first candidate
/// of every parameter; the others vary one parameter at a time. `Err` names a parameter
/// without any such value.
pub(crate) fn fillings_without_b(
    op: &Operation,
    a: &Inventory,
    b: &Inventory,
    max: usize,
) -> Result<Vec<Vec<(String, String)>>, String> {
    let params = op.path_param_names();
    let mut candidates: Vec<(&str, Vec<String>)> = Vec::with_capacity(params.len());
    for p in params {
        let own = a.owned_values(op, p);
        let theirs = b.owned_values(op, p);
        let mut values: Vec<String> = Vec::new();
        for v in own
            .iter()
            .chain(a.seen_values(op, p))
            .cloned()
            .chain(example_for(op, p))
        {
            let b_only = theirs.contains(&v) && !own.contains(&v);
            if !b_only && !values.contains(&v) {
                values.push(v);
            }
        }
        if values.is_empty() {
            return Err(p.to_owned());
        }
        candidates.push((p, values));
    }
    let base: Vec<(String, String)> = candidates
        .iter()
        .map(|(p, values)| ((*p).to_owned(), values[0].clone()))
        .collect();
    let mut out = vec![base.clone()];
    for (i, (_, values)) in candidates.iter().enumerate() {
        for v in values.iter().skip(1) {
            if out.len() >= max {
                return Ok(out);
            }
            let mut filling = base.clone();
            filling[i].1 = v.clone();
            out.push(filling);
        }
    }
    out.truncate(max.max(1));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Role;
    use crate::model::HttpMethod;

    fn op(path: &str) -> Operation {
        Operation::bare(HttpMethod::Get, path, "x")
    }

    #[test]
    fn never_uses_bs_own_ids() {
        let mut a = Inventory::bare(Role::UserA);
        let mut b = Inventory::bare(Role::UserB);
        a.own("memberId", "1");
        a.saw("memberId", "2");
        a.saw("memberId", "3");
        b.own("memberId", "2");
        let f = fillings_without_b(&op("/members/{memberId}"), &a, &b, 4).expect("filled");
        let values: Vec<&str> = f.iter().map(|f| f[0].1.as_str()).collect();
        assert_eq!(values, ["1", "3"]);
    }

    #[test]
    fn a_parameter_with_only_bs_ids_cannot_be_filled() {
        let a = Inventory::bare(Role::UserA);
        let mut b = Inventory::bare(Role::UserB);
        b.own("workoutId", "103");
        let err = fillings_without_b(&op("/workouts/{workoutId}"), &a, &b, 4).expect_err("none");
        assert_eq!(err, "workoutId");
    }

    #[test]
    fn no_path_parameters_is_one_empty_filling() {
        let a = Inventory::bare(Role::UserA);
        let f = fillings_without_b(&op("/me"), &a, &a.clone(), 3).expect("filled");
        assert_eq!(f, [Vec::<(String, String)>::new()]);
    }
}
