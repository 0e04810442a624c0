//! A careless merchant back end: answers 200 to every notification without verifying
//! anything, the bug `probe-merchant` exists to catch (docs/gateway.md). Never copy it.
//!
//! ```sh
//! cargo run -p allinpay-sandbox --example merchant-careless -- --listen 127.0.0.1:8037
//! ```

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

/// Answers 200 "success" to every request on `listener`, for at most `max_connections`.
pub fn serve(listener: TcpListener, max_connections: usize) {
    for stream in listener.incoming().take(max_connections) {
        let Ok(mut stream) = stream else { continue };
        std::thread::spawn(move || {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            // Read the request (head and Content-Length body); look at nothing.
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while buf.len() < 300 * 1024 {
                let Ok(n) = stream.read(&mut chunk) else {
                    break;
                };
                buf.extend_from_slice(&chunk[..n]);
                let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                    if n == 0 {
                        break;
                    }
                    continue;
                };
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if n == 0 || buf.len() >= end + 4 + len {
                    break;
                }
            }
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nsuccess",
            );
        });
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let listen = args
        .iter()
        .position(|a| a == "--listen")
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:8037".into());
    let listener = match TcpListener::bind(&listen) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {listen}: {e}");
            std::process::exit(2);
        }
    };
    println!("careless merchant listening on http://{listen}/notify");
    serve(listener, usize::MAX);
}
