//! The double's HTTP/1.1 server: a thread per connection, one request per connection, then
//! `Connection: close`. No keep-alive on purpose: tiny_http (used before) ignores a response's
//! `Connection: close`, so clients pooled idle connections, each one pinning a worker of its
//! pool, and a burst of new connections could sit queued behind them until the caller's 5 s
//! timeout (the fleet suite's "JWKS GET timeout: global"). Here nothing is ever queued.
//!
//! The request head is parsed by `httparse`; the body is read by `Content-Length` (chunked
//! request bodies are answered 411, which no client of the double sends).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

/// One request, as the double's router reads it.
pub struct Request {
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// One answer.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 1 << 20;

/// A listening server; [`Server::stop`] (or drop) ends its accept loop.
pub struct Server {
    port: u16,
    stopping: Arc<AtomicBool>,
    accept: Option<thread::JoinHandle<()>>,
}

impl Server {
    /// Answers each request on `listener` (bound by the caller, who knows its port) with `handle`.
    pub fn start(listener: TcpListener, handle: impl Fn(Request) -> Response + Send + Sync + 'static) -> Server {
        let port = listener.local_addr().expect("a local address").port();
        let stopping = Arc::new(AtomicBool::new(false));
        let handle = Arc::new(handle);
        let stop = Arc::clone(&stopping);
        let accept = thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let handle = Arc::clone(&handle);
                thread::spawn(move || serve(stream, &*handle));
            }
        });
        Server { port, stopping, accept: Some(accept) }
    }

    pub fn stop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wakes the accept loop, which then sees `stopping`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(mut stream: TcpStream, handle: &(dyn Fn(Request) -> Response + Send + Sync)) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let response = match read_request(&mut stream) {
        Ok(Some(request)) => handle(request),
        Ok(None) => return, // closed before a request (e.g. the accept loop's wake-up)
        Err(status) => Response { status, headers: Vec::new(), body: Vec::new() },
    };
    let mut head = format!("HTTP/1.1 {} {}\r\n", response.status, reason(response.status));
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", response.body.len()));
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&response.body));
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
}

/// Reads one request; `Err(status)` for one the double refuses to read.
fn read_request(stream: &mut TcpStream) -> Result<Option<Request>, u16> {
    let mut buffer = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).map_err(|_| 408u16)?;
        if n == 0 {
            return if buffer.is_empty() { Ok(None) } else { Err(400) };
        }
        buffer.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&buffer) {
            Ok(httparse::Status::Complete(head_len)) => {
                let request = Request {
                    method: parsed.method.unwrap_or("").to_owned(),
                    target: parsed.path.unwrap_or("/").to_owned(),
                    headers: parsed
                        .headers
                        .iter()
                        .map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into_owned()))
                        .collect(),
                    body: Vec::new(),
                };
                return read_body(stream, request, buffer.split_off(head_len)).map(Some);
            }
            Ok(httparse::Status::Partial) if buffer.len() < MAX_HEAD => {}
            Ok(httparse::Status::Partial) => return Err(431),
            Err(_) => return Err(400),
        }
    }
}

fn read_body(stream: &mut TcpStream, mut request: Request, already: Vec<u8>) -> Result<Request, u16> {
    if request.header("transfer-encoding").is_some() {
        return Err(411);
    }
    let length = match request.header("content-length") {
        Some(value) => value.trim().parse::<usize>().map_err(|_| 400u16)?,
        None => 0,
    };
    if length > MAX_BODY {
        return Err(413);
    }
    let mut body = already;
    body.truncate(length);
    if body.len() < length {
        let missing = length - body.len();
        let start = body.len();
        body.resize(length, 0);
        stream.read_exact(&mut body[start..start + missing]).map_err(|_| 400u16)?;
    }
    request.body = body;
    Ok(request)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
