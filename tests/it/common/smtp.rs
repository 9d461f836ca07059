//! A tiny fake SMTP server for tests: plain SMTP (no TLS, no AUTH) on 127.0.0.1, just enough
//! for lettre's `AsyncSmtpTransport`. It records every message it accepted and can be switched
//! "down" (it then answers every new connection with `421` and hangs up) to simulate an outage.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One message the server accepted (answered `250` after DATA).
#[derive(Clone, Debug)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message as transmitted, dot-stuffing removed, lines joined with CRLF.
    pub data: String,
}

impl Received {
    /// A header's value, unfolded and with RFC 2047 encoded words decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        let mut unfolded: Vec<String> = Vec::new();
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(last) = unfolded.last_mut() {
                    last.push_str(line);
                }
            } else {
                unfolded.push(line.to_string());
            }
        }
        unfolded.iter().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| decode_words(value.trim()))
        })
    }

    pub fn subject(&self) -> Option<String> {
        self.header("Subject")
    }

    /// The body, with base64 or quoted-printable transfer encoding undone.
    pub fn body_text(&self) -> String {
        let raw = self.data.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
        let encoding = self.header("Content-Transfer-Encoding").unwrap_or_default();
        let bytes = if encoding.eq_ignore_ascii_case("base64") {
            base64_decode(raw).unwrap_or_default()
        } else if encoding.eq_ignore_ascii_case("quoted-printable") {
            quoted_printable_decode(raw)
        } else {
            raw.as_bytes().to_vec()
        };
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

#[derive(Default)]
struct Shared {
    down: AtomicBool,
    connections: AtomicUsize,
    refused: AtomicUsize,
    received: Mutex<Vec<Received>>,
    /// Pause before answering the end of DATA, so concurrent senders overlap.
    data_delay_ms: AtomicUsize,
}

pub struct FakeSmtp {
    pub port: u16,
    shared: Arc<Shared>,
    acceptor: JoinHandle<()>,
}

impl Drop for FakeSmtp {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

impl FakeSmtp {
    pub async fn start() -> FakeSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind fake SMTP server");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared::default());
        let accept_shared = shared.clone();
        let acceptor = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = accept_shared.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, shared).await;
                });
            }
        });
        FakeSmtp { port, shared, acceptor }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Down: every new connection gets `421` and is closed. Up: normal service.
    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
    }

    pub fn set_data_delay(&self, delay: Duration) {
        self.shared.data_delay_ms.store(delay.as_millis() as usize, Ordering::SeqCst);
    }

    /// Every connection ever accepted, including refused ones.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Connections turned away while down.
    pub fn refused(&self) -> usize {
        self.shared.refused.load(Ordering::SeqCst)
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }
}

async fn serve(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    shared.connections.fetch_add(1, Ordering::SeqCst);
    let (read, mut write) = stream.into_split();
    if shared.down.load(Ordering::SeqCst) {
        shared.refused.fetch_add(1, Ordering::SeqCst);
        write.write_all(b"421 4.3.2 service not available\r\n").await?;
        write.shutdown().await?;
        return Ok(());
    }
    let mut reader = BufReader::new(read);
    write.write_all(b"220 fake-smtp.test ESMTP ready\r\n").await?;

    let mut mail_from: Option<String> = None;
    let mut rcpt_to: Vec<String> = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).await? == 0 {
            return Ok(());
        }
        let line = String::from_utf8_lossy(&buf).trim_end_matches(['\r', '\n']).to_string();
        let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-fake-smtp.test greets you\r\n250 8BITMIME\r\n",
            "HELO" => b"250 fake-smtp.test\r\n",
            "MAIL" => {
                mail_from = Some(angle_address(&line));
                rcpt_to.clear();
                b"250 2.1.0 OK\r\n"
            }
            "RCPT" if mail_from.is_some() => {
                rcpt_to.push(angle_address(&line));
                b"250 2.1.5 OK\r\n"
            }
            "RCPT" => b"503 5.5.1 MAIL first\r\n",
            "DATA" if mail_from.is_some() && !rcpt_to.is_empty() => {
                write.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut lines: Vec<String> = Vec::new();
                loop {
                    buf.clear();
                    if reader.read_until(b'\n', &mut buf).await? == 0 {
                        return Ok(()); // client went away mid-message: nothing accepted
                    }
                    let l =
                        String::from_utf8_lossy(&buf).trim_end_matches(['\r', '\n']).to_string();
                    if l == "." {
                        break;
                    }
                    lines.push(l.strip_prefix('.').map(str::to_string).unwrap_or(l));
                }
                let delay = shared.data_delay_ms.load(Ordering::SeqCst);
                if delay > 0 {
                    tokio::time::sleep(Duration::from_millis(delay as u64)).await;
                }
                let message = Received {
                    mail_from: mail_from.take().unwrap_or_default(),
                    rcpt_to: std::mem::take(&mut rcpt_to),
                    data: lines.join("\r\n"),
                };
                // Recorded before the 250 goes out, so a finished send() is always visible.
                shared.received.lock().unwrap().push(message);
                b"250 2.0.0 queued\r\n"
            }
            "DATA" => b"503 5.5.1 need MAIL and RCPT first\r\n",
            "RSET" => {
                mail_from = None;
                rcpt_to.clear();
                b"250 2.0.0 OK\r\n"
            }
            "NOOP" => b"250 2.0.0 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                write.shutdown().await?;
                return Ok(());
            }
            _ => b"500 5.5.2 command not recognized\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// `MAIL FROM:<a@b> SIZE=1` → `a@b`.
fn angle_address(line: &str) -> String {
    match (line.find('<'), line.find('>')) {
        (Some(start), Some(end)) if start < end => line[start + 1..end].to_string(),
        _ => line.split_once(':').map(|(_, a)| a.trim().to_string()).unwrap_or_default(),
    }
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?...?=`, `=?utf-8?q?...?=`); whitespace between
/// adjacent encoded words is dropped, as the RFC says. Bytes are joined before UTF-8 decoding
/// because an encoder may split a character across words.
pub fn decode_words(value: &str) -> String {
    let mut out: Vec<u8> = Vec::new();
    let mut rest = value;
    let mut previous_was_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, candidate) = rest.split_at(start);
        match encoded_word(candidate) {
            Some((bytes, consumed)) => {
                if !(previous_was_word && before.trim().is_empty()) {
                    out.extend_from_slice(before.as_bytes());
                }
                out.extend_from_slice(&bytes);
                rest = &candidate[consumed..];
                previous_was_word = true;
            }
            None => {
                out.extend_from_slice(before.as_bytes());
                out.extend_from_slice(b"=?");
                rest = &candidate[2..];
                previous_was_word = false;
            }
        }
    }
    out.extend_from_slice(rest.as_bytes());
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses one encoded word at the start of `text`; returns its bytes and its length.
fn encoded_word(text: &str) -> Option<(Vec<u8>, usize)> {
    let inner = text.strip_prefix("=?")?;
    let (_charset, after_charset) = inner.split_once('?')?;
    let (encoding, after_encoding) = after_charset.split_once('?')?;
    let end = after_encoding.find("?=")?;
    let payload = &after_encoding[..end];
    let bytes = match encoding {
        "b" | "B" => base64_decode(payload)?,
        "q" | "Q" => quoted_printable_decode(&payload.replace('_', " ")),
        _ => return None,
    };
    let consumed = text.len() - after_encoding.len() + end + 2;
    Some((bytes, consumed))
}

pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        acc = (acc << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

pub fn quoted_printable_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            // Soft line break.
            if bytes[i + 1..].starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if bytes[i + 1..].starts_with(b"\n") {
                i += 2;
                continue;
            }
            let hex = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hex {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_encoded_words() {
        assert_eq!(decode_words("=?utf-8?b?44GC?= =?utf-8?b?44GE?="), "あい");
        assert_eq!(decode_words("plain mail-07"), "plain mail-07");
        assert_eq!(decode_words("=?UTF-8?Q?a_b=3Dc?="), "a b=c");
    }
}
