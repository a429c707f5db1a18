//! The HTTP/1.1 server: hyper on a small tokio runtime owned by the proxy. Each request
//! is handled on tokio's blocking pool (upstream access uses the blocking index client,
//! which must not run on a runtime thread). Custom reason phrases go out through hyper's
//! `ReasonPhrase` extension.

use super::gateway;
use super::reply::{Reply, reason_phrase};
use super::routes;
use super::state::State;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How long in-flight requests may take to finish once the proxy is stopped.
const GRACE: Duration = Duration::from_secs(5);

pub(crate) struct Server {
    runtime: tokio::runtime::Runtime,
    stop: watch::Sender<bool>,
    done: mpsc::Receiver<()>,
}

impl Server {
    pub(crate) fn start(listener: std::net::TcpListener, state: Arc<State>) -> std::io::Result<Server> {
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            // files are judged on the blocking threads: deep stacks (defence in depth)
            .thread_stack_size(crate::pipeline::WORKER_STACK)
            .thread_name("safe-pip-proxy")
            .enable_all()
            .build()?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let (stop, stop_rx) = watch::channel(false);
        let (done_tx, done) = mpsc::channel();
        runtime.spawn(async move {
            accept_loop(listener, state, stop_rx).await;
            let _ = done_tx.send(());
        });
        Ok(Server { runtime, stop, done })
    }

    /// Stops accepting, waits up to [`GRACE`] for open connections, then shuts the
    /// runtime down. The listening socket is closed before this returns.
    pub(crate) fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.done.recv_timeout(GRACE + Duration::from_secs(1));
        // A runtime must not be dropped on an async thread; stop() may be called from one.
        let runtime = self.runtime;
        let _ = std::thread::spawn(move || runtime.shutdown_timeout(Duration::from_secs(1))).join();
    }
}

async fn accept_loop(listener: tokio::net::TcpListener, state: Arc<State>, mut stop: watch::Receiver<bool>) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, remote) = match accepted {
                    Ok((s, remote)) => (s, remote),
                    Err(_) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let st = state.clone();
                let service = service_fn(move |req| answer(st.clone(), remote, req));
                let conn = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(30))
                    .serve_connection(TokioIo::new(stream), service);
                let watched = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = watched.await;
                });
            }
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(GRACE) => {}
    }
}

async fn answer(state: Arc<State>, remote: SocketAddr, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let head = parts.method == hyper::Method::HEAD;
    let method = parts.method.clone();
    let path = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    let admin = state.gateway.is_some() && path.starts_with("/admin/");
    // Only the admin API reads request bodies (bounded); `None`: too large or broken.
    let body = if admin {
        http_body_util::BodyExt::collect(http_body_util::Limited::new(body, gateway::MAX_ADMIN_BODY)).await.ok().map(|c| c.to_bytes())
    } else {
        drop(body);
        Some(Bytes::new())
    };
    let (st, p) = (state.clone(), path.clone());
    let (reply, user) = tokio::task::spawn_blocking(move || {
        if let (true, Some(g)) = (admin, &st.gateway) {
            return gateway::admin(g, parts.method.as_str(), &p, &parts.headers, body.as_deref());
        }
        // The gateway authenticates every request but its health check.
        let user = match &st.gateway {
            Some(g) if routes::label(&p) != "health" => match gateway::authenticate(g, &parts.headers) {
                Ok(u) => u,
                Err(refused) => return (refused, None),
            },
            _ => None,
        };
        (routes::handle(&st, &parts.method, parts.version, &p, &parts.headers), user)
    })
    .await
    .unwrap_or_else(|_| {
        (Reply::error(403, "Forbidden by safe-pip: internal error while handling the request; nothing was served".into()), None)
    });
    state.metrics.request(routes::label(&path), reply.status);
    if state.gateway.as_ref().is_some_and(|g| g.access_log) {
        let line = gateway::Access {
            remote: Some(remote),
            method: method.as_str(),
            path: &path,
            status: reply.status,
            bytes: if head { 0 } else { reply.body.len() },
            seconds: started.elapsed().as_secs_f64(),
            user: user.as_deref(),
            reason: reply.reason.as_deref(),
        }
        .line();
        eprintln!("{line}");
    }
    Ok(to_response(reply, head))
}

fn to_response(reply: Reply, head: bool) -> Response<Full<Bytes>> {
    let len = reply.body.len();
    let body = if head { Bytes::new() } else { reply.body };
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = hyper::StatusCode::from_u16(reply.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = resp.headers_mut();
    for (k, v) in &reply.headers {
        if let Ok(v) = hyper::header::HeaderValue::from_str(v) {
            headers.append(*k, v);
        }
    }
    if reply.status != 304 {
        headers.insert(hyper::header::CONTENT_LENGTH, hyper::header::HeaderValue::from(len));
    }
    if let Some(reason) = reply.reason {
        if let Ok(r) = hyper::ext::ReasonPhrase::try_from(reason_phrase(&reason)) {
            resp.extensions_mut().insert(r);
        }
    }
    resp
}
