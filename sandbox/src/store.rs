//! The sandbox's state: orders, refunds and notifications. In memory; with `--state FILE`
//! every change is also written to an embedded database (redb) in group commits, and no
//! answer leaves (no notification is posted) before the commit of the changes it reports,
//! so that a restart, even after `kill -9`, loses nothing that was acknowledged.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};

use redb::{Database, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use tokio::sync::watch;

use crate::triggers::Fault;

const ORDERS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("orders");
const REFUNDS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("refunds");
const NOTES: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("notifications");
const META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("meta");

pub use crate::error::StoreError;

fn db_err(e: impl Into<redb::Error>) -> StoreError {
    StoreError::Database(Box::new(e.into()))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrderStatus {
    Paid,
    Declined,
    /// Accepted, not yet paid or failed (§2.2.2: the synchronous result is only the
    /// acceptance; the notification tells the payment).
    Pending,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PreauthState {
    Authorized,
    Cancelled,
    Confirmed,
}

/// §4: the pre-authorisation of an international-card (payType 30) order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preauth {
    pub id: String,
    pub state: PreauthState,
    /// The §4.2/§4.4 `transDateTime` of the cancel or confirm, once done.
    pub trans_datetime: Option<String>,
    pub confirmed_amount: Option<u64>,
}

impl Preauth {
    /// The pre-authorisation made when an international-card order is paid.
    pub fn authorized(payment_order_id: &str) -> Self {
        Preauth {
            id: format!("PA{payment_order_id}"),
            state: PreauthState::Authorized,
            trans_datetime: None,
            confirmed_amount: None,
        }
    }
}

/// An order as the SDK control submitted it (§2.1) and its payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub merchant_id: String,
    pub order_no: String,
    pub order_datetime: String,
    pub order_amount: u64,
    pub currency: String,
    pub pay_type: String,
    pub issuer_id: Option<String>,
    pub sign_type: String,
    pub receive_url: String,
    pub ext1: Option<String>,
    /// The payData sign source: a second submission of the order must be the same order
    /// (M00001_000010 两次商户订单数据不一致).
    pub fingerprint: String,
    pub payment_order_id: String,
    pub pay_datetime: String,
    pub status: OrderStatus,
    pub refunded: u64,
    pub preauth: Option<Preauth>,
}

/// §3.5/§3.6: an accepted refund.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Refund {
    pub mcht_refund_order_no: Option<String>,
    pub amount: u64,
    pub refund_datetime: String,
    pub return_datetime: String,
    /// §3.8 TKSUCC code (the first, when the state moves on with time).
    pub state: String,
    /// Later states: (Unix ms from which it holds, TKSUCC code), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub later: Vec<(u64, String)>,
    /// The §3.6 `refundResult` answered (20 accepted).
    #[serde(default = "accepted")]
    pub refund_result: String,
}

fn accepted() -> String {
    "20".into()
}

impl Refund {
    /// The §3.8 state at `now_ms`.
    pub fn state_at(&self, now_ms: u64) -> &str {
        self.later
            .iter()
            .rev()
            .find(|(at, _)| *at <= now_ms)
            .map_or(self.state.as_str(), |(_, s)| s.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoteStatus {
    Pending,
    Delivered,
    Exhausted,
}

/// One POST of a notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Post {
    /// 1 for the first delivery, 2-4 for the resends; 0 for a fault's extra copy.
    pub attempt: u32,
    /// `genuine` or the fault's name.
    pub kind: String,
    pub return_datetime: String,
    pub at_ms: u64,
    /// HTTP status, or the transport failure.
    pub outcome: String,
    /// 2xx within the timeout.
    pub accepted: bool,
}

/// The §2.2.3 notification of a paid order and its delivery schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub order_no: String,
    pub status: NoteStatus,
    /// Genuine deliveries claimed so far (counted before each is sent).
    pub attempts: u32,
    pub next_due_ms: u64,
    /// Unix seconds of the last `returnDatetime` used: each delivery takes a later one.
    pub last_return_secs: i64,
    pub fault: Option<Fault>,
    pub fault_done: bool,
    pub posts: Vec<Post>,
}

impl Notification {
    /// The notification of an order just paid, due at once.
    pub fn due_now(order_no: &str, fault: Option<Fault>) -> Self {
        Notification {
            order_no: order_no.to_owned(),
            status: NoteStatus::Pending,
            attempts: 0,
            next_due_ms: crate::time::unix_ms(),
            last_return_secs: 0,
            fault,
            fault_done: false,
            posts: Vec::new(),
        }
    }
}

/// Everything the sandbox knows.
#[derive(Debug, Default)]
pub struct State {
    pub orders: HashMap<String, Order>,
    pub refunds: HashMap<String, Vec<Refund>>,
    pub notes: HashMap<String, Notification>,
    /// Sequence of payment order ids and pre-auth ids.
    pub seq: u64,
}

/// Which records a change touched (by order number).
#[derive(Debug, Default)]
pub struct Changes {
    orders: Vec<String>,
    refunds: Vec<String>,
    notes: Vec<String>,
    seq: bool,
}

impl Changes {
    pub fn order(&mut self, order_no: &str) {
        self.orders.push(order_no.to_owned());
    }
    pub fn refunds(&mut self, order_no: &str) {
        self.refunds.push(order_no.to_owned());
    }
    pub fn note(&mut self, order_no: &str) {
        self.notes.push(order_no.to_owned());
    }
    pub fn seq(&mut self) {
        self.seq = true;
    }

    fn is_empty(&self) -> bool {
        self.orders.is_empty() && self.refunds.is_empty() && self.notes.is_empty() && !self.seq
    }
}

/// Records changed since the last commit began.
#[derive(Debug, Default)]
struct Dirty {
    orders: HashSet<String>,
    refunds: HashSet<String>,
    notes: HashSet<String>,
    seq: bool,
}

impl Dirty {
    fn is_empty(&self) -> bool {
        self.orders.is_empty() && self.refunds.is_empty() && self.notes.is_empty() && !self.seq
    }
}

struct Inner {
    state: State,
    dirty: Dirty,
    /// Changes made so far (each `write` that changed something is one).
    made: u64,
    stopping: bool,
}

/// How far the committer got: every change up to `upto` is durable, unless `failed`.
#[derive(Clone, Debug, Default)]
struct Committed {
    upto: u64,
    /// A commit failed: the state file no longer has every change; nothing more is
    /// acknowledged.
    failed: Option<Arc<StoreError>>,
}

struct Shared {
    inner: Mutex<Inner>,
    wake: Condvar,
    committed: watch::Sender<Committed>,
}

/// The state behind one lock. With a state file, a committer thread writes what changed
/// in group commits: one redb transaction for every change that arrived while the
/// previous one was committing, and [`Store::sync`] waits for the commit of what it saw.
pub struct Store {
    shared: Arc<Shared>,
    committer: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    fn with(state: State) -> Arc<Shared> {
        Arc::new(Shared {
            inner: Mutex::new(Inner {
                state,
                dirty: Dirty::default(),
                made: 0,
                stopping: false,
            }),
            wake: Condvar::new(),
            committed: watch::channel(Committed::default()).0,
        })
    }

    /// An in-memory store.
    pub fn memory() -> Self {
        Self {
            shared: Self::with(State::default()),
            committer: None,
        }
    }

    /// Opens (or creates) the state file, loads everything in it and starts committing.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(db_err)?;
        let tx = db.begin_write().map_err(db_err)?;
        for t in [ORDERS, REFUNDS, NOTES, META] {
            tx.open_table(t).map_err(db_err)?;
        }
        tx.commit().map_err(db_err)?;
        let mut state = State::default();
        let rx = db.begin_read().map_err(db_err)?;
        fn load<T: for<'de> Deserialize<'de>>(
            rx: &redb::ReadTransaction,
            def: TableDefinition<'_, &str, &[u8]>,
        ) -> Result<Vec<(String, T)>, StoreError> {
            let table = rx.open_table(def).map_err(db_err)?;
            let mut out = Vec::new();
            for row in table.iter().map_err(db_err)? {
                let (k, v) = row.map_err(db_err)?;
                let value = serde_json::from_slice(v.value())?;
                out.push((k.value().to_owned(), value));
            }
            Ok(out)
        }
        state.orders = load::<Order>(&rx, ORDERS)?.into_iter().collect();
        state.refunds = load::<Vec<Refund>>(&rx, REFUNDS)?.into_iter().collect();
        state.notes = load::<Notification>(&rx, NOTES)?.into_iter().collect();
        state.seq = load::<u64>(&rx, META)?
            .into_iter()
            .find(|(k, _)| k == "seq")
            .map_or(0, |(_, v)| v);
        drop(rx);
        let shared = Self::with(state);
        let for_thread = shared.clone();
        let committer = std::thread::Builder::new()
            .name("sandbox-store".into())
            .spawn(move || commit_loop(&for_thread, &db))
            .map_err(StoreError::Thread)?;
        Ok(Self {
            shared,
            committer: Some(committer),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves the state as the last completed change.
        self.shared.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads the state.
    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock().state)
    }

    /// Changes the state; with a state file the touched records are committed by the
    /// next group commit: call [`Self::sync`] before acting on the change outside.
    pub fn write<R>(&self, f: impl FnOnce(&mut State, &mut Changes) -> R) -> R {
        let mut inner = self.lock();
        let mut changes = Changes::default();
        let r = f(&mut inner.state, &mut changes);
        if self.committer.is_some() && !changes.is_empty() {
            let d = &mut inner.dirty;
            d.orders.extend(changes.orders);
            d.refunds.extend(changes.refunds);
            d.notes.extend(changes.notes);
            d.seq |= changes.seq;
            inner.made += 1;
            self.shared.wake.notify_one();
        }
        r
    }

    /// Waits until every change made so far is durable (at once without a state file).
    /// After a failed commit it fails for good: the caller answers with a system error.
    pub async fn sync(&self) -> Result<(), StoreError> {
        if self.committer.is_none() {
            return Ok(());
        }
        let target = self.lock().made;
        let mut rx = self.shared.committed.subscribe();
        let seen = rx
            .wait_for(|c| c.upto >= target || c.failed.is_some())
            .await
            .map_err(|_| StoreError::CommitterStopped)?;
        match &seen.failed {
            Some(e) => Err(StoreError::CommitFailed(e.clone())),
            None => Ok(()),
        }
    }
}

impl Drop for Store {
    /// Commits what is left, then stops the committer.
    fn drop(&mut self) {
        self.lock().stopping = true;
        self.shared.wake.notify_all();
        if let Some(t) = self.committer.take() {
            let _ = t.join();
        }
    }
}

/// One table's rows of a batch: (key, value).
type Rows = Vec<(String, Vec<u8>)>;

fn commit_loop(shared: &Shared, db: &Database) {
    loop {
        let (batch, upto) = {
            let mut inner = shared.inner.lock().unwrap_or_else(|e| e.into_inner());
            while inner.dirty.is_empty() && !inner.stopping {
                inner = shared.wake.wait(inner).unwrap_or_else(|e| e.into_inner());
            }
            if inner.dirty.is_empty() {
                return;
            }
            let dirty = std::mem::take(&mut inner.dirty);
            (snapshot(&inner.state, &dirty), inner.made)
        };
        let result = batch.and_then(|b| persist(db, &b));
        shared.committed.send_modify(|c| match result {
            Ok(()) => c.upto = upto,
            Err(e) => {
                if c.failed.is_none() {
                    c.failed = Some(Arc::new(e));
                }
            }
        });
    }
}

/// The serialized records of a batch: orders, refunds, notifications, seq.
struct Batch {
    orders: Rows,
    refunds: Rows,
    notes: Rows,
    seq: Option<Vec<u8>>,
}

fn snapshot(state: &State, d: &Dirty) -> Result<Batch, StoreError> {
    fn rows<'a, T: Serialize + 'a>(
        keys: &HashSet<String>,
        get: impl Fn(&str) -> Option<&'a T>,
    ) -> Result<Rows, StoreError> {
        keys.iter()
            .filter_map(|k| get(k).map(|v| (k, v)))
            .map(|(k, v)| Ok((k.clone(), serde_json::to_vec(v)?)))
            .collect()
    }
    Ok(Batch {
        orders: rows(&d.orders, |k| state.orders.get(k))?,
        refunds: rows(&d.refunds, |k| state.refunds.get(k))?,
        notes: rows(&d.notes, |k| state.notes.get(k))?,
        seq: d.seq.then(|| serde_json::to_vec(&state.seq)).transpose()?,
    })
}

fn persist(db: &Database, b: &Batch) -> Result<(), StoreError> {
    let tx = db.begin_write().map_err(db_err)?;
    {
        for (def, rows) in [
            (ORDERS, &b.orders),
            (REFUNDS, &b.refunds),
            (NOTES, &b.notes),
        ] {
            if rows.is_empty() {
                continue;
            }
            let mut table = tx.open_table(def).map_err(db_err)?;
            for (k, v) in rows {
                table.insert(k.as_str(), v.as_slice()).map_err(db_err)?;
            }
        }
        if let Some(v) = &b.seq {
            let mut meta = tx.open_table(META).map_err(db_err)?;
            meta.insert("seq", v.as_slice()).map_err(db_err)?;
        }
    }
    tx.commit().map_err(db_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(no: &str) -> Order {
        Order {
            merchant_id: "100020091218001".into(),
            order_no: no.into(),
            order_datetime: "20250101120000".into(),
            order_amount: 1000,
            currency: "156".into(),
            pay_type: "0".into(),
            issuer_id: None,
            sign_type: "0".into(),
            receive_url: "http://127.0.0.1:1/n".into(),
            ext1: None,
            fingerprint: String::new(),
            payment_order_id: "P1".into(),
            pay_datetime: "20250101120001".into(),
            status: OrderStatus::Paid,
            refunded: 0,
            preauth: None,
        }
    }

    #[test]
    fn reopened_file_has_every_written_record() {
        let dir = std::env::temp_dir().join(format!("ac-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.redb");
        let _ = std::fs::remove_file(&path);
        {
            let s = Store::open(&path).unwrap();
            s.write(|st, ch| {
                st.orders.insert("A".into(), order("A"));
                ch.order("A");
                st.orders.insert("B".into(), order("B"));
                // B is not recorded as changed: it must not survive.
                st.seq = 7;
                ch.seq();
            });
        }
        let s = Store::open(&path).unwrap();
        s.read(|st| {
            assert_eq!(st.orders.get("A"), Some(&order("A")));
            assert!(!st.orders.contains_key("B"));
            assert_eq!(st.seq, 7);
        });
        let _ = std::fs::remove_dir_all(&dir);
    }
}
