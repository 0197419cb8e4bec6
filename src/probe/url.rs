//! URLs of probes: the base URL joined with a filled path template.

use url::Url;

/// Joins the base URL (which may carry a base path like `/api`) and a filled path template.
pub(crate) fn join_url(base: &Url, path: &str, query: &[(String, String)]) -> Url {
    let mut url = base.clone();
    let base_path = base.path().trim_end_matches('/');
    url.set_path(&format!("{base_path}{path}"));
    url.set_query(None);
    if !query.is_empty() {
        url.query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    }
    url
}

/// Fills a path template with values (percent-encoded).
pub(crate) fn fill_path(template: &str, values: &[(String, String)]) -> String {
    let mut path = template.to_owned();
    for (name, value) in values {
        let encoded: String =
            url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>();
        path = path.replace(&format!("{{{name}}}"), &encoded.replace('+', "%20"));
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_base_path() {
        let base = Url::parse("http://h:8080/api/").expect("url");
        let u = join_url(&base, "/users/7", &[("q".into(), "a b".into())]);
        assert_eq!(u.as_str(), "http://h:8080/api/users/7?q=a+b");
        let root = Url::parse("http://h").expect("url");
        assert_eq!(join_url(&root, "/x", &[]).as_str(), "http://h/x");
    }

    #[test]
    fn fill_path_encodes() {
        let p = fill_path(
            "/a/{x}/b/{y}",
            &[("x".into(), "1".into()), ("y".into(), "a b/c".into())],
        );
        assert_eq!(p, "/a/1/b/a%20b%2Fc");
    }
}
