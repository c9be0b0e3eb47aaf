//! Single-flight with a memory: concurrent callers asking for the same key share one run of
//! the work and all get its result; a result the work says to remember is handed to later
//! callers of that key until the time it names. Bounded: at most `capacity` remembered
//! results, expired ones dropped first, then the oldest. Dropping a result is where its
//! secrets are wiped (the value's own `Drop`), so the values should zeroize themselves.
//!
//! Keys are 32-byte digests: callers hash what identifies the work (never store the secret).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::SystemTime;

/// A work key (a SHA-256 digest).
pub type Key = [u8; 32];

/// How a caller got its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// This caller ran the work.
    Led,
    /// This caller waited for another caller's run.
    Joined,
    /// A remembered result was handed out; no work ran.
    Remembered,
}

/// One run in progress: its result once done (`None` after it when the leader panicked).
struct Slot<V> {
    state: Mutex<(bool, Option<V>)>,
    done: Condvar,
}

struct State<V> {
    in_flight: HashMap<Key, Arc<Slot<V>>>,
    remembered: HashMap<Key, (SystemTime, V)>,
    order: VecDeque<Key>,
}

/// Shares runs of work per key, and remembers results for a while.
pub struct SingleFlight<V> {
    capacity: usize,
    state: Mutex<State<V>>,
}

impl<V> fmt::Debug for SingleFlight<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("SingleFlight")
            .field("capacity", &self.capacity)
            .field("in_flight", &state.in_flight.len())
            .field("remembered", &state.remembered.len())
            .finish()
    }
}

/// Poisoning only means a panic elsewhere; every update is one step, so keep going.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Completes the slot even if the work panics, so no waiter hangs.
struct Leader<'a, V> {
    flight: &'a SingleFlight<V>,
    key: Key,
    slot: Arc<Slot<V>>,
}

impl<V> Drop for Leader<'_, V> {
    fn drop(&mut self) {
        lock(&self.flight.state).in_flight.remove(&self.key);
        let mut slot = lock(&self.slot.state);
        slot.0 = true;
        drop(slot);
        self.slot.done.notify_all();
    }
}

impl<V: Clone> SingleFlight<V> {
    /// Remembers at most `capacity` results (0: remembers none, still shares runs).
    pub fn new(capacity: usize) -> SingleFlight<V> {
        SingleFlight {
            capacity,
            state: Mutex::new(State { in_flight: HashMap::new(), remembered: HashMap::new(), order: VecDeque::new() }),
        }
    }

    /// The result for `key` at `now`: a remembered one still valid at `now`, else the result of
    /// a run already in progress, else this caller runs `work`, hands the result to every
    /// caller that joined meanwhile, and remembers it until `remember_until(&result)` (if that
    /// is after `now`).
    pub fn run(
        &self,
        key: Key,
        now: SystemTime,
        work: impl FnOnce() -> V,
        remember_until: impl FnOnce(&V) -> Option<SystemTime>,
    ) -> (V, Role) {
        let mut work = Some(work);
        loop {
            let mut state = lock(&self.state);
            if let Some((until, value)) = state.remembered.get(&key) {
                if now < *until {
                    return (value.clone(), Role::Remembered);
                }
                state.remembered.remove(&key);
            }
            if let Some(slot) = state.in_flight.get(&key).cloned() {
                drop(state);
                let mut done = lock(&slot.state);
                while !done.0 {
                    done = slot.done.wait(done).unwrap_or_else(|p| p.into_inner());
                }
                match &done.1 {
                    Some(value) => return (value.clone(), Role::Joined),
                    // The leader panicked: try again (this caller may lead).
                    None => continue,
                }
            }
            let slot = Arc::new(Slot { state: Mutex::new((false, None)), done: Condvar::new() });
            state.in_flight.insert(key, Arc::clone(&slot));
            drop(state);

            let leader = Leader { flight: self, key, slot: Arc::clone(&slot) };
            // `work` is taken once: a leader never loops.
            let value = match work.take() {
                Some(work) => work(),
                None => continue,
            };
            if let Some(until) = remember_until(&value).filter(|until| *until > now) {
                self.remember(key, now, until, value.clone());
            }
            lock(&slot.state).1 = Some(value.clone());
            drop(leader);
            return (value, Role::Led);
        }
    }

    fn remember(&self, key: Key, now: SystemTime, until: SystemTime, value: V) {
        if self.capacity == 0 {
            return;
        }
        let mut state = lock(&self.state);
        if state.remembered.len() >= self.capacity {
            state.remembered.retain(|_, (until, _)| now < *until);
            let State { remembered, order, .. } = &mut *state;
            order.retain(|k| remembered.contains_key(k));
        }
        while state.remembered.len() >= self.capacity {
            match state.order.pop_front() {
                Some(oldest) => {
                    state.remembered.remove(&oldest);
                }
                None => break,
            }
        }
        if state.remembered.insert(key, (until, value)).is_none() {
            state.order.push_back(key);
        }
    }

    /// How many results are remembered (expired ones included until they are dropped).
    pub fn remembered(&self) -> usize {
        lock(&self.state).remembered.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;
    use std::time::Duration;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn concurrent_callers_share_one_run() {
        let flight = Arc::new(SingleFlight::<u64>::new(16));
        let runs = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(Barrier::new(20));
        let handles: Vec<_> = (0..20)
            .map(|_| {
                let (flight, runs, barrier) = (Arc::clone(&flight), Arc::clone(&runs), Arc::clone(&barrier));
                thread::spawn(move || {
                    barrier.wait();
                    flight.run(
                        [1; 32],
                        at(100),
                        || {
                            runs.fetch_add(1, Ordering::SeqCst);
                            thread::sleep(Duration::from_millis(100));
                            7
                        },
                        |_| None,
                    )
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(results.iter().all(|(v, _)| *v == 7));
        assert_eq!(results.iter().filter(|(_, role)| *role == Role::Led).count(), 1);
        // Nothing remembered: the next caller runs again.
        assert_eq!(flight.run([1; 32], at(100), || 8, |_| None), (8, Role::Led));
    }

    #[test]
    fn remembered_until_the_time_the_work_names() {
        let flight = SingleFlight::<u64>::new(16);
        assert_eq!(flight.run([2; 32], at(100), || 1, |_| Some(at(160))), (1, Role::Led));
        assert_eq!(flight.run([2; 32], at(159), || 2, |_| None), (1, Role::Remembered));
        assert_eq!(flight.run([2; 32], at(160), || 3, |_| None), (3, Role::Led), "expired at its time");
        assert_eq!(flight.run([3; 32], at(100), || 4, |_| Some(at(100))), (4, Role::Led));
        assert_eq!(flight.remembered(), 0, "a time not after now is not remembered");
    }

    #[test]
    fn bounded_oldest_first_and_expired_first() {
        let flight = SingleFlight::<u64>::new(2);
        flight.run([1; 32], at(0), || 1, |_| Some(at(1000)));
        flight.run([2; 32], at(0), || 2, |_| Some(at(10)));
        flight.run([3; 32], at(20), || 3, |_| Some(at(1000)));
        assert_eq!(flight.remembered(), 2);
        assert_eq!(flight.run([1; 32], at(21), || 9, |_| None).1, Role::Remembered, "the expired one went first");
        flight.run([4; 32], at(21), || 4, |_| Some(at(1000)));
        assert_eq!(flight.run([1; 32], at(22), || 9, |_| None).1, Role::Led, "then the oldest");
        assert_eq!(flight.run([3; 32], at(22), || 9, |_| None).1, Role::Remembered);
    }

    #[test]
    #[allow(clippy::panic)]
    fn a_panicking_leader_does_not_strand_waiters() {
        let flight = Arc::new(SingleFlight::<u64>::new(4));
        let f = Arc::clone(&flight);
        let leader = thread::spawn(move || {
            f.run(
                [5; 32],
                at(0),
                || {
                    thread::sleep(Duration::from_millis(100));
                    panic!("work failed")
                },
                |_| None,
            )
        });
        thread::sleep(Duration::from_millis(30));
        let (value, role) = flight.run([5; 32], at(0), || 6, |_| None);
        assert!(leader.join().is_err());
        assert_eq!((value, role), (6, Role::Led));
    }

    #[test]
    fn remembered_values_are_dropped_on_eviction() {
        struct Counted(Arc<AtomicUsize>);
        impl Clone for Counted {
            fn clone(&self) -> Self {
                Counted(Arc::clone(&self.0))
            }
        }
        impl Drop for Counted {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let drops = Arc::new(AtomicUsize::new(0));
        let flight = SingleFlight::<Counted>::new(1);
        drop(flight.run([1; 32], at(0), || Counted(Arc::clone(&drops)), |_| Some(at(100))));
        let before = drops.load(Ordering::SeqCst);
        drop(flight.run([2; 32], at(0), || Counted(Arc::new(AtomicUsize::new(0))), |_| Some(at(100))));
        assert_eq!(drops.load(Ordering::SeqCst), before + 1, "the evicted value was dropped");
    }
}
