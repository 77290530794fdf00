//! Request line and header limits, over a real socket: hyper answers an overlong URL 414 and
//! too many or too large headers 431, before pgway sees the request, and keeps serving.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::TestApi;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// Serves the test API on a loopback port, as `pgway serve` does (`axum::serve`).
async fn listen(api: &TestApi) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(axum::serve(listener, api.router.clone()).into_future());
    address
}

/// Sends `head` (request line and headers, without the blank line) and returns the status of
/// the answer, or `None` if the connection closed without one.
async fn status(address: SocketAddr, head: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!("{head}\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    // The server may answer and close before it has read everything: a write error is fine.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer));
    let _ = read.await.expect("no answer within 10 s");
    let answer = String::from_utf8_lossy(&answer);
    let status = answer.strip_prefix("HTTP/1.1 ")?.get(..3)?;
    Some(status.parse().unwrap())
}

#[tokio::test]
async fn long_urls_and_large_headers_get_414_and_431_and_pgway_keeps_serving() {
    let api = TestApi::new().await;
    let address = listen(&api).await;
    let ok = "GET /people?select=id&id=eq.1 HTTP/1.1";
    assert_eq!(status(address, ok).await, Some(200));

    // A long filter well within the limit is an ordinary request.
    let ids = vec!["1"; 8_000].join(",");
    let long = format!("GET /people?select=id&id=in.({ids}) HTTP/1.1");
    assert!(long.len() > 16_000);
    assert_eq!(status(address, &long).await, Some(200));

    // Over 64 KiB of URL.
    let too_long = format!(
        "GET /people?select=id&name=eq.{} HTTP/1.1",
        "x".repeat(70_000)
    );
    assert_eq!(status(address, &too_long).await, Some(414));

    // More than 100 headers.
    let many: String = (0..120).map(|i| format!("\r\nX-H{i}: v")).collect();
    assert_eq!(status(address, &format!("{ok}{many}")).await, Some(431));

    // Headers larger than hyper's read buffer (about 400 KiB).
    let large = format!("{ok}\r\nX-Large: {}", "y".repeat(500_000));
    assert_eq!(status(address, &large).await, Some(431));

    // A URL longer than the whole buffer: 431 too, as hyper cannot tell it from large headers.
    let huge = format!("GET /people?name=eq.{} HTTP/1.1", "z".repeat(500_000));
    assert_eq!(status(address, &huge).await, Some(431));

    assert_eq!(status(address, ok).await, Some(200));
}
