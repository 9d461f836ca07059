//! A tiny fake SMTP server on a given loopback port (plain SMTP, no TLS or AUTH; enough for
//! lettre), after tests/it/common/smtp.rs. It records each message's Message-ID when the final
//! "." arrives. `drop_replies` makes it hang up, after recording, instead of answering the
//! end of DATA for that many messages: the window where the server has the message but the
//! client never learns it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Default)]
struct Shared {
    drop_replies: AtomicUsize,
    dropped: AtomicUsize,
    received: Mutex<Vec<String>>,
}

pub struct FakeSmtp {
    shared: Arc<Shared>,
    acceptor: JoinHandle<()>,
}

impl Drop for FakeSmtp {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

impl FakeSmtp {
    pub async fn start_on(port: u16, drop_replies: usize) -> std::io::Result<FakeSmtp> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let shared = Arc::new(Shared::default());
        shared.drop_replies.store(drop_replies, Ordering::SeqCst);
        let accept_shared = shared.clone();
        let acceptor = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let shared = accept_shared.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, shared).await;
                });
            }
        });
        Ok(FakeSmtp { shared, acceptor })
    }

    /// The Message-ID of every message taken, in order, duplicates included.
    pub fn received(&self) -> Vec<String> {
        self.shared.received.lock().unwrap().clone()
    }

    pub fn dropped(&self) -> usize {
        self.shared.dropped.load(Ordering::SeqCst)
    }
}

async fn serve(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write.write_all(b"220 drill-smtp ESMTP ready\r\n").await?;
    let mut in_transaction = false;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).await? == 0 {
            return Ok(());
        }
        let line = String::from_utf8_lossy(&buf).trim_end_matches(['\r', '\n']).to_string();
        let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-drill-smtp\r\n250 8BITMIME\r\n",
            "HELO" => b"250 drill-smtp\r\n",
            "MAIL" => {
                in_transaction = true;
                b"250 2.1.0 OK\r\n"
            }
            "RCPT" => b"250 2.1.5 OK\r\n",
            "DATA" if in_transaction => {
                write.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut message_id = String::new();
                let mut in_head = true;
                loop {
                    buf.clear();
                    if reader.read_until(b'\n', &mut buf).await? == 0 {
                        return Ok(()); // the client left mid-message: nothing taken
                    }
                    let l =
                        String::from_utf8_lossy(&buf).trim_end_matches(['\r', '\n']).to_string();
                    if l == "." {
                        break;
                    }
                    if l.is_empty() {
                        in_head = false;
                    }
                    if in_head {
                        if let Some((key, value)) = l.split_once(':') {
                            if key.eq_ignore_ascii_case("message-id") {
                                message_id = value.trim().to_string();
                            }
                        }
                    }
                }
                shared.received.lock().unwrap().push(message_id);
                in_transaction = false;
                let drop_it = shared
                    .drop_replies
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if drop_it {
                    shared.dropped.fetch_add(1, Ordering::SeqCst);
                    return Ok(()); // hang up: the message is taken, the reply never sent
                }
                b"250 2.0.0 queued\r\n"
            }
            "DATA" => b"503 5.5.1 need MAIL and RCPT first\r\n",
            "RSET" => {
                in_transaction = false;
                b"250 2.0.0 OK\r\n"
            }
            "NOOP" => b"250 2.0.0 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => b"500 5.5.2 command not recognized\r\n",
        };
        write.write_all(reply).await?;
    }
}
