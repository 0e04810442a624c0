//! The sandbox's state: orders, refunds and notifications. In memory; with `--state FILE`
//! every change is also written to an embedded database (redb) before the answer leaves,
//! so that a restart loses no order, refund or pending notification.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use redb::{Database, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use super::triggers::Fault;

const ORDERS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("orders");
const REFUNDS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("refunds");
const NOTES: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("notifications");
const META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("meta");

/// A state-file failure.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("state file: {0}")]
pub struct StoreError(pub String);

fn db_err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrderStatus {
    Paid,
    Declined,
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
}

struct Inner {
    state: State,
    db: Option<Database>,
}

/// The state behind one lock, written through to the database.
pub struct Store {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// An in-memory store.
    pub fn memory() -> Self {
        Self {
            inner: Mutex::new(Inner {
                state: State::default(),
                db: None,
            }),
        }
    }

    /// Opens (or creates) the state file and loads everything in it.
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
                let value = serde_json::from_slice(v.value()).map_err(db_err)?;
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
        Ok(Self {
            inner: Mutex::new(Inner {
                state,
                db: Some(db),
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves the state as the last completed change.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads the state.
    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock().state)
    }

    /// Waits until every change made so far is durable.
    pub async fn sync(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Changes the state and writes the touched records before returning. If the write
    /// fails, the in-memory change stays and the error is returned (the caller answers
    /// with a system error).
    pub fn write<R>(&self, f: impl FnOnce(&mut State, &mut Changes) -> R) -> Result<R, StoreError> {
        let mut inner = self.lock();
        let mut changes = Changes::default();
        let r = f(&mut inner.state, &mut changes);
        if let Some(db) = &inner.db {
            persist(db, &inner.state, &changes)?;
        }
        Ok(r)
    }
}

fn persist(db: &Database, state: &State, ch: &Changes) -> Result<(), StoreError> {
    if ch.orders.is_empty() && ch.refunds.is_empty() && ch.notes.is_empty() && !ch.seq {
        return Ok(());
    }
    let tx = db.begin_write().map_err(db_err)?;
    {
        let mut orders = tx.open_table(ORDERS).map_err(db_err)?;
        for k in &ch.orders {
            if let Some(o) = state.orders.get(k) {
                let v = serde_json::to_vec(o).map_err(db_err)?;
                orders.insert(k.as_str(), v.as_slice()).map_err(db_err)?;
            }
        }
        let mut refunds = tx.open_table(REFUNDS).map_err(db_err)?;
        for k in &ch.refunds {
            if let Some(r) = state.refunds.get(k) {
                let v = serde_json::to_vec(r).map_err(db_err)?;
                refunds.insert(k.as_str(), v.as_slice()).map_err(db_err)?;
            }
        }
        let mut notes = tx.open_table(NOTES).map_err(db_err)?;
        for k in &ch.notes {
            if let Some(n) = state.notes.get(k) {
                let v = serde_json::to_vec(n).map_err(db_err)?;
                notes.insert(k.as_str(), v.as_slice()).map_err(db_err)?;
            }
        }
        if ch.seq {
            let mut meta = tx.open_table(META).map_err(db_err)?;
            let v = serde_json::to_vec(&state.seq).map_err(db_err)?;
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
            })
            .unwrap();
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
