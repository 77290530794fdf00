//! GraphiQL, the in-browser GraphQL IDE shown to browsers at `GET /graphql`.
//!
//! This module owns the HTML page ([`page`]) and the vendored GraphiQL and
//! React files it loads ([`asset_routes`]). The files live in
//! `assets/graphiql/` (its README says which npm packages they came from and
//! how to refresh them) and are embedded into the binary, so nothing is
//! fetched from a CDN or the network at build time or run time. Deciding when
//! to serve the page (e.g. a `GET` whose `Accept` prefers `text/html`) is up to
//! the caller.
//!
//! The page links its assets and the endpoint by URLs relative to itself
//! (`./graphql/assets/…`), so it works unchanged when a proxy serves pgway
//! under a prefix (`https://example.com/api/graphql`).

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;

/// The npm version of `graphiql` vendored in `assets/graphiql/`.
const GRAPHIQL_VERSION: &str = "4.1.2";
/// The npm version of `react` and `react-dom` vendored in `assets/graphiql/`.
const REACT_VERSION: &str = "18.3.1";

/// Asset URLs contain the package version, so a refresh changes every URL
/// and the files can be cached for good.
const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// One vendored file, served at `{assets}/{package}-{version}/{file}`.
struct Asset {
    package: &'static str,
    version: &'static str,
    file: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

impl Asset {
    fn url(&self, prefix: &str) -> String {
        format!("{prefix}/{}-{}/{}", self.package, self.version, self.file)
    }
}

const GRAPHIQL_CSS: Asset = Asset {
    package: "graphiql",
    version: GRAPHIQL_VERSION,
    file: "graphiql.min.css",
    content_type: CSS,
    body: include_bytes!("../../assets/graphiql/graphiql.min.css"),
};
const GRAPHIQL_JS: Asset = Asset {
    package: "graphiql",
    version: GRAPHIQL_VERSION,
    file: "graphiql.min.js",
    content_type: JS,
    body: include_bytes!("../../assets/graphiql/graphiql.min.js"),
};
const REACT_JS: Asset = Asset {
    package: "react",
    version: REACT_VERSION,
    file: "react.production.min.js",
    content_type: JS,
    body: include_bytes!("../../assets/graphiql/react.production.min.js"),
};
const REACT_DOM_JS: Asset = Asset {
    package: "react-dom",
    version: REACT_VERSION,
    file: "react-dom.production.min.js",
    content_type: JS,
    body: include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
};

static ASSETS: [Asset; 4] = [GRAPHIQL_CSS, GRAPHIQL_JS, REACT_JS, REACT_DOM_JS];

/// `assets` as a route prefix: a leading `/`, no trailing `/` (so "" and "/"
/// both mean the root).
fn prefix(assets: &str) -> String {
    format!("/{}", assets.trim_matches('/'))
        .trim_end_matches('/')
        .to_owned()
}

/// `target` as a URL relative to the page at `page` (both absolute paths):
/// `./graphql/assets/x` from `/graphql`, `../assets/x` from `/a/page` for
/// `/assets/x`. It starts with `./` or `../`, so no part of it reads as a
/// URL scheme.
fn relative(target: &str, page: &str) -> String {
    let directory: Vec<&str> = page.split('/').skip(1).collect();
    let directory = &directory[..directory.len().saturating_sub(1)];
    let target: Vec<&str> = target.split('/').skip(1).collect();
    let common = directory
        .iter()
        .zip(&target)
        .take_while(|(a, b)| a == b)
        .count()
        .min(target.len().saturating_sub(1));
    let up = directory.len() - common;
    let rest = target[common..].join("/");
    match up {
        0 => format!("./{rest}"),
        up => format!("{}{rest}", "../".repeat(up)),
    }
}

/// Escapes `s` for HTML text and (quoted) attribute values.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page; `{endpoint}` and the asset URLs are filled in already escaped.
/// The inline script takes the endpoint from the `data-endpoint` attribute
/// (where HTML escaping applies) instead of having it spliced into the
/// script text (where it would not).
const PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL - pgway</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{graphiql_css}">
<style>
html, body { height: 100%; margin: 0; overflow: hidden; }
#graphiql { height: 100vh; }
</style>
</head>
<body>
<div id="graphiql" data-endpoint="{endpoint}">Loading GraphiQL...</div>
<noscript>GraphiQL needs JavaScript.</noscript>
<script src="{react_js}"></script>
<script src="{react_dom_js}"></script>
<script src="{graphiql_js}"></script>
<script>
(function () {
  var root = document.getElementById("graphiql");
  var defaultQuery =
    "# Welcome to pgway's GraphiQL\n" +
    "#\n" +
    "# Run a query with Ctrl-Enter or the run button.\n" +
    "# Ctrl-Space autocompletes; the book icon on the\n" +
    "# left opens the schema docs.\n" +
    "#\n" +
    "# To query as a logged-in role, add in Headers:\n" +
    "#   {\"Authorization\": \"Bearer <JWT>\"}\n" +
    "\n" +
    "{\n" +
    "  __typename\n" +
    "}\n";
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url: root.dataset.endpoint }),
      defaultQuery: defaultQuery,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: "headers",
    })
  );
})();
</script>
</body>
</html>
"##;

/// The GraphiQL HTML page, served at `endpoint`, the GraphQL URL path (e.g.
/// "/graphql"); `assets` is the path prefix the assets are served under
/// (e.g. "/graphql/assets"). Both are linked relative to the page.
pub fn page(endpoint: &str, assets: &str) -> Html<String> {
    let prefix = prefix(assets);
    let url = |asset: &Asset| escape_html(&relative(&asset.url(&prefix), endpoint));
    Html(
        PAGE.replace("{graphiql_css}", &url(&GRAPHIQL_CSS))
            .replace("{react_js}", &url(&REACT_JS))
            .replace("{react_dom_js}", &url(&REACT_DOM_JS))
            .replace("{graphiql_js}", &url(&GRAPHIQL_JS))
            .replace("{endpoint}", &escape_html(&relative(endpoint, endpoint))),
    )
}

/// Routes serving the vendored files under `assets` (e.g. "/graphql/assets"),
/// each with its Content-Type and `Cache-Control: public, max-age=31536000,
/// immutable`: a file is at `{assets}/{package}-{version}/{file}`, e.g.
/// "/graphql/assets/graphiql-4.1.2/graphiql.min.js", so refreshing the
/// vendored files changes their URLs. Any other path is left to the router's
/// fallback (404 by default). [`page`] links exactly these URLs.
pub fn asset_routes<S: Clone + Send + Sync + 'static>(assets: &str) -> Router<S> {
    let prefix = prefix(assets);
    ASSETS.iter().fold(Router::new(), |router, asset| {
        router.route(
            &asset.url(&prefix),
            get(move || async move {
                (
                    [
                        (header::CONTENT_TYPE, asset.content_type),
                        (header::CACHE_CONTROL, CACHE_CONTROL),
                        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                    ],
                    asset.body,
                )
                    .into_response()
            }),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn fetch(router: Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let response = router
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, body.to_vec())
    }

    /// The values of every `src="..."` and `href="..."` in `html` that the
    /// browser fetches, i.e. all but inline `data:` URLs (the favicon).
    fn linked_urls(html: &str) -> Vec<String> {
        let mut urls = Vec::new();
        for attr in ["src=\"", "href=\""] {
            for (i, _) in html.match_indices(attr) {
                let rest = &html[i + attr.len()..];
                let url = &rest[..rest.find('"').unwrap()];
                if !url.starts_with("data:") {
                    urls.push(url.to_owned());
                }
            }
        }
        urls
    }

    #[test]
    fn escape_html_escapes_the_five_special_characters() {
        assert_eq!(
            escape_html(r#"a&b<c>d"e'f/é"#),
            "a&amp;b&lt;c&gt;d&quot;e&#39;f/é"
        );
    }

    #[test]
    fn prefix_normalizes_slashes() {
        assert_eq!(prefix("/graphql/assets"), "/graphql/assets");
        assert_eq!(prefix("/graphql/assets/"), "/graphql/assets");
        assert_eq!(prefix("graphql/assets"), "/graphql/assets");
        assert_eq!(prefix("/"), "");
        assert_eq!(prefix(""), "");
    }

    #[test]
    fn page_escapes_the_endpoint_and_links_the_assets() {
        let Html(html) = page(r#"/g"><script>alert('x')<\script>&"#, "/graphql/assets");
        assert!(html.contains(
            r#"data-endpoint="./g&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;\script&gt;&amp;""#
        ));
        assert!(!html.contains("alert('x')"));
        let Html(html) = page("/graphql", "/graphql/assets");
        assert!(html.contains(r#"data-endpoint="./graphql""#));
        for asset in &ASSETS {
            assert!(
                html.contains(&asset.url("./graphql/assets")),
                "page does not link {}",
                asset.file
            );
        }
        assert!(html.contains(&format!(
            r#"src="./graphql/assets/graphiql-{GRAPHIQL_VERSION}/graphiql.min.js""#
        )));
        assert!(html.contains(&format!(
            r#"href="./graphql/assets/graphiql-{GRAPHIQL_VERSION}/graphiql.min.css""#
        )));
        assert!(html.contains("GraphiQL.createFetcher"));
        assert!(html.contains("isHeadersEditorEnabled: true"));
        assert!(html.contains("Welcome to pgway's GraphiQL"));
        // No CDN: every fetched URL is a path on this server.
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(html.contains(r#"<link rel="icon" href="data:,">"#));
        for url in linked_urls(&html) {
            assert!(url.starts_with("./graphql/assets/"), "{url}");
        }
    }

    #[test]
    fn links_are_relative_to_the_page() {
        assert_eq!(
            relative("/graphql/assets/x.js", "/graphql"),
            "./graphql/assets/x.js"
        );
        assert_eq!(relative("/graphql", "/graphql"), "./graphql");
        assert_eq!(relative("/x.js", "/graphql"), "./x.js");
        assert_eq!(relative("/assets/x.js", "/a/page"), "../assets/x.js");
        assert_eq!(relative("/a/b/x.js", "/a/page"), "./b/x.js");
        assert_eq!(relative("/a:b/x.js", "/graphql"), "./a:b/x.js");
    }

    #[test]
    fn page_escapes_the_assets_prefix() {
        let Html(html) = page("/graphql", "/a\"b<c>");
        assert!(html.contains(r#"src="./a&quot;b&lt;c&gt;/react-"#));
        assert!(!html.contains("/a\"b"));
    }

    #[tokio::test]
    async fn every_asset_the_page_links_is_served() {
        for (assets, linked_prefix) in [
            ("/graphql/assets", "./graphql/assets/"),
            ("/graphql/assets/", "./graphql/assets/"),
            ("/", "./"),
        ] {
            let Html(html) = page("/graphql", assets);
            let urls = linked_urls(&html);
            assert_eq!(urls.len(), ASSETS.len());
            for url in urls {
                assert!(url.starts_with(linked_prefix), "{url}");
                // Relative to the page at `/graphql`: its directory is `/`.
                let url = format!("/{}", &url[2..]);
                let (status, _, body) = fetch(asset_routes(assets), &url).await;
                assert_eq!(status, StatusCode::OK, "{url}");
                assert!(!body.is_empty(), "{url}");
            }
        }
    }

    #[tokio::test]
    async fn asset_routes_serve_each_file_with_its_content_type() {
        let expected = [
            (
                format!("/graphql/assets/graphiql-{GRAPHIQL_VERSION}/graphiql.min.js"),
                "text/javascript; charset=utf-8",
                GRAPHIQL_JS.body,
            ),
            (
                format!("/graphql/assets/graphiql-{GRAPHIQL_VERSION}/graphiql.min.css"),
                "text/css; charset=utf-8",
                GRAPHIQL_CSS.body,
            ),
            (
                format!("/graphql/assets/react-{REACT_VERSION}/react.production.min.js"),
                "text/javascript; charset=utf-8",
                REACT_JS.body,
            ),
            (
                format!("/graphql/assets/react-dom-{REACT_VERSION}/react-dom.production.min.js"),
                "text/javascript; charset=utf-8",
                REACT_DOM_JS.body,
            ),
        ];
        for (uri, content_type, file) in expected {
            let (status, headers, body) = fetch(asset_routes("/graphql/assets"), &uri).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            assert_eq!(headers[header::CONTENT_TYPE], content_type, "{uri}");
            assert_eq!(headers[header::CACHE_CONTROL], CACHE_CONTROL, "{uri}");
            assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{uri}");
            assert!(!body.is_empty(), "{uri}");
            assert_eq!(body, file, "{uri}");
        }
    }

    #[tokio::test]
    async fn asset_routes_answer_head() {
        let uri = format!("/graphql/assets/graphiql-{GRAPHIQL_VERSION}/graphiql.min.css");
        let response = asset_routes::<()>("/graphql/assets")
            .oneshot(Request::head(&uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], CSS);
    }

    #[tokio::test]
    async fn unknown_asset_paths_are_404() {
        for uri in [
            "/graphql/assets/graphiql-0.0.0/graphiql.min.js".to_owned(),
            format!("/graphql/assets/graphiql-{GRAPHIQL_VERSION}/graphiql.min.js.map"),
            format!("/graphql/assets/graphiql-{GRAPHIQL_VERSION}/nope.js"),
            "/graphql/assets/graphiql.min.js".to_owned(),
            "/graphql/assets/".to_owned(),
            format!("/other/graphiql-{GRAPHIQL_VERSION}/graphiql.min.js"),
        ] {
            let (status, _, _) = fetch(asset_routes("/graphql/assets"), &uri).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        }
    }

    /// Catches a refresh of `assets/graphiql/` that forgot to bump
    /// `REACT_VERSION` (and with it the cache-busting URLs).
    #[test]
    fn vendored_react_matches_react_version() {
        let react = std::str::from_utf8(REACT_JS.body).unwrap();
        assert!(react.contains(&format!(r#"version="{REACT_VERSION}""#)));
        let react_dom = std::str::from_utf8(REACT_DOM_JS.body).unwrap();
        assert!(react_dom.contains(&format!(r#"version:"{REACT_VERSION}"#)));
    }
}
